//! `agent-army user create|list`, acting as the operator.

use anyhow::{Context, bail};
use domain::actor::Actor;
use domain::region::RegionCode;
use domain::text::Email;
use domain::user::{NewUser, User};
use store::{Created, WriteCtx};

use crate::cli::UserCommand;
use crate::config::Config;

pub async fn run(config: &Config, command: &UserCommand) -> anyhow::Result<()> {
    let store = super::open_store(config).await?;
    store.migrate().await.context("applying migrations")?;
    match command {
        UserCommand::Create {
            tenant,
            email,
            name,
            role,
            region,
        } => {
            let tenant = super::find_tenant(&store, tenant).await?;
            let new = NewUser {
                email: Email::parse(email)?,
                name: name.clone(),
                role: role.parse()?,
                home_region: region.as_deref().map(RegionCode::parse).transpose()?,
            };
            let user = new.into_user(store::now())?;
            let w = WriteCtx::new(tenant.id, Actor::operator(), None);
            let Created::New(user) = store
                .create(&w, user, None)
                .await
                .context("creating the user")?
            else {
                bail!("the user was not stored");
            };
            eprintln!(
                "created user {} ({}) in tenant {}",
                user.email, user.role, tenant.name
            );
            println!("{}", user.id);
        }
        UserCommand::List { tenant } => {
            let tenant = super::find_tenant(&store, tenant).await?;
            for u in super::list_all::<User>(&store, tenant.id).await? {
                let region = u.home_region.as_ref().map_or("-", |r| r.as_str());
                let state = if u.active { "active" } else { "inactive" };
                println!(
                    "{}\t{}\t{}\t{}\t{region}\t{state}",
                    u.id, u.email, u.name, u.role
                );
            }
        }
    }
    store.close().await;
    Ok(())
}
