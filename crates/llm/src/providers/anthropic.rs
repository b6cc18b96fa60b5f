//! Anthropic Messages (`POST {base_url}/v1/messages`, `anthropic-version: 2023-06-01`): system
//! prompt apart from the messages, content blocks, tool use, streaming events (`message_start`,
//! `content_block_start`, `content_block_delta`, `message_delta`, `message_stop`, `ping`,
//! `error`) and usage. Structured output is asked for the way Anthropic documents it: a single
//! tool whose input schema is the wanted schema, and `tool_choice` forcing it; the tool's input
//! becomes the reply text.

use std::collections::VecDeque;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{Timeouts, client, transport_error};
use super::sse::{SseDecoder, event_stream};
use crate::error::LlmError;
use crate::model::{ChatModel, EventStream};
use crate::types::{
    ChatRequest, ChatResponse, FinishReason, MessageRole, StreamEvent, ToolCall, Usage,
};

/// The API version this client speaks.
pub const API_VERSION: &str = "2023-06-01";
/// Anthropic requires `max_tokens`; used when the request sets none.
const DEFAULT_MAX_TOKENS: u32 = 4096;

/// A client of the Anthropic Messages API.
pub struct Anthropic {
    name: String,
    base_url: String,
    api_key: Option<String>,
    timeouts: Timeouts,
    http: reqwest::Client,
}

impl Anthropic {
    /// A client for `base_url` (for example `https://api.anthropic.com`).
    pub fn new(
        name: &str,
        base_url: &str,
        api_key: Option<String>,
        timeouts: Timeouts,
    ) -> Result<Self, LlmError> {
        Ok(Self {
            name: name.to_owned(),
            base_url: base_url
                .trim_end_matches('/')
                .trim_end_matches("/v1")
                .to_owned(),
            api_key,
            timeouts,
            http: client(timeouts)?,
        })
    }

    fn body(&self, request: &ChatRequest, stream: bool) -> Value {
        let system: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == MessageRole::System)
            .map(|m| m.content.as_str())
            .collect();
        let messages: Vec<Value> = request
            .messages
            .iter()
            .filter(|m| m.role != MessageRole::System)
            .map(|m| match m.role {
                MessageRole::Tool => json!({"role": "user", "content": [{
                    "type": "tool_result", "tool_use_id": m.tool_call_id.clone().unwrap_or_default(), "content": m.content
                }]}),
                MessageRole::Assistant if !m.tool_calls.is_empty() => {
                    let mut blocks: Vec<Value> = Vec::new();
                    if !m.content.is_empty() {
                        blocks.push(json!({"type": "text", "text": m.content}));
                    }
                    for call in &m.tool_calls {
                        let input: Value = serde_json::from_str(&call.arguments).unwrap_or_else(|_| json!({}));
                        blocks.push(json!({"type": "tool_use", "id": call.id, "name": call.name, "input": input}));
                    }
                    json!({"role": "assistant", "content": blocks})
                }
                MessageRole::Assistant => json!({"role": "assistant", "content": m.content}),
                _ => json!({"role": "user", "content": m.content}),
            })
            .collect();
        let mut body = json!({
            "model": request.model,
            "max_tokens": request.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
            "messages": messages,
        });
        if !system.is_empty() {
            body["system"] = json!(system.join("\n\n"));
        }
        let mut tools: Vec<Value> = request
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
        if let Some(format) = &request.response_format {
            tools.push(json!({"name": format.name, "description": "Give the answer as this tool's input.", "input_schema": format.schema}));
            body["tool_choice"] = json!({"type": "tool", "name": format.name});
        }
        if !tools.is_empty() {
            body["tools"] = json!(tools);
        }
        if let Some(t) = request.temperature {
            body["temperature"] = json!(t);
        }
        if stream {
            body["stream"] = json!(true);
        }
        body
    }

    async fn send(&self, body: &Value) -> Result<reqwest::Response, LlmError> {
        let mut request = self
            .http
            .post(format!("{}/v1/messages", self.base_url))
            .header("anthropic-version", API_VERSION)
            .json(body);
        if let Some(key) = &self.api_key {
            request = request.header("x-api-key", key);
        }
        super::http::send(&self.name, self.timeouts.first_token, request).await
    }
}

fn finish_reason(stop_reason: Option<&str>) -> FinishReason {
    match stop_reason {
        None | Some("end_turn" | "stop_sequence") => FinishReason::Stop,
        Some("max_tokens") => FinishReason::Length,
        Some("tool_use") => FinishReason::ToolCalls,
        Some("refusal") => FinishReason::ContentFilter,
        Some(other) => FinishReason::Other(other.to_owned()),
    }
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    model: String,
    #[serde(default)]
    content: Vec<Value>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize, Clone, Copy, Default)]
struct WireUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
}

#[async_trait]
impl ChatModel for Anthropic {
    fn provider(&self) -> &str {
        &self.name
    }

    fn system(&self) -> &'static str {
        "anthropic"
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let structured = request.response_format.as_ref().map(|f| f.name.clone());
        let call = async {
            let response = self.send(&self.body(request, false)).await?;
            let text = response
                .text()
                .await
                .map_err(|e| transport_error(&self.name, &e))?;
            let wire: WireMessage =
                serde_json::from_str(&text).map_err(|e| LlmError::Protocol {
                    provider: self.name.clone(),
                    detail: format!("not a message: {e}"),
                })?;
            let mut content = String::new();
            let mut tool_calls = Vec::new();
            for block in &wire.content {
                match block["type"].as_str() {
                    Some("text") => content.push_str(block["text"].as_str().unwrap_or_default()),
                    Some("tool_use") => {
                        let name = block["name"].as_str().unwrap_or_default().to_owned();
                        let arguments = block["input"].to_string();
                        if structured.as_deref() == Some(name.as_str()) {
                            content = arguments;
                        } else {
                            tool_calls.push(ToolCall {
                                id: block["id"].as_str().unwrap_or_default().to_owned(),
                                name,
                                arguments,
                            });
                        }
                    }
                    _ => {}
                }
            }
            let mut finish = finish_reason(wire.stop_reason.as_deref());
            if structured.is_some() && finish == FinishReason::ToolCalls && tool_calls.is_empty() {
                finish = FinishReason::Stop;
            }
            Ok(ChatResponse {
                model: wire.model,
                content,
                tool_calls,
                usage: wire.usage.map(|u| Usage {
                    input_tokens: u.input_tokens,
                    output_tokens: u.output_tokens,
                }),
                finish_reason: finish,
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
        let decoder = StreamState {
            provider: self.name.clone(),
            usage: Usage::default(),
            structured: request.response_format.as_ref().map(|f| f.name.clone()),
            tool_blocks: Vec::new(),
        };
        Ok(event_stream(response, &self.name, self.timeouts, decoder))
    }
}

/// Reads Messages stream events; `message_stop` ends the stream.
struct StreamState {
    provider: String,
    usage: Usage,
    /// The forced tool of a structured request: its input streams as text.
    structured: Option<String>,
    /// Content block index to tool-call index, for tool-use blocks (`None` for the structured one).
    tool_blocks: Vec<(u64, Option<u32>)>,
}

impl StreamState {
    fn handle(
        &mut self,
        name: &str,
        data: &Value,
        out: &mut VecDeque<StreamEvent>,
    ) -> Result<bool, LlmError> {
        match name {
            "message_start" => {
                let usage = &data["message"]["usage"];
                self.usage.input_tokens = usage["input_tokens"].as_u64().unwrap_or(0);
                self.usage.output_tokens = usage["output_tokens"].as_u64().unwrap_or(0);
            }
            "content_block_start" => {
                let block = &data["content_block"];
                let index = data["index"].as_u64().unwrap_or(0);
                if block["type"] == "tool_use" {
                    let name = block["name"].as_str().unwrap_or_default().to_owned();
                    if self.structured.as_deref() == Some(name.as_str()) {
                        self.tool_blocks.push((index, None));
                    } else {
                        let call = u32::try_from(
                            self.tool_blocks.iter().filter(|(_, c)| c.is_some()).count(),
                        )
                        .unwrap_or(u32::MAX);
                        self.tool_blocks.push((index, Some(call)));
                        out.push_back(StreamEvent::ToolCallDelta {
                            index: call,
                            id: block["id"].as_str().map(str::to_owned),
                            name: Some(name),
                            arguments: String::new(),
                        });
                    }
                }
            }
            "content_block_delta" => {
                let delta = &data["delta"];
                let index = data["index"].as_u64().unwrap_or(0);
                match delta["type"].as_str() {
                    Some("text_delta") => {
                        let text = delta["text"].as_str().unwrap_or_default();
                        if !text.is_empty() {
                            out.push_back(StreamEvent::Text(text.to_owned()));
                        }
                    }
                    Some("input_json_delta") => {
                        let part = delta["partial_json"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                        match self.tool_blocks.iter().find(|(i, _)| *i == index) {
                            Some((_, Some(call))) => out.push_back(StreamEvent::ToolCallDelta {
                                index: *call,
                                id: None,
                                name: None,
                                arguments: part,
                            }),
                            Some((_, None)) if !part.is_empty() => {
                                out.push_back(StreamEvent::Text(part))
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(out) = data["usage"]["output_tokens"].as_u64() {
                    self.usage.output_tokens = out;
                }
                let mut reason = finish_reason(data["delta"]["stop_reason"].as_str());
                if self.structured.is_some()
                    && reason == FinishReason::ToolCalls
                    && self.tool_blocks.iter().all(|(_, c)| c.is_none())
                {
                    reason = FinishReason::Stop;
                }
                out.push_back(StreamEvent::Usage(self.usage));
                out.push_back(StreamEvent::Finish(reason));
            }
            "message_stop" => return Ok(true),
            "error" => {
                let message = data["error"]["message"]
                    .as_str()
                    .unwrap_or("stream error")
                    .to_owned();
                return Err(LlmError::Unavailable {
                    provider: self.provider.clone(),
                    detail: message,
                    retry_after: None,
                });
            }
            _ => {} // ping, content_block_stop, and event kinds added later
        }
        Ok(false)
    }
}

impl SseDecoder for StreamState {
    const END_MARKER: &'static str = "message_stop";

    fn event(
        &mut self,
        name: &str,
        data: &str,
        out: &mut VecDeque<StreamEvent>,
    ) -> Result<bool, LlmError> {
        let data: Value = serde_json::from_str(data).map_err(|e| LlmError::Protocol {
            provider: self.provider.clone(),
            detail: format!("bad event: {e}"),
        })?;
        let name = if name.is_empty() {
            data["type"].as_str().unwrap_or_default().to_owned()
        } else {
            name.to_owned()
        };
        self.handle(&name, &data, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Message, ResponseFormat};

    #[test]
    fn system_goes_apart_and_structured_output_forces_a_tool() {
        let client = Anthropic::new(
            "a",
            "https://api.anthropic.com/v1",
            None,
            Timeouts::default(),
        )
        .unwrap();
        assert_eq!(client.base_url, "https://api.anthropic.com");
        let request = ChatRequest {
            model: "claude".into(),
            messages: vec![
                Message::new(MessageRole::System, "be brief"),
                Message::new(MessageRole::User, "hi"),
            ],
            response_format: Some(ResponseFormat {
                name: "answer".into(),
                schema: json!({"type": "object"}),
            }),
            ..Default::default()
        };
        let body = client.body(&request, false);
        assert_eq!(body["system"], "be brief");
        assert_eq!(body["messages"], json!([{"role": "user", "content": "hi"}]));
        assert_eq!(
            body["tool_choice"],
            json!({"type": "tool", "name": "answer"})
        );
        assert_eq!(body["max_tokens"], DEFAULT_MAX_TOKENS);
    }
}
