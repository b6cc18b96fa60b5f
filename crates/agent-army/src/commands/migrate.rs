//! `agent-army migrate`: apply pending migrations.

use anyhow::Context;

use crate::config::Config;

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let store = super::open_store(config).await?;
    store.migrate().await.context("applying migrations")?;
    eprintln!("migrations applied ({})", store.backend_name());
    store.close().await;
    Ok(())
}
