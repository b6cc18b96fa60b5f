//! Shared state of the HTTP layer.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use store::Store;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
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
