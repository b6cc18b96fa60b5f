//! One module per CLI command.

pub mod apikey;
pub mod catalog;
pub mod demo;
pub mod knowledge;
pub mod migrate;
pub mod qualify;
pub mod serve;
pub mod tenant;
pub mod user;

use anyhow::Context;
use domain::id::TenantId;
use domain::tenant::Tenant;
use store::{Resource, Store};

use crate::config::Config;

/// Opens the configured database.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let options = config.store_options()?;
    Store::connect(&options).await.with_context(|| {
        format!(
            "opening the database at {}",
            store::redact_url(&options.url)
        )
    })
}

/// Finds a tenant by name or id, with a helpful message when it does not exist.
pub async fn find_tenant(store: &Store, name_or_id: &str) -> anyhow::Result<Tenant> {
    store.find_tenant(name_or_id).await.with_context(|| {
        format!("tenant {name_or_id:?} not found; `agent-army tenant list` shows the tenants")
    })
}

/// Every object of one kind in a tenant, fetched page by page.
pub async fn list_all<R: Resource>(store: &Store, tenant: TenantId) -> anyhow::Result<Vec<R>> {
    store
        .list_all(tenant, Vec::new(), usize::MAX)
        .await
        .context("listing")
}
