//! `agent-army apikey create|list|revoke`, acting as the operator.

use anyhow::{Context, bail};
use domain::actor::Actor;
use domain::apikey::{ApiKey, NewApiKey};
use domain::id::{ApiKeyId, UserId};
use domain::user::{Role, User};
use store::{Created, Filter, ListQuery, SqlValue, Store, WriteCtx};

use crate::cli::ApiKeyCommand;
use crate::config::Config;

pub async fn run(config: &Config, command: &ApiKeyCommand) -> anyhow::Result<()> {
    let store = super::open_store(config).await?;
    store.migrate().await.context("applying migrations")?;
    match command {
        ApiKeyCommand::Create {
            tenant,
            role,
            name,
            user,
        } => {
            let tenant = super::find_tenant(&store, tenant).await?;
            let role: Role = role.parse()?;
            let user_id = match user {
                Some(user) => Some(find_user(&store, tenant.id, user, role).await?),
                None => None,
            };
            let generated =
                server::auth::generate_key(tenant.id).context("reading the random source")?;
            let record = NewApiKey {
                name: name.clone(),
                role,
                user_id,
            }
            .into_key(generated.prefix, generated.hash, store::now())?;
            let w = WriteCtx::new(tenant.id, Actor::operator(), None);
            let Created::New(key) = store
                .create(&w, record, None)
                .await
                .context("storing the key")?
            else {
                bail!("the key was not stored");
            };
            println!(
                "API key {} ({}, role {}) for tenant {}; it is shown only once:",
                key.id, key.name, key.role, tenant.name
            );
            println!("{}", generated.secret);
        }
        ApiKeyCommand::List { tenant } => {
            let tenant = super::find_tenant(&store, tenant).await?;
            for k in super::list_all::<ApiKey>(&store, tenant.id).await? {
                let state = if k.is_revoked() { "revoked" } else { "active" };
                let used = k
                    .last_used_at
                    .map_or_else(|| "never used".to_owned(), |t| format!("last used {t}"));
                println!(
                    "{}\t{}\t{}\t{}…\t{state}\t{used}",
                    k.id, k.name, k.role, k.prefix
                );
            }
        }
        ApiKeyCommand::Revoke { tenant, id } => {
            let tenant = super::find_tenant(&store, tenant).await?;
            let id: ApiKeyId = id
                .parse()
                .with_context(|| format!("{id:?} is not an API key id"))?;
            let w = WriteCtx::new(tenant.id, Actor::operator(), None);
            let key = store
                .revoke_api_key(&w, id)
                .await
                .context("revoking the key")?;
            eprintln!("revoked API key {} ({})", key.id, key.name);
        }
    }
    store.close().await;
    Ok(())
}

/// Resolves a user by email or id; a personal key may not exceed its user's role.
async fn find_user(
    store: &Store,
    tenant: domain::id::TenantId,
    user: &str,
    role: Role,
) -> anyhow::Result<UserId> {
    let found: Option<User> = match user.parse::<UserId>() {
        Ok(id) => Some(
            store
                .get(tenant, id.as_uuid())
                .await
                .with_context(|| format!("user {user} not found"))?,
        ),
        Err(_) => {
            let query = ListQuery {
                filters: vec![Filter::Eq(
                    "lower(email)",
                    SqlValue::text(user.trim().to_lowercase()),
                )],
                ..ListQuery::default()
            };
            store
                .list::<User>(tenant, &query)
                .await
                .context("finding the user")?
                .items
                .into_iter()
                .next()
        }
    };
    let Some(found) = found else {
        bail!("no user {user:?} in this tenant")
    };
    if role.privilege() > found.role.privilege() {
        bail!("a key for {} can be at most {}", found.email, found.role);
    }
    Ok(found.id)
}
