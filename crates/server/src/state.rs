//! Shared state of the HTTP layer.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use store::Store;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Whether the web UI's cookies are `Secure` (HTTPS only; browsers accept them on
    /// localhost too).
    pub secure_cookies: bool,
    /// What integration credentials are sealed with; `None` when no key is configured (they
    /// cannot be stored then).
    pub secrets: Option<Arc<crate::secrets::SecretBox>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            secure_cookies: true,
            secrets: None,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Every model call goes through the gateway.
    pub gateway: Arc<llm::Gateway>,
    /// Where LLM call traces go.
    pub traces: crate::traces::TraceWriter,
    /// Tenants' LLM settings, cached briefly.
    pub llm_settings: Arc<crate::settings_cache::SettingsCache>,
    /// What agent runs need (store, gateway, prompt canary).
    pub agents: agents::runner::AgentDeps,
    pub config: Arc<ServerConfig>,
    pub metrics: PrometheusHandle,
}
