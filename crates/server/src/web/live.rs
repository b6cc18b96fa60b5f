//! `GET /live`: a signed-in page's live updates, as server-sent events. Each of the tenant's
//! events becomes a `change` event carrying only its kind (`opportunity.updated`, …); the page's
//! script then fetches itself again. The stream ends when the session does.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::session::signed_in;
use super::{redirect, server_error};
use crate::routes::events::tenant_events;
use crate::state::AppState;

/// `GET /live`.
pub async fn stream(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match signed_in(&state, &headers).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return redirect("/login", &[]),
        Err(e) => return server_error(&e.to_string()),
    };
    let left = Duration::try_from(signed.session.expires_at.duration_since(store::now()))
        .unwrap_or_default();
    let events = tenant_events(state.store.clone(), signed.tenant, store::now())
        .map(|event| {
            Ok::<_, Infallible>(
                SseEvent::default()
                    .id(event.id.to_string())
                    .event("change")
                    .data(event.kind),
            )
        })
        .take_until(tokio::time::sleep(left));
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
