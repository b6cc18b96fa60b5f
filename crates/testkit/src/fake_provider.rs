//! A scripted fake model provider: a real HTTP server speaking the OpenAI Chat Completions wire
//! format (JSON and server-sent events ending with `data: [DONE]`). Tests queue replies (text,
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
}

/// A running fake provider.
#[derive(Clone)]
pub struct FakeProvider {
    /// Base URL to configure, for example `http://127.0.0.1:41000/v1`.
    pub base_url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeProvider {
    /// Starts the fake on a random port; unscripted calls answer "fake reply".
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(chat))
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

    /// Every request body received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.inner
            .lock()
            .map(|i| i.requests.clone())
            .unwrap_or_default()
    }
}

async fn chat(State(inner): State<Arc<Mutex<Inner>>>, Json(body): Json<Value>) -> Response {
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
