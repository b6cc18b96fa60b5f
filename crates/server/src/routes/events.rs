//! `GET /api/v1/events/stream`: the tenant's events as server-sent events, for the UI. Each event
//! carries its id (`Last-Event-ID` resumes after it), its kind as the SSE event name, and the event
//! as JSON. The stream polls the event log and re-reads a short trailing window, so an event that
//! commits a little after a later one (concurrent writers on PostgreSQL) is still delivered, once.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::event::Event;
use domain::id::TenantId;
use futures_util::{StreamExt, stream};
use store::{Filter, ListQuery, SqlValue, Store};

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Between two looks at the event log.
const POLL: Duration = Duration::from_millis(300);
/// How far back each look re-reads, for events that committed late.
const WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_secs(5);
/// Event ids remembered to deliver each event once.
const SEEN: usize = 4096;

#[utoipa::path(get, path = "/api/v1/events/stream", tag = "audit",
    params(("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id")),
    responses((status = 200, content_type = "text/event-stream", description = "The tenant's events as they happen"),
        (status = 401, body = Problem)),
    security(("api_key" = [])))]
pub async fn stream(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth.require_reader()?;
    let since = match headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| uuid::Uuid::try_parse(v.trim()).ok())
    {
        // Resume from the time of the last event seen (ids are time-ordered).
        Some(id) => id
            .get_timestamp()
            .and_then(|t| {
                let (secs, nanos) = t.to_unix();
                jiff::Timestamp::new(i64::try_from(secs).ok()?, i32::try_from(nanos).ok()?).ok()
            })
            .unwrap_or_else(store::now),
        None => store::now(),
    };
    let events = tenant_events(state.store.clone(), auth.tenant, since)
        .map(|event| Ok::<_, Infallible>(to_sse(&event)));
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// The tenant's events from `since` on, each once, as they are written (never ends).
pub(crate) fn tenant_events(
    store: Store,
    tenant: TenantId,
    since: jiff::Timestamp,
) -> impl futures_util::Stream<Item = Event> + Send + 'static {
    let poller = Poller {
        store,
        tenant,
        since,
        seen: HashSet::new(),
        order: VecDeque::new(),
        pending: VecDeque::new(),
        first: true,
    };
    stream::unfold(poller, |mut p| async move {
        let next = p.next().await;
        Some((next, p))
    })
}

struct Poller {
    store: Store,
    tenant: TenantId,
    since: jiff::Timestamp,
    seen: HashSet<uuid::Uuid>,
    order: VecDeque<uuid::Uuid>,
    pending: VecDeque<Event>,
    first: bool,
}

impl Poller {
    async fn next(&mut self) -> Event {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return event;
            }
            if !self.first {
                tokio::time::sleep(POLL).await;
            }
            self.first = false;
            let from = self
                .since
                .max(store::now().checked_sub(WINDOW).unwrap_or(self.since));
            let query = ListQuery {
                filters: vec![Filter::AtLeast("occurred_at", SqlValue::Time(Some(from)))],
                limit: store::MAX_LIMIT,
                ..ListQuery::default()
            };
            let Ok(page) = self.store.list_events(self.tenant, &query).await else {
                continue;
            };
            for event in page.items {
                let id = event.id.as_uuid();
                if self.seen.insert(id) {
                    self.order.push_back(id);
                    if self.order.len() > SEEN
                        && let Some(old) = self.order.pop_front()
                    {
                        self.seen.remove(&old);
                    }
                    self.pending.push_back(event);
                }
            }
        }
    }
}

fn to_sse(event: &Event) -> SseEvent {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    SseEvent::default()
        .id(event.id.to_string())
        .event(event.kind.clone())
        .data(data)
}
