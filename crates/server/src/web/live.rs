//! `GET /live`: a signed-in page's live updates, as server-sent events. Each of the tenant's
//! events becomes a `change` event carrying only its kind (`opportunity.updated`, …); the page's
//! script then fetches itself again. The stream ends when the session does (expiry, sign-out,
//! deactivation, a new password), checked every half minute.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::session::{SESSION_COOKIE, signed_in};
use super::{redirect, server_error};
use crate::routes::events::tenant_events;
use crate::state::AppState;

/// How often a live stream checks that its session still stands.
const RECHECK: Duration = Duration::from_secs(30);

/// `GET /live`.
pub async fn stream(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match signed_in(&state, &headers).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return redirect("/login", &[]),
        Err(e) => return server_error(&e.to_string()),
    };
    // The stream ends when the session does: at its expiry, or at sign-out, deactivation, a
    // new password or a switch to another unit (looked at every half minute).
    let session_ends = {
        let state = state.clone();
        let token = signed.token.clone();
        let expires = signed.session.expires_at;
        async move {
            loop {
                let left =
                    Duration::try_from(expires.duration_since(store::now())).unwrap_or_default();
                tokio::time::sleep(left.min(RECHECK)).await;
                if store::now() >= expires {
                    return;
                }
                let mut headers = HeaderMap::new();
                let Ok(cookie) = format!("{SESSION_COOKIE}={token}").parse() else {
                    return;
                };
                headers.insert(axum::http::header::COOKIE, cookie);
                if !matches!(signed_in(&state, &headers).await, Ok(Some(_))) {
                    return;
                }
            }
        }
    };
    let events = tenant_events(state.store.clone(), signed.tenant, store::now())
        .map(|event| {
            Ok::<_, Infallible>(
                SseEvent::default()
                    .id(event.id.to_string())
                    .event("change")
                    .data(event.kind),
            )
        })
        .take_until(session_ends);
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
