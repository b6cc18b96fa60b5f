//! A short-lived in-process cache of each tenant's LLM settings, read on every chat completion.
//! A change made through this server is seen at once; one made through another replica within
//! [`TTL`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use domain::id::TenantId;
use domain::llm_settings::LlmSettings;
use store::Store;

/// How long a cached copy is used.
pub const TTL: Duration = Duration::from_secs(5);

/// The cache.
#[derive(Default)]
pub struct SettingsCache {
    entries: Mutex<HashMap<TenantId, (Instant, LlmSettings)>>,
}

impl SettingsCache {
    /// The tenant's settings, from the cache when fresh.
    pub async fn get(&self, store: &Store, tenant: TenantId) -> store::Result<LlmSettings> {
        if let Ok(entries) = self.entries.lock()
            && let Some((at, settings)) = entries.get(&tenant)
            && at.elapsed() < TTL
        {
            return Ok(settings.clone());
        }
        let settings = store.llm_settings(tenant).await?;
        self.put(tenant, settings.clone());
        Ok(settings)
    }

    /// Stores a fresh copy (after a change through this server).
    pub fn put(&self, tenant: TenantId, settings: LlmSettings) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(tenant, (Instant::now(), settings));
        }
    }
}
