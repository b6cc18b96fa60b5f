//! The Agent Army HTTP server: `/api/v1` over the store, the OpenAPI document, health, readiness
//! and metrics. Handlers are thin: parse, call the store, map the result.
//!
//! Must not import a database driver: storage is reached only through [`store::Store`].

pub mod auth;
pub mod budget;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod routes;
pub mod secrets;
pub mod settings_cache;
pub mod state;
pub mod traces;
pub mod web;

use std::future::Future;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use state::{AppState, ServerConfig};

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (tests start several servers); keep ours
            // for rendering either way.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Builds the application: routes, OpenAPI document and middleware.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = routes::api();
    let openapi = Arc::new(openapi);
    let request_id = HeaderName::from_static(middleware::REQUEST_ID_HEADER);
    let body_limit = state.config.body_limit_bytes;
    api.merge(web::router())
        .route(
        "/api/openapi.json",
        axum::routing::get(move || {
            let openapi = Arc::clone(&openapi);
            async move { axum::Json(openapi.as_ref().clone()) }
        }),
    )
    .fallback(middleware::not_found)
    .method_not_allowed_fallback(middleware::method_not_allowed)
    .with_state(state)
    // Innermost first: a panic becomes a problem, which is counted, then rendered with the
    // request id.
    .layer(CatchPanicLayer::custom(middleware::panic_response))
    .layer(axum::middleware::from_fn(middleware::record_metrics))
    .layer(axum::middleware::from_fn(middleware::render_problems))
    .layer(DefaultBodyLimit::max(body_limit))
    .layer(
        TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let request_id = request
                .headers()
                .get(middleware::REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(),
                request_id = %request_id, tenant_id = tracing::field::Empty)
        }),
    )
    .layer(PropagateRequestIdLayer::new(request_id.clone()))
    .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
    .layer(axum::middleware::from_fn(middleware::sanitize_request_id))
}

/// Serves the application on a bound listener until `shutdown` resolves, then drains requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
