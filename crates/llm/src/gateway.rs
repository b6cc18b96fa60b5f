//! The gateway: routes an agent role to an ordered chain of models, retries what may succeed on a
//! retry (honouring `Retry-After`, with jittered backoff), falls over to the next model, and
//! fails open to the offline engine, saying so, when every model failed. Each provider has a
//! concurrency limit and a circuit breaker. Structured calls parse the reply into a Rust type,
//! with one repair attempt, and fall back to the skill's own offline answer.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Semaphore;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::breaker::{Breaker, BreakerConfig};
use crate::error::LlmError;
use crate::model::{ChatModel, EventStream};
use crate::providers::anthropic::Anthropic;
use crate::providers::http::Timeouts;
use crate::providers::offline::{OFFLINE, OfflineEngine, response_stream};
use crate::providers::openai_compat::OpenAiCompat;
use crate::structured;
use crate::trace::{Attempt, AttemptOutcome, PriceTable};
use crate::types::{ChatRequest, ChatResponse, Usage};

/// The route used when a role has none of its own.
pub const DEFAULT_ROUTE: &str = "default";

/// Which wire format a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// OpenAI Chat Completions and everything compatible with it.
    Openai,
    /// Anthropic Messages.
    Anthropic,
}

/// One provider endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    /// For example `https://api.openai.com/v1`.
    pub base_url: String,
    /// Environment variable holding the API key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// File holding the API key (first line).
    #[serde(default)]
    pub api_key_file: Option<PathBuf>,
    #[serde(default = "default_connect")]
    pub connect_timeout_secs: u64,
    #[serde(default = "default_first_token")]
    pub first_token_timeout_secs: u64,
    #[serde(default = "default_total")]
    pub total_timeout_secs: u64,
    /// Most calls in flight to this provider; more wait.
    #[serde(default = "default_concurrency")]
    pub max_concurrency: usize,
    /// Consecutive failures (after retries) that open the circuit breaker.
    #[serde(default = "default_breaker_failures")]
    pub breaker_failures: u32,
    /// Seconds an open breaker skips the provider before one trial call.
    #[serde(default = "default_breaker_cooldown")]
    pub breaker_cooldown_secs: u64,
}

fn default_connect() -> u64 {
    5
}
fn default_first_token() -> u64 {
    30
}
fn default_total() -> u64 {
    120
}
fn default_concurrency() -> usize {
    64
}
fn default_breaker_failures() -> u32 {
    5
}
fn default_breaker_cooldown() -> u64 {
    30
}
fn default_retries() -> u32 {
    2
}

/// Providers and routes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderConfig>,
    /// Role (or `default`) to an ordered list of `provider/model` targets.
    #[serde(default)]
    pub routes: BTreeMap<String, Vec<String>>,
    /// Retries of one target on 429, 5xx and timeouts, before moving to the next.
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// Prices by `provider/model`, per million tokens in US dollars.
    #[serde(default)]
    pub prices: PriceTable,
}

/// A model behind a provider, with the provider's concurrency limit and circuit breaker.
#[derive(Clone)]
struct Target {
    provider: Arc<dyn ChatModel>,
    model: String,
    permits: Arc<Semaphore>,
    breaker: Arc<Breaker>,
}

/// A complete reply and who gave it.
#[derive(Debug)]
pub struct Served {
    pub response: ChatResponse,
    /// Every call made for this answer, failed ones included, in order.
    pub attempts: Vec<Attempt>,
    /// Provider name, `offline` when the offline engine answered.
    pub provider: String,
    /// Why the offline engine answered, when it did.
    pub fallback_reason: Option<String>,
}

/// A structured answer and who gave it.
#[derive(Debug)]
pub struct Structured<T> {
    pub value: T,
    /// Every call made for this answer, in order.
    pub attempts: Vec<Attempt>,
    /// Provider name, `offline` when the skill's offline implementation answered.
    pub provider: String,
    /// Why the offline implementation answered, when it did.
    pub fallback_reason: Option<String>,
}

/// A streamed reply and who gives it.
pub struct ServedStream {
    pub stream: EventStream,
    /// Calls that failed before this stream opened; the stream's own call is the consumer's to
    /// record, since only it sees the end.
    pub attempts: Vec<Attempt>,
    /// When the stream's call was sent.
    pub started: std::time::Instant,
    pub provider: String,
    pub model: String,
    pub fallback_reason: Option<String>,
}

/// The gateway.
#[derive(Default, Clone)]
pub struct Gateway {
    providers: BTreeMap<String, Target>,
    routes: BTreeMap<String, Vec<Target>>,
    max_retries: u32,
    prices: PriceTable,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("routes", &self.routes.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A configuration problem, found at start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("llm.routes.{route}: {target:?} is not provider/model")]
    BadTarget { route: String, target: String },
    #[error("llm.routes.{route}: unknown provider {provider:?}")]
    UnknownProvider { route: String, provider: String },
    #[error("llm.providers.{provider}: {detail}")]
    Provider { provider: String, detail: String },
}

fn api_key(name: &str, config: &ProviderConfig) -> Result<Option<String>, ConfigError> {
    let bad = |detail: String| ConfigError::Provider {
        provider: name.to_owned(),
        detail,
    };
    if let Some(var) = &config.api_key_env {
        let key = std::env::var(var)
            .map_err(|_| bad(format!("environment variable {var} is not set")))?;
        return Ok(Some(key.trim().to_owned()));
    }
    if let Some(path) = &config.api_key_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad(format!("reading {}: {e}", path.display())))?;
        return Ok(text.lines().next().map(|l| l.trim().to_owned()));
    }
    Ok(None)
}

impl Gateway {
    /// A gateway with no models: every call is answered by the offline engine.
    pub fn offline() -> Self {
        Self::default()
    }

    /// Builds the providers and routes; API keys are read from the environment or files now.
    pub fn from_config(config: &GatewayConfig) -> Result<Self, ConfigError> {
        let mut providers: BTreeMap<&str, Target> = BTreeMap::new();
        for (name, p) in &config.providers {
            let timeouts = Timeouts {
                connect: Duration::from_secs(p.connect_timeout_secs),
                first_token: Duration::from_secs(p.first_token_timeout_secs),
                total: Duration::from_secs(p.total_timeout_secs),
            };
            let key = api_key(name, p)?;
            let built: Result<Arc<dyn ChatModel>, LlmError> = match p.kind {
                ProviderKind::Openai => OpenAiCompat::new(name, &p.base_url, key, timeouts)
                    .map(|m| Arc::new(m) as Arc<dyn ChatModel>),
                ProviderKind::Anthropic => Anthropic::new(name, &p.base_url, key, timeouts)
                    .map(|m| Arc::new(m) as Arc<dyn ChatModel>),
            };
            let model = built.map_err(|e| ConfigError::Provider {
                provider: name.clone(),
                detail: e.to_string(),
            })?;
            let breaker = Breaker::new(BreakerConfig {
                failures: p.breaker_failures.max(1),
                cooldown: Duration::from_secs(p.breaker_cooldown_secs),
            });
            providers.insert(
                name,
                Target {
                    provider: model,
                    model: String::new(),
                    permits: Arc::new(Semaphore::new(p.max_concurrency.max(1))),
                    breaker: Arc::new(breaker),
                },
            );
        }
        let mut routes = BTreeMap::new();
        for (route, targets) in &config.routes {
            let mut chain = Vec::new();
            for target in targets {
                let Some((provider, model)) = target.split_once('/') else {
                    return Err(ConfigError::BadTarget {
                        route: route.clone(),
                        target: target.clone(),
                    });
                };
                let Some(proto) = providers.get(provider) else {
                    return Err(ConfigError::UnknownProvider {
                        route: route.clone(),
                        provider: provider.to_owned(),
                    });
                };
                chain.push(Target {
                    model: model.to_owned(),
                    ..proto.clone()
                });
            }
            routes.insert(route.clone(), chain);
        }
        let providers = providers
            .into_iter()
            .map(|(name, target)| (name.to_owned(), target))
            .collect();
        Ok(Self {
            providers,
            routes,
            max_retries: config.max_retries,
            prices: config.prices.clone(),
        })
    }

    fn chain(&self, route: &str) -> &[Target] {
        self.routes
            .get(route)
            .or_else(|| self.routes.get(DEFAULT_ROUTE))
            .map_or(&[], Vec::as_slice)
    }

    /// The configured providers: each name with its system (`openai`, `anthropic`, …); never
    /// their endpoints or keys.
    pub fn providers(&self) -> Vec<(String, &'static str)> {
        self.providers
            .iter()
            .map(|(name, target)| (name.clone(), target.provider.system()))
            .collect()
    }

    /// The installation's route for `route` as `provider/model` targets, first choice first
    /// (the default route when the route has none of its own; empty for the offline engine).
    pub fn route_targets(&self, route: &str) -> Vec<String> {
        self.chain(route)
            .iter()
            .map(|t| format!("{}/{}", t.provider.provider(), t.model))
            .collect()
    }

    /// Checks `provider/model` targets name configured providers (for per-tenant routes).
    pub fn validate_targets(&self, targets: &[String]) -> Result<(), String> {
        for target in targets {
            let Some((provider, model)) = target.split_once('/') else {
                return Err(format!("{target:?} is not provider/model"));
            };
            if model.is_empty() || !self.providers.contains_key(provider) {
                return Err(format!("{target:?}: no configured provider {provider:?}"));
            }
        }
        Ok(())
    }

    /// A gateway view with a tenant's own routes put before the installation's. Targets naming
    /// unknown providers are skipped (they were checked when saved; a provider may have been
    /// removed from the configuration since).
    pub fn with_routes(&self, overrides: &BTreeMap<String, Vec<String>>) -> Gateway {
        let mut routes = self
            .routes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<BTreeMap<_, _>>();
        for (route, targets) in overrides {
            let chain = targets
                .iter()
                .filter_map(|t| {
                    let (provider, model) = t.split_once('/')?;
                    let proto = self.providers.get(provider)?;
                    Some(Target {
                        model: model.to_owned(),
                        ..proto.clone()
                    })
                })
                .collect();
            routes.insert(route.clone(), chain);
        }
        Gateway {
            providers: self.providers.clone(),
            routes,
            max_retries: self.max_retries,
            prices: self.prices.clone(),
        }
    }

    /// The offline engine's answer, with the reason, without trying any model (for example when
    /// the tenant's budget is spent).
    pub fn offline_answer(&self, route: &str, request: &ChatRequest, reason: &str) -> Served {
        let response = OfflineEngine::answer_for(route, request, reason);
        let attempts = vec![Attempt::offline(response.usage.unwrap_or_default(), false)];
        Served {
            response,
            attempts,
            provider: OFFLINE.to_owned(),
            fallback_reason: Some(reason.to_owned()),
        }
    }

    /// [`Gateway::offline_answer`], streamed.
    pub fn offline_stream(&self, route: &str, request: &ChatRequest, reason: &str) -> ServedStream {
        let response = OfflineEngine::answer_for(route, request, reason);
        ServedStream {
            stream: response_stream(response),
            attempts: Vec::new(),
            started: Instant::now(),
            provider: OFFLINE.to_owned(),
            model: OFFLINE.to_owned(),
            fallback_reason: Some(reason.to_owned()),
        }
    }

    /// The OpenTelemetry `gen_ai.provider.name` of a configured provider, by its name.
    pub fn provider_system(&self, provider: &str) -> &'static str {
        if provider == crate::providers::offline::OFFLINE {
            return crate::providers::offline::OFFLINE_SYSTEM;
        }
        self.providers
            .get(provider)
            .map_or("unknown", |t| t.provider.system())
    }

    /// Whether some model serves this route (else the offline engine does).
    pub fn has_model(&self, route: &str) -> bool {
        !self.chain(route).is_empty()
    }

    /// Runs a call against a target, retrying what may succeed on a retry, behind the target's
    /// concurrency limit and circuit breaker.
    async fn with_retries<T, F, Fut>(
        &self,
        target: &Target,
        attempts: &mut Vec<Attempt>,
        mut call: F,
    ) -> Result<T, LlmError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, LlmError>>,
    {
        let provider = target.provider.provider();
        let mut attempt = 0;
        loop {
            if !target.breaker.allow() {
                let shed = LlmError::Shed {
                    provider: provider.to_owned(),
                    detail: "circuit breaker open".into(),
                };
                attempts.push(Attempt::failed(
                    provider,
                    &target.model,
                    &shed,
                    Duration::ZERO,
                    false,
                ));
                return Err(shed);
            }
            let permit = target.permits.acquire().await;
            let sent = Instant::now();
            let result = call().await;
            drop(permit);
            if let Err(e) = &result {
                attempts.push(Attempt::failed(
                    provider,
                    &target.model,
                    e,
                    sent.elapsed(),
                    false,
                ));
            }
            match &result {
                Ok(_) => target.breaker.record(false),
                Err(e) => target
                    .breaker
                    .record(e.is_retryable() || matches!(e, LlmError::Protocol { .. })),
            }
            match result {
                Err(e) if e.is_retryable() && attempt < self.max_retries => {
                    let wait = backoff(attempt, e.retry_after());
                    tracing::debug!(provider, error = %e, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// The record of a successful call.
    fn success(
        target: &Target,
        usage: Usage,
        latency: Duration,
        ttft: Option<Duration>,
        streamed: bool,
    ) -> Attempt {
        Attempt::ok(
            target.provider.provider(),
            &target.model,
            usage,
            latency,
            ttft,
            streamed,
        )
    }

    /// The cost of a call from the price table, when its model has a price.
    pub fn cost(&self, provider: &str, model: &str, usage: Usage) -> Option<rust_decimal::Decimal> {
        self.prices.cost(provider, model, usage)
    }

    /// A structured answer of type `T` from the first target of the route that gives a valid
    /// one (after at most one repair attempt per target); the skill's `offline` answer when none
    /// does, and the result says why.
    pub async fn complete_structured<T, F>(
        &self,
        route: &str,
        request: &ChatRequest,
        name: &str,
        offline: F,
    ) -> Structured<T>
    where
        T: DeserializeOwned + JsonSchema,
        F: FnOnce() -> T,
    {
        let format = structured::response_format::<T>(name);
        let mut failures = Vec::new();
        let mut attempts = Vec::new();
        for target in self.chain(route) {
            let request = ChatRequest {
                model: target.model.clone(),
                response_format: Some(format.clone()),
                ..request.clone()
            };
            let mut reply = request.clone();
            for round in 0..2 {
                let sent = Instant::now();
                let response = match self
                    .with_retries(target, &mut attempts, || target.provider.complete(&reply))
                    .await
                {
                    Ok(response) => response,
                    Err(e) => {
                        failures.push(e.to_string());
                        break;
                    }
                };
                let mut attempt = Self::success(
                    target,
                    response.usage.unwrap_or_default(),
                    sent.elapsed(),
                    None,
                    false,
                );
                match structured::parse_reply::<T>(&response.content) {
                    Ok(value) => {
                        attempts.push(attempt);
                        let provider = target.provider.provider().to_owned();
                        return Structured {
                            value,
                            attempts,
                            provider,
                            fallback_reason: None,
                        };
                    }
                    Err(error) => {
                        let invalid = LlmError::InvalidOutput {
                            provider: target.provider.provider().to_owned(),
                            detail: error.clone(),
                        };
                        attempt.outcome = AttemptOutcome::Error;
                        attempt.error_kind = Some(invalid.kind());
                        attempt.error = Some(invalid.to_string());
                        attempts.push(attempt);
                        if round == 1 {
                            failures.push(invalid.to_string());
                        }
                        reply = structured::repair_request(&request, &response.content, &error);
                    }
                }
            }
        }
        attempts.push(Attempt::offline(Usage::default(), false));
        Structured {
            value: offline(),
            attempts,
            provider: OFFLINE.to_owned(),
            fallback_reason: Some(fallback_reason(route, &failures)),
        }
    }

    /// A complete reply from the first target of the route that gives one; the offline engine
    /// when none does (the result says why).
    pub async fn complete(&self, route: &str, request: &ChatRequest) -> Served {
        let mut failures = Vec::new();
        let mut attempts = Vec::new();
        for target in self.chain(route) {
            let request = ChatRequest {
                model: target.model.clone(),
                ..request.clone()
            };
            let sent = Instant::now();
            match self
                .with_retries(target, &mut attempts, || target.provider.complete(&request))
                .await
            {
                Ok(response) => {
                    attempts.push(Self::success(
                        target,
                        response.usage.unwrap_or_default(),
                        sent.elapsed(),
                        None,
                        false,
                    ));
                    let provider = target.provider.provider().to_owned();
                    return Served {
                        response,
                        attempts,
                        provider,
                        fallback_reason: None,
                    };
                }
                Err(e) => {
                    tracing::warn!(route, provider = target.provider.provider(), error = %e, "model call failed");
                    failures.push(e.to_string());
                }
            }
        }
        let reason = fallback_reason(route, &failures);
        let response = OfflineEngine::answer_for(route, request, &reason);
        attempts.push(Attempt::offline(response.usage.unwrap_or_default(), false));
        Served {
            response,
            attempts,
            provider: OFFLINE.to_owned(),
            fallback_reason: Some(reason),
        }
    }

    /// A streamed reply from the first target of the route that opens a stream; the offline
    /// engine when none does. Once a stream has started, a failure ends it with an error.
    pub async fn stream(&self, route: &str, request: &ChatRequest) -> ServedStream {
        let mut failures = Vec::new();
        let mut attempts = Vec::new();
        for target in self.chain(route) {
            let request = ChatRequest {
                model: target.model.clone(),
                ..request.clone()
            };
            let started = Instant::now();
            match self
                .with_retries(target, &mut attempts, || target.provider.stream(&request))
                .await
            {
                Ok(stream) => {
                    return ServedStream {
                        stream,
                        attempts,
                        started,
                        provider: target.provider.provider().to_owned(),
                        model: target.model.clone(),
                        fallback_reason: None,
                    };
                }
                Err(e) => {
                    tracing::warn!(route, provider = target.provider.provider(), error = %e, "model stream failed");
                    failures.push(e.to_string());
                }
            }
        }
        let reason = fallback_reason(route, &failures);
        let response = OfflineEngine::answer_for(route, request, &reason);
        ServedStream {
            stream: response_stream(response),
            attempts,
            started: Instant::now(),
            provider: OFFLINE.to_owned(),
            model: OFFLINE.to_owned(),
            fallback_reason: Some(reason),
        }
    }
}

fn fallback_reason(route: &str, failures: &[String]) -> String {
    if failures.is_empty() {
        format!("no language model is configured for {route}")
    } else {
        format!("every configured model failed ({})", failures.join("; "))
    }
}

/// Exponential backoff with jitter, or the provider's `Retry-After` when it gave one (capped).
fn backoff(attempt: u32, retry_after: Option<Duration>) -> Duration {
    const CAP: Duration = Duration::from_secs(30);
    if let Some(wait) = retry_after {
        return wait.min(CAP);
    }
    let base = Duration::from_millis(200).saturating_mul(2u32.saturating_pow(attempt));
    let jitter_ms = u64::from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
            % 100,
    );
    (base + Duration::from_millis(jitter_ms)).min(CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_honours_retry_after_and_grows() {
        assert_eq!(
            backoff(0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            backoff(0, Some(Duration::from_secs(300))),
            Duration::from_secs(30)
        );
        assert!(backoff(2, None) >= Duration::from_millis(800));
    }

    #[test]
    fn routes_must_name_known_providers() {
        let config: GatewayConfig = serde_json::from_value(serde_json::json!({
            "routes": {"sales": ["nowhere/gpt"]}
        }))
        .unwrap();
        assert!(matches!(
            Gateway::from_config(&config),
            Err(ConfigError::UnknownProvider { .. })
        ));
        let config: GatewayConfig = serde_json::from_value(serde_json::json!({
            "providers": {"local": {"kind": "openai", "base_url": "http://127.0.0.1:9"}},
            "routes": {"sales": ["local"]}
        }))
        .unwrap();
        assert!(matches!(
            Gateway::from_config(&config),
            Err(ConfigError::BadTarget { .. })
        ));
    }

    #[tokio::test]
    async fn no_model_means_an_honest_offline_answer() {
        let gateway = Gateway::offline();
        let served = gateway.complete("sales", &ChatRequest::default()).await;
        assert_eq!(served.provider, OFFLINE);
        assert!(
            served
                .response
                .content
                .contains("no language model is configured for sales")
        );
    }
}
