//! `agent-army tenant create|list`.

use anyhow::Context;
use domain::tenant::TenantSlug;

use crate::cli::TenantCommand;
use crate::config::Config;

pub async fn run(config: &Config, command: &TenantCommand) -> anyhow::Result<()> {
    let store = super::open_store(config).await?;
    store.migrate().await.context("applying migrations")?;
    match command {
        TenantCommand::Create { name, display_name } => {
            let slug = TenantSlug::parse(name)?;
            let tenant = store
                .create_tenant(slug, display_name.as_deref())
                .await
                .with_context(|| format!("creating tenant {name:?}"))?;
            eprintln!(
                "created tenant {} with regions APAC, EMEA, AMERICAS",
                tenant.name
            );
            println!("{}", tenant.id);
        }
        TenantCommand::List => {
            let tenants = store.list_tenants().await.context("listing tenants")?;
            if tenants.is_empty() {
                eprintln!("no tenants yet; create one with `agent-army tenant create NAME`");
            }
            for t in tenants {
                println!("{}\t{}\t{}\t{}", t.id, t.name, t.display_name, t.created_at);
            }
        }
    }
    store.close().await;
    Ok(())
}
