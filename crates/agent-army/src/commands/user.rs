//! `agent-army user create|list|password`, acting as the operator.

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
        UserCommand::Password { tenant, email } => {
            let tenant = super::find_tenant(&store, tenant).await?;
            let email = Email::parse(email)?;
            let user = super::list_all::<User>(&store, tenant.id)
                .await?
                .into_iter()
                .find(|u| u.email.as_str().eq_ignore_ascii_case(email.as_str()))
                .with_context(|| format!("no user {email} in tenant {}", tenant.name))?;
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            let password = line.trim_end_matches(['\r', '\n']).to_owned();
            domain::session::check_password(&password).map_err(anyhow::Error::msg)?;
            let hash = server::web::password::hash(password)
                .await
                .map_err(anyhow::Error::msg)?;
            let w = WriteCtx::new(tenant.id, Actor::operator(), None);
            store
                .set_password(&w, user.id, &hash)
                .await
                .context("storing the password")?;
            eprintln!("password set for {} in tenant {}", user.email, tenant.name);
        }
    }
    store.close().await;
    Ok(())
}
