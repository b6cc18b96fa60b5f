//! OpenAI-compatible Chat Completions (`POST {base_url}/chat/completions`): OpenAI, Azure OpenAI,
//! vLLM, Ollama, LiteLLM, OpenRouter, llama.cpp server. Non-streaming and streaming (server-sent
//! events ending with `data: [DONE]`), tools, `response_format` with `json_schema`, usage.

use std::collections::VecDeque;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::http::{Timeouts, client, transport_error};
use super::sse::{SseDecoder, event_stream};
use crate::error::LlmError;
use crate::model::{ChatModel, EventStream};
use crate::types::{
    ChatRequest, ChatResponse, FinishReason, Message, MessageRole, StreamEvent, ToolCall, Usage,
};

/// A client of one OpenAI-compatible endpoint.
pub struct OpenAiCompat {
    name: String,
    base_url: String,
    api_key: Option<String>,
    timeouts: Timeouts,
    http: reqwest::Client,
}

impl std::fmt::Debug for OpenAiCompat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiCompat")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl OpenAiCompat {
    /// A client for `base_url` (for example `https://api.openai.com/v1`).
    pub fn new(
        name: &str,
        base_url: &str,
        api_key: Option<String>,
        timeouts: Timeouts,
    ) -> Result<Self, LlmError> {
        Ok(Self {
            name: name.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
            timeouts,
            http: client(timeouts)?,
        })
    }

    fn body(&self, request: &ChatRequest, stream: bool) -> Value {
        let messages: Vec<Value> = request.messages.iter().map(wire_message).collect();
        let mut body = json!({ "model": request.model, "messages": messages });
        if !request.tools.is_empty() {
            body["tools"] = request
                .tools
                .iter()
                .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}))
                .collect();
        }
        if let Some(format) = &request.response_format {
            body["response_format"] = json!({"type": "json_schema", "json_schema": {"name": format.name, "schema": format.schema, "strict": false}});
        }
        if let Some(t) = request.temperature {
            body["temperature"] = json!(t);
        }
        if let Some(m) = request.max_tokens {
            body["max_tokens"] = json!(m);
        }
        if stream {
            body["stream"] = json!(true);
            body["stream_options"] = json!({"include_usage": true});
        }
        body
    }

    async fn send(&self, body: &Value) -> Result<reqwest::Response, LlmError> {
        let mut request = self
            .http
            .post(format!("{}/chat/completions", self.base_url))
            .json(body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        super::http::send(&self.name, self.timeouts.first_token, request).await
    }

    fn protocol(&self, detail: impl Into<String>) -> LlmError {
        LlmError::Protocol {
            provider: self.name.clone(),
            detail: detail.into(),
        }
    }
}

fn wire_message(m: &Message) -> Value {
    let role = match m.role {
        MessageRole::System => "system",
        MessageRole::User => "user",
        MessageRole::Assistant => "assistant",
        MessageRole::Tool => "tool",
    };
    let mut out = json!({ "role": role, "content": m.content });
    if !m.tool_calls.is_empty() {
        out["tool_calls"] = m
            .tool_calls
            .iter()
            .map(|c| json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}))
            .collect();
    }
    if let Some(id) = &m.tool_call_id {
        out["tool_call_id"] = json!(id);
    }
    out
}

#[derive(Deserialize)]
struct WireResponse {
    #[serde(default)]
    model: String,
    choices: Vec<WireChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: WireMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<WireToolCall>,
}

#[derive(Deserialize)]
struct WireToolCall {
    #[serde(default)]
    id: String,
    function: WireFunction,
}

#[derive(Deserialize)]
struct WireFunction {
    #[serde(default)]
    name: String,
    #[serde(default)]
    arguments: String,
}

#[derive(Deserialize, Serialize, Clone, Copy)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

impl From<WireUsage> for Usage {
    fn from(u: WireUsage) -> Self {
        Usage {
            input_tokens: u.prompt_tokens,
            output_tokens: u.completion_tokens,
        }
    }
}

#[derive(Deserialize)]
struct WireChunk {
    #[serde(default)]
    choices: Vec<WireChunkChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChunkChoice {
    #[serde(default)]
    delta: WireDelta,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireDelta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<WireToolCallDelta>,
}

#[derive(Deserialize)]
struct WireToolCallDelta {
    #[serde(default)]
    index: u32,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<WireFunctionDelta>,
}

#[derive(Deserialize)]
struct WireFunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

/// The events one streamed chunk carries.
fn chunk_events(chunk: WireChunk) -> Vec<StreamEvent> {
    let mut events = Vec::new();
    for choice in chunk.choices.into_iter().take(1) {
        if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
            events.push(StreamEvent::Text(text));
        }
        for call in choice.delta.tool_calls {
            let (name, arguments) = call.function.map_or((None, String::new()), |f| {
                (f.name, f.arguments.unwrap_or_default())
            });
            events.push(StreamEvent::ToolCallDelta {
                index: call.index,
                id: call.id,
                name,
                arguments,
            });
        }
        if let Some(reason) = choice.finish_reason {
            events.push(StreamEvent::Finish(FinishReason::from_openai(&reason)));
        }
    }
    if let Some(usage) = chunk.usage {
        events.push(StreamEvent::Usage(usage.into()));
    }
    events
}

#[async_trait]
impl ChatModel for OpenAiCompat {
    fn provider(&self) -> &str {
        &self.name
    }

    fn system(&self) -> &'static str {
        "openai"
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let call = async {
            let response = self.send(&self.body(request, false)).await?;
            let text = response
                .text()
                .await
                .map_err(|e| transport_error(&self.name, &e))?;
            let wire: WireResponse = serde_json::from_str(&text)
                .map_err(|e| self.protocol(format!("not a chat completion: {e}")))?;
            let choice = wire
                .choices
                .into_iter()
                .next()
                .ok_or_else(|| self.protocol("no choices"))?;
            Ok(ChatResponse {
                model: wire.model,
                content: choice.message.content.unwrap_or_default(),
                tool_calls: choice
                    .message
                    .tool_calls
                    .into_iter()
                    .map(|c| ToolCall {
                        id: c.id,
                        name: c.function.name,
                        arguments: c.function.arguments,
                    })
                    .collect(),
                usage: wire.usage.map(Usage::from),
                finish_reason: FinishReason::from_openai(
                    choice.finish_reason.as_deref().unwrap_or("stop"),
                ),
            })
        };
        tokio::time::timeout(self.timeouts.total, call)
            .await
            .map_err(|_| LlmError::Timeout {
                provider: self.name.clone(),
                phase: "the whole answer",
            })?
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let response = self.send(&self.body(request, true)).await?;
        Ok(event_stream(
            response,
            &self.name,
            self.timeouts,
            ChunkDecoder {
                provider: self.name.clone(),
            },
        ))
    }
}

/// Reads Chat Completions chunks; `data: [DONE]` ends the stream.
struct ChunkDecoder {
    provider: String,
}

impl SseDecoder for ChunkDecoder {
    const END_MARKER: &'static str = "[DONE]";

    fn event(
        &mut self,
        _name: &str,
        data: &str,
        out: &mut VecDeque<StreamEvent>,
    ) -> Result<bool, LlmError> {
        if data.trim() == "[DONE]" {
            return Ok(true);
        }
        let chunk: WireChunk = serde_json::from_str(data).map_err(|e| LlmError::Protocol {
            provider: self.provider.clone(),
            detail: format!("bad chunk: {e}"),
        })?;
        out.extend(chunk_events(chunk));
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_become_events() {
        let chunk: WireChunk = serde_json::from_str(
            r#"{"choices":[{"index":0,"delta":{"content":"Hel","tool_calls":[{"index":0,"id":"c1","function":{"name":"f","arguments":"{\"a"}}]},"finish_reason":null}]}"#,
        )
        .unwrap();
        let events = chunk_events(chunk);
        assert_eq!(events[0], StreamEvent::Text("Hel".into()));
        assert_eq!(
            events[1],
            StreamEvent::ToolCallDelta {
                index: 0,
                id: Some("c1".into()),
                name: Some("f".into()),
                arguments: "{\"a".into()
            }
        );
        let last: WireChunk = serde_json::from_str(
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}"#,
        )
        .unwrap();
        assert_eq!(
            chunk_events(last),
            vec![StreamEvent::Usage(Usage {
                input_tokens: 3,
                output_tokens: 5
            })]
        );
    }
}
