//! Cross-cutting request handling: request ids, problem bodies, metrics and panics.

use std::time::Instant;

use axum::extract::{FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, InternalDetail, Problem};

/// The header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The request id assigned by the request-id layer (or sent by the client).
#[derive(Debug, Clone)]
pub struct RequestId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(request_id_of(&parts.headers)))
    }
}

fn request_id_of(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Longest client-sent request id kept; longer or unprintable ones are replaced.
const MAX_REQUEST_ID: usize = 64;

/// Drops a client-sent `x-request-id` that is too long or not printable ASCII, so the request-id
/// layer assigns a fresh one: request ids end up in logs and the audit trail.
pub async fn sanitize_request_id(mut request: Request, next: Next) -> Response {
    let acceptable = request.headers().get(REQUEST_ID_HEADER).is_none_or(|v| {
        let bytes = v.as_bytes();
        !bytes.is_empty() && bytes.len() <= MAX_REQUEST_ID && bytes.iter().all(u8::is_ascii_graphic)
    });
    if !acceptable {
        request.headers_mut().remove(REQUEST_ID_HEADER);
    }
    next.run(request).await
}

/// Renders the [`Problem`] attached by [`ApiError`] as `application/problem+json` with the request
/// id, and logs server faults once.
pub async fn render_problems(request: Request, next: Next) -> Response {
    let request_id = request_id_of(request.headers());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let Some(mut problem) = response.extensions_mut().remove::<Problem>() else {
        return response;
    };
    if let Some(InternalDetail(detail)) = response.extensions_mut().remove::<InternalDetail>() {
        tracing::error!(request_id = request_id.as_deref().unwrap_or("-"), %method, %path, status = problem.status, %detail, "request failed");
    }
    problem.request_id = request_id;
    let body = serde_json::to_string(&problem).unwrap_or_default();
    let status = response.status();
    let mut rendered = (status, body).into_response();
    rendered.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rendered
}

/// Counts requests and records their latency by method, matched route and status.
pub async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Turns a panic in a handler into a problem response (the panic itself is logged by the hook).
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("handler panicked").into_response()
}

/// Answers routes that do not exist.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; see /api/openapi.json")
}

/// Answers known routes called with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        "this endpoint does not accept that method",
    )
}
