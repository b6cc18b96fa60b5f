//! A fake OTLP collector: a real HTTP server accepting OTLP/HTTP binary protobuf at `/v1/traces`,
//! as Jaeger, the OpenTelemetry Collector and Langfuse do. Tests read back the decoded spans and
//! the headers of each export, and can script failing answers first.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;

#[derive(Default)]
struct Inner {
    /// Statuses to answer before accepting.
    failures: VecDeque<u16>,
    requests: Vec<ExportTraceServiceRequest>,
    headers: Vec<HeaderMap>,
}

/// A running fake collector.
#[derive(Clone)]
pub struct FakeCollector {
    /// Traces URL to configure, for example `http://127.0.0.1:41000/v1/traces`.
    pub endpoint: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeCollector {
    /// Starts the collector on a random port.
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/v1/traces", axum::routing::post(traces))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the fake collector");
        let endpoint = format!(
            "http://{}/v1/traces",
            listener.local_addr().expect("fake collector address")
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { endpoint, inner }
    }

    /// Answers these statuses, in order, before accepting exports.
    pub fn fail_first(&self, statuses: impl IntoIterator<Item = u16>) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.failures.extend(statuses);
        }
    }

    /// Every span accepted so far, with the `service.name` of its resource.
    pub fn spans(&self) -> Vec<(String, Span)> {
        let Ok(inner) = self.inner.lock() else {
            return Vec::new();
        };
        let mut spans = Vec::new();
        for request in &inner.requests {
            for resource_spans in &request.resource_spans {
                let service = resource_spans
                    .resource
                    .as_ref()
                    .and_then(|r| r.attributes.iter().find(|a| a.key == "service.name"))
                    .and_then(|a| a.value.as_ref())
                    .and_then(|v| match &v.value {
                        Some(Value::StringValue(s)) => Some(s.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                for scope in &resource_spans.scope_spans {
                    spans.extend(scope.spans.iter().map(|s| (service.clone(), s.clone())));
                }
            }
        }
        spans
    }

    /// Headers of every export request received, failed ones included.
    pub fn headers(&self) -> Vec<HeaderMap> {
        self.inner
            .lock()
            .map(|i| i.headers.clone())
            .unwrap_or_default()
    }

    /// Waits (up to ten seconds) until at least `count` spans arrived, and returns them.
    pub async fn wait_for_spans(&self, count: usize) -> Vec<(String, Span)> {
        for _ in 0..200 {
            let spans = self.spans();
            if spans.len() >= count {
                return spans;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.spans()
    }
}

/// A string, integer or boolean attribute of a span, as text.
pub fn span_attribute(span: &Span, key: &str) -> Option<String> {
    let value = span
        .attributes
        .iter()
        .find(|a| a.key == key)?
        .value
        .as_ref()?;
    match value.value.as_ref()? {
        Value::StringValue(s) => Some(s.clone()),
        Value::IntValue(i) => Some(i.to_string()),
        Value::BoolValue(b) => Some(b.to_string()),
        Value::DoubleValue(d) => Some(d.to_string()),
        _ => None,
    }
}

async fn traces(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Vec<u8>) {
    let Ok(mut inner) = inner.lock() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Vec::new());
    };
    inner.headers.push(headers.clone());
    if let Some(status) = inner.failures.pop_front() {
        return (
            StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            Vec::new(),
        );
    }
    if headers
        .get("content-type")
        .is_none_or(|v| v != "application/x-protobuf")
    {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, Vec::new());
    }
    match ExportTraceServiceRequest::decode(body) {
        Ok(request) => {
            inner.requests.push(request);
            (
                StatusCode::OK,
                ExportTraceServiceResponse::default().encode_to_vec(),
            )
        }
        Err(_) => (StatusCode::BAD_REQUEST, Vec::new()),
    }
}
