//! A scripted fake model provider: a real HTTP server speaking the OpenAI Chat Completions wire
//! format (JSON and server-sent events ending with `data: [DONE]`) at `/v1/chat/completions` and
//! the Anthropic Messages format (JSON and named stream events) at `/v1/messages`. Tests queue replies (text,
//! tool calls, 429 with `Retry-After`, 500, malformed JSON, dropped streams, delays) and read back
//! every request it received.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum FakeReply {
    /// A normal reply with this text (streamed in three pieces when the request streams).
    Text(String),
    /// An HTTP error status, with `Retry-After` seconds when given.
    Status(u16, Option<u64>),
    /// A 200 whose body is not JSON.
    Malformed,
    /// A stream that sends this text and then closes without `[DONE]`.
    DroppedStream(String),
    /// Waits, then answers.
    Delayed(Duration, Box<FakeReply>),
}

#[derive(Default)]
struct Inner {
    script: VecDeque<FakeReply>,
    requests: Vec<Value>,
    in_flight: usize,
    max_in_flight: usize,
    embedding_requests: Vec<Value>,
    /// Embedding requests to answer with a 503 before answering.
    embedding_failures: usize,
}

/// Counts a request in flight for as long as it lives.
struct InFlight(Arc<Mutex<Inner>>);

impl InFlight {
    fn enter(inner: &Arc<Mutex<Inner>>) -> Self {
        if let Ok(mut i) = inner.lock() {
            i.in_flight += 1;
            i.max_in_flight = i.max_in_flight.max(i.in_flight);
        }
        Self(Arc::clone(inner))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut i) = self.0.lock() {
            i.in_flight = i.in_flight.saturating_sub(1);
        }
    }
}

/// A running fake provider.
#[derive(Clone)]
pub struct FakeProvider {
    /// Base URL to configure, for example `http://127.0.0.1:41000/v1` (both formats accept it).
    pub base_url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeProvider {
    /// Starts the fake on a random port; unscripted calls answer "fake reply".
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(chat))
            .route("/v1/messages", axum::routing::post(messages))
            .route("/v1/embeddings", axum::routing::post(embeddings))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the fake provider");
        let base_url = format!(
            "http://{}/v1",
            listener.local_addr().expect("fake provider address")
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base_url, inner }
    }

    /// Queues replies, answered in order.
    pub fn script(&self, replies: impl IntoIterator<Item = FakeReply>) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.script.extend(replies);
        }
    }

    /// The most requests it was ever answering at once.
    pub fn max_in_flight(&self) -> usize {
        self.inner
            .lock()
            .map(|i| i.max_in_flight)
            .unwrap_or_default()
    }

    /// Answers the next `n` embedding requests with 503.
    pub fn fail_embeddings(&self, n: usize) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.embedding_failures += n;
        }
    }

    /// Every embeddings request body received so far.
    pub fn embedding_requests(&self) -> Vec<Value> {
        self.inner
            .lock()
            .map(|i| i.embedding_requests.clone())
            .unwrap_or_default()
    }

    /// Every request body received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.inner
            .lock()
            .map(|i| i.requests.clone())
            .unwrap_or_default()
    }
}

async fn chat(State(inner): State<Arc<Mutex<Inner>>>, Json(body): Json<Value>) -> Response {
    let _counted = InFlight::enter(&inner);
    let reply = match inner.lock() {
        Ok(mut i) => {
            i.requests.push(body.clone());
            i.script
                .pop_front()
                .unwrap_or_else(|| FakeReply::Text("fake reply".into()))
        }
        Err(_) => FakeReply::Status(500, None),
    };
    answer(reply, &body).await
}

/// Anthropic Messages: records the body with the version and key headers under `_headers`.
async fn messages(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: axum::http::HeaderMap,
    Json(mut body): Json<Value>,
) -> Response {
    let _counted = InFlight::enter(&inner);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    body["_headers"] =
        json!({"anthropic-version": header("anthropic-version"), "x-api-key": header("x-api-key")});
    let reply = match inner.lock() {
        Ok(mut i) => {
            i.requests.push(body.clone());
            i.script
                .pop_front()
                .unwrap_or_else(|| FakeReply::Text("fake reply".into()))
        }
        Err(_) => FakeReply::Status(500, None),
    };
    answer_anthropic(reply, &body).await
}

fn named_sse(events: &[(&str, Value)]) -> Response {
    let mut body = String::new();
    for (name, data) in events {
        body.push_str(&format!("event: {name}\ndata: {data}\n\n"));
    }
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from(body),
    )
        .into_response()
}

async fn answer_anthropic(reply: FakeReply, body: &Value) -> Response {
    let model = body["model"].as_str().unwrap_or("fake-claude").to_owned();
    let streaming = body["stream"].as_bool().unwrap_or(false);
    let start = json!({"type": "message_start", "message": {"id": "msg_fake", "type": "message", "role": "assistant",
        "model": model, "content": [], "stop_reason": null, "usage": {"input_tokens": 11, "output_tokens": 1}}});
    match reply {
        FakeReply::Delayed(wait, inner) => {
            tokio::time::sleep(wait).await;
            Box::pin(answer_anthropic(*inner, body)).await
        }
        FakeReply::Status(code, retry_after) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response =
                (status, Json(json!({"type": "error", "error": {"type": "api_error", "message": "scripted failure"}}))).into_response();
            if let Some(secs) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, secs.into());
            }
            response
        }
        FakeReply::Malformed => ([(header::CONTENT_TYPE, "application/json")], "{\"content\": [").into_response(),
        FakeReply::Text(text) if streaming => {
            let mut events = vec![
                ("message_start", start),
                ("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})),
                ("ping", json!({"type": "ping"})),
            ];
            for piece in split_three(&text) {
                events.push(("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}})));
            }
            events.push(("content_block_stop", json!({"type": "content_block_stop", "index": 0})));
            events.push(("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": 4}})));
            events.push(("message_stop", json!({"type": "message_stop"})));
            named_sse(&events)
        }
        FakeReply::Text(text) => Json(json!({
            "id": "msg_fake", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": 11, "output_tokens": 4},
        }))
        .into_response(),
        FakeReply::DroppedStream(text) => named_sse(&[
            ("message_start", start),
            ("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})),
            ("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}})),
        ]),
    }
}

fn completion(model: &str, text: &str) -> Value {
    json!({
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    })
}

fn sse(chunks: &[Value], done: bool) -> Response {
    let mut body = String::new();
    for c in chunks {
        body.push_str(&format!("data: {c}\n\n"));
    }
    if done {
        body.push_str("data: [DONE]\n\n");
    }
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from(body),
    )
        .into_response()
}

fn chunk(model: &str, delta: Value, finish: Option<&str>) -> Value {
    json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
}

fn split_three(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let third = chars.len().div_ceil(3).max(1);
    chars.chunks(third).map(|c| c.iter().collect()).collect()
}

async fn answer(reply: FakeReply, body: &Value) -> Response {
    let model = body["model"].as_str().unwrap_or("fake-model").to_owned();
    let streaming = body["stream"].as_bool().unwrap_or(false);
    match reply {
        FakeReply::Delayed(wait, inner) => {
            tokio::time::sleep(wait).await;
            Box::pin(answer(*inner, body)).await
        }
        FakeReply::Status(code, retry_after) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = (
                status,
                Json(json!({"error": {"message": "scripted failure", "type": "fake"}})),
            )
                .into_response();
            if let Some(secs) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, secs.into());
            }
            response
        }
        FakeReply::Malformed => (
            [(header::CONTENT_TYPE, "application/json")],
            "{\"choices\": [",
        )
            .into_response(),
        FakeReply::Text(text) if streaming => {
            let mut chunks = vec![chunk(
                &model,
                json!({"role": "assistant", "content": ""}),
                None,
            )];
            chunks.extend(
                split_three(&text)
                    .into_iter()
                    .map(|piece| chunk(&model, json!({"content": piece}), None)),
            );
            chunks.push(chunk(&model, json!({}), Some("stop")));
            chunks.push(json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
                "choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}}));
            sse(&chunks, true)
        }
        FakeReply::Text(text) => Json(completion(&model, &text)).into_response(),
        FakeReply::DroppedStream(text) => {
            sse(&[chunk(&model, json!({"content": text}), None)], false)
        }
    }
}

/// Dimensions of the fake embeddings.
pub const FAKE_DIMENSIONS: usize = 64;

/// A deterministic embedding: each lower-cased word adds one to a dimension chosen by its hash,
/// so texts that share words point the same way.
pub fn fake_embedding(text: &str) -> Vec<f32> {
    let mut vector = vec![0f32; FAKE_DIMENSIONS];
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let hash = word
            .to_lowercase()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        let slot = usize::try_from(hash % FAKE_DIMENSIONS as u64).unwrap_or(0);
        vector[slot] += 1.0;
    }
    vector
}

/// OpenAI embeddings: `{"model", "input": [..]}` to `{"object": "list", "data": [{"index",
/// "embedding"}]}`, answered in reverse order (clients must use `index`).
async fn embeddings(State(inner): State<Arc<Mutex<Inner>>>, Json(body): Json<Value>) -> Response {
    let fail = match inner.lock() {
        Ok(mut i) => {
            i.embedding_requests.push(body.clone());
            if i.embedding_failures > 0 {
                i.embedding_failures -= 1;
                true
            } else {
                false
            }
        }
        Err(_) => true,
    };
    if fail {
        return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
    }
    let inputs: Vec<String> = match &body["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect(),
        _ => return (StatusCode::BAD_REQUEST, "input must be a string or a list").into_response(),
    };
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(index, text)| json!({"object": "embedding", "index": index, "embedding": fake_embedding(text)}))
        .collect();
    Json(
        json!({"object": "list", "data": data, "model": body["model"],
        "usage": {"prompt_tokens": inputs.len(), "total_tokens": inputs.len()}}),
    )
    .into_response()
}
