//! The shared driver of streamed replies: reads server-sent events within the first-token and
//! total deadlines and hands each to the provider's decoder, which turns it into reply pieces. A
//! stream that ends before the decoder saw its end marker is an error, so a dropped connection is
//! never mistaken for a complete answer.

use std::collections::VecDeque;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::time::Instant;

use super::http::Timeouts;
use crate::error::LlmError;
use crate::model::EventStream;
use crate::types::StreamEvent;

/// A provider's reading of its stream events.
pub trait SseDecoder: Send + 'static {
    /// What the end of a complete stream is called, for the error when it never comes.
    const END_MARKER: &'static str;

    /// Handles one event (`name` is empty when the server sent none); pushes reply pieces and
    /// returns whether the stream is complete.
    fn event(
        &mut self,
        name: &str,
        data: &str,
        out: &mut VecDeque<StreamEvent>,
    ) -> Result<bool, LlmError>;
}

struct State<D> {
    events: BoxStream<'static, Result<eventsource_stream::Event, String>>,
    pending: VecDeque<StreamEvent>,
    finished: bool,
    first: bool,
    provider: String,
    deadline: Instant,
    first_token_deadline: Instant,
    decoder: D,
}

/// Streams a response's events through `decoder`.
pub fn event_stream<D: SseDecoder>(
    response: reqwest::Response,
    provider: &str,
    timeouts: Timeouts,
    decoder: D,
) -> EventStream {
    let now = Instant::now();
    let state = State {
        events: response
            .bytes_stream()
            .eventsource()
            .map(|r| r.map_err(|e| e.to_string()))
            .boxed(),
        pending: VecDeque::new(),
        finished: false,
        first: true,
        provider: provider.to_owned(),
        deadline: now + timeouts.total,
        first_token_deadline: now + timeouts.first_token,
        decoder,
    };
    futures_util::stream::unfold(state, next_event).boxed()
}

async fn next_event<D: SseDecoder>(
    mut st: State<D>,
) -> Option<(Result<StreamEvent, LlmError>, State<D>)> {
    loop {
        if let Some(event) = st.pending.pop_front() {
            return Some((Ok(event), st));
        }
        if st.finished {
            return None;
        }
        let (deadline, phase) = if st.first {
            (st.first_token_deadline.min(st.deadline), "the first token")
        } else {
            (st.deadline, "the whole answer")
        };
        let failure = match tokio::time::timeout_at(deadline, st.events.next()).await {
            Err(_) => LlmError::Timeout {
                provider: st.provider.clone(),
                phase,
            },
            Ok(None) => LlmError::Protocol {
                provider: st.provider.clone(),
                detail: format!("the stream ended before {}", D::END_MARKER),
            },
            Ok(Some(Err(e))) => LlmError::Unavailable {
                provider: st.provider.clone(),
                detail: e,
                retry_after: None,
            },
            Ok(Some(Ok(event))) => {
                st.first = false;
                match st.decoder.event(&event.event, &event.data, &mut st.pending) {
                    Ok(done) => {
                        st.finished = done;
                        continue;
                    }
                    Err(e) => e,
                }
            }
        };
        st.finished = true;
        return Some((Err(failure), st));
    }
}
