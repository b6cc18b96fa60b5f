//! Optional export of LLM call spans over OTLP/HTTP (binary protobuf), with the attribute names of
//! the OpenTelemetry GenAI semantic conventions, so Langfuse, Jaeger or any OTLP collector can
//! receive them. Spans are built from the stored trace records after they are written, in a task
//! of their own: a slow or absent collector never delays requests or the database.
//!
//! Spans carry metadata only (models, tokens, cost, timings, outcome); prompt and completion text
//! stay in the tenant's own database.

use std::time::Duration;

use domain::id::TenantId;
use domain::llm_call::{CallOutcome, LlmCall};
use llm::Gateway;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, InstrumentationScope, KeyValue, any_value::Value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{
    ResourceSpans, ScopeSpans, Span, Status, span, status,
};
use prost::Message as _;
use reqwest::StatusCode;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Spans waiting to be sent, at most; past it new ones are dropped (and counted).
const QUEUE: usize = 20_000;
/// Most spans in one export request.
const BATCH: usize = 512;
/// Sends of one batch before it is dropped.
const ATTEMPTS: u32 = 3;

/// Where and how to send spans.
#[derive(Debug, Clone)]
pub struct OtlpConfig {
    /// The traces URL, for example `http://127.0.0.1:4318/v1/traces`.
    pub endpoint: String,
    /// Extra request headers, for example `Authorization` for Langfuse.
    pub headers: Vec<(String, String)>,
    /// `service.name` of the exported resource.
    pub service_name: String,
    /// Deadline of one export request.
    pub timeout: Duration,
}

/// The sending side, owned by the trace writer.
pub struct OtlpExporter {
    tx: mpsc::Sender<Span>,
    gateway: Arc<Gateway>,
}

impl OtlpExporter {
    /// Starts the export task. It ends, after sending what it holds, when the exporter is dropped.
    pub fn spawn(
        config: OtlpConfig,
        gateway: Arc<Gateway>,
    ) -> Result<(Self, JoinHandle<()>), String> {
        llm::ensure_tls_provider();
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &config.headers {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| format!("OTLP header name {name:?}: {e}"))?;
            let mut value = reqwest::header::HeaderValue::from_str(value)
                .map_err(|e| format!("OTLP header {name}: {e}"))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let endpoint = traces_url(&config.endpoint)?;
        let config = OtlpConfig { endpoint, ..config };
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(config.timeout)
            .build()
            .map_err(|e| format!("building the OTLP client: {e}"))?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(export_loop(client, config, rx));
        Ok((Self { tx, gateway }, task))
    }

    /// Queues spans for calls that were just stored.
    pub fn export(&self, tenant: TenantId, calls: &[LlmCall]) {
        for call in calls {
            let system = self.gateway.provider_system(&call.provider);
            if self.tx.try_send(to_span(tenant, call, system)).is_err() {
                metrics::counter!("agent_army_otlp_spans_dropped_total").increment(1);
            }
        }
    }
}

async fn export_loop(client: reqwest::Client, config: OtlpConfig, mut rx: mpsc::Receiver<Span>) {
    let resource = Resource {
        attributes: vec![
            string("service.name", &config.service_name),
            string("service.version", env!("CARGO_PKG_VERSION")),
        ],
        ..Resource::default()
    };
    let scope = InstrumentationScope {
        name: "agent-army.llm-gateway".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        ..InstrumentationScope::default()
    };
    let mut warned = false;
    while let Some(first) = rx.recv().await {
        let mut spans = vec![first];
        while spans.len() < BATCH {
            match rx.try_recv() {
                Ok(span) => spans.push(span),
                Err(_) => break,
            }
        }
        let count = spans.len() as u64;
        let body = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(resource.clone()),
                scope_spans: vec![ScopeSpans {
                    scope: Some(scope.clone()),
                    spans,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        }
        .encode_to_vec();
        match send(&client, &config.endpoint, body).await {
            Ok(()) => {
                warned = false;
                metrics::counter!("agent_army_otlp_spans_exported_total").increment(count);
            }
            Err(e) => {
                metrics::counter!("agent_army_otlp_spans_dropped_total").increment(count);
                // One warning per outage, not one per batch.
                if !warned {
                    tracing::warn!(endpoint = %config.endpoint, error = %e, "OTLP export failed; spans dropped");
                    warned = true;
                }
            }
        }
    }
}

/// Posts one batch, retrying 429, 502, 503, 504 and transport errors with backoff (honouring
/// `Retry-After` up to ten seconds).
async fn send(client: &reqwest::Client, endpoint: &str, body: Vec<u8>) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt))).await;
        }
        let sent = client
            .post(endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/x-protobuf")
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => {
                let status = response.status();
                last = format!("collector answered {status}");
                let retryable = matches!(
                    status,
                    StatusCode::TOO_MANY_REQUESTS
                        | StatusCode::BAD_GATEWAY
                        | StatusCode::SERVICE_UNAVAILABLE
                        | StatusCode::GATEWAY_TIMEOUT
                );
                if !retryable {
                    return Err(last);
                }
                if let Some(wait) = llm::providers::http::retry_after(response.headers()) {
                    tokio::time::sleep(wait.min(Duration::from_secs(10))).await;
                }
            }
            Err(e) => last = format!("sending: {e}"),
        }
    }
    Err(last)
}

/// One span per call, named `chat {model}`. The trace is the agent run when there is one (so a
/// run's calls group together), else the call itself; the span id comes from the call id, so a
/// span can be matched with `GET /api/v1/llm/calls/{id}`.
pub fn to_span(tenant: TenantId, call: &LlmCall, system: &str) -> Span {
    let call_id = call.id.as_uuid();
    let trace_id = call.agent_run_id.unwrap_or(call_id);
    let start = u64::try_from(call.started_at.as_nanosecond()).unwrap_or(0);
    let end = start.saturating_add(u64::try_from(call.latency_ms).unwrap_or(0) * 1_000_000);
    let offline = call.outcome == CallOutcome::Offline;
    let mut attributes = vec![
        string("gen_ai.operation.name", "chat"),
        string("gen_ai.provider.name", system),
        string("gen_ai.request.model", &call.model),
        int("gen_ai.usage.input_tokens", call.input_tokens),
        int("gen_ai.usage.output_tokens", call.output_tokens),
        string("gen_ai.agent.name", &call.route),
        string("agent_army.tenant_id", &tenant.to_string()),
        string("agent_army.call_id", &call_id.to_string()),
        string("agent_army.provider", &call.provider),
        string("agent_army.outcome", call.outcome.as_str()),
        bool_value("agent_army.streamed", call.streamed),
    ];
    if call.outcome == CallOutcome::Ok {
        attributes.push(string("gen_ai.response.model", &call.model));
    }
    if let Some(skill) = &call.skill {
        attributes.push(string("agent_army.skill", skill));
    }
    if let Some(run) = call.agent_run_id {
        attributes.push(string("agent_army.agent_run_id", &run.to_string()));
    }
    if let Some(cost) = call.cost_usd {
        attributes.push(string("agent_army.cost_usd", &cost.to_string()));
    }
    if let Some(ttft) = call.ttft_ms {
        attributes.push(int("agent_army.time_to_first_token_ms", ttft));
    }
    let status = match call.outcome {
        CallOutcome::Error => {
            attributes.push(string(
                "error.type",
                call.error_kind.as_deref().unwrap_or("_OTHER"),
            ));
            Some(Status {
                message: call.error.clone().unwrap_or_default(),
                code: status::StatusCode::Error as i32,
            })
        }
        CallOutcome::Ok | CallOutcome::Offline => None,
    };
    Span {
        trace_id: trace_id.as_bytes().to_vec(),
        span_id: call_id.as_bytes()[8..].to_vec(),
        name: format!("chat {}", call.model),
        kind: if offline {
            span::SpanKind::Internal
        } else {
            span::SpanKind::Client
        } as i32,
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        attributes,
        status,
        ..Span::default()
    }
}

fn string(key: &str, value: &str) -> KeyValue {
    attribute(key, Value::StringValue(value.to_owned()))
}

fn int(key: &str, value: i64) -> KeyValue {
    attribute(key, Value::IntValue(value))
}

fn bool_value(key: &str, value: bool) -> KeyValue {
    attribute(key, Value::BoolValue(value))
}

fn attribute(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

/// The traces URL of a configured endpoint: an http(s) URL, given `/v1/traces` when it has no
/// path.
pub fn traces_url(endpoint: &str) -> Result<String, String> {
    let mut url = reqwest::Url::parse(endpoint.trim())
        .map_err(|e| format!("{endpoint:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{endpoint:?} is not an http:// or https:// URL"));
    }
    if url.path() == "/" || url.path().is_empty() {
        url.set_path("/v1/traces");
    }
    Ok(url.to_string())
}

/// Parses `OTEL_EXPORTER_OTLP_HEADERS`-style text: `name=value` pairs separated by commas, values
/// percent-encoded.
pub fn parse_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut headers = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(format!("OTLP header {pair:?} is not name=value"));
        };
        headers.push((name.trim().to_owned(), percent_decode(value.trim())?));
    }
    Ok(headers)
}

/// Decodes `%XX` escapes; `+` stays a plus (base64 tokens hold them).
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("OTLP header value {text:?} has a bad % escape"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("OTLP header value {text:?} is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_like_the_otel_environment_variable() {
        let parsed =
            parse_headers("Authorization=Basic%20cGs6c2s+a=, x-tenant = a").unwrap_or_default();
        assert_eq!(
            parsed,
            vec![
                ("Authorization".to_owned(), "Basic cGs6c2s+a=".to_owned()),
                ("x-tenant".to_owned(), "a".to_owned())
            ]
        );
        assert!(parse_headers("no-equals-sign").is_err());
        assert!(parse_headers("a=%zz").is_err());
    }

    #[test]
    fn a_bare_endpoint_gets_the_traces_path() {
        assert_eq!(
            traces_url("http://127.0.0.1:4318").as_deref(),
            Ok("http://127.0.0.1:4318/v1/traces")
        );
        assert_eq!(
            traces_url("https://cloud.langfuse.com/api/public/otel/v1/traces").as_deref(),
            Ok("https://cloud.langfuse.com/api/public/otel/v1/traces")
        );
        assert!(traces_url("ftp://x").is_err());
        assert!(traces_url("not a url").is_err());
    }
}
