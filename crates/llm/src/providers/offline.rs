//! The offline engine: no network, deterministic. It cannot write prose like a model, so for a
//! plain chat it answers honestly that no model is configured; skills bring their own offline
//! implementations (rule-based extraction, templates) and the gateway runs those instead.

use async_trait::async_trait;
use futures_util::StreamExt;

use crate::error::LlmError;
use crate::model::{ChatModel, EventStream};
use crate::types::{ChatRequest, ChatResponse, FinishReason, StreamEvent, Usage};

/// The provider name the offline engine reports.
pub const OFFLINE: &str = "offline";
/// The offline engine's `gen_ai.provider.name` in exported spans (not a registered value, so
/// namespaced as the conventions ask).
pub const OFFLINE_SYSTEM: &str = "agent_army.offline";

/// The offline engine.
#[derive(Debug, Clone, Default)]
pub struct OfflineEngine;

impl OfflineEngine {
    /// The honest reply to a plain chat, naming the role (or model) asked for and why no model
    /// answered.
    pub fn reply(target: &str, reason: &str) -> String {
        format!(
            "This is Agent Army's offline engine answering for \"{target}\": {reason}. It does not \
             write free-form replies; ask an administrator to configure a language model for this \
             role (see docs/configuration.md)."
        )
    }

    /// Rough token count (words and punctuation), so offline answers still show usage.
    pub fn count_tokens(text: &str) -> u64 {
        let words = text.split_whitespace().count();
        u64::try_from(words).unwrap_or(u64::MAX)
    }

    /// The honest answer for `target`, with token counts, saying why no model answered.
    pub fn answer_for(target: &str, request: &ChatRequest, reason: &str) -> ChatResponse {
        let content = Self::reply(target, reason);
        let input: u64 = request
            .messages
            .iter()
            .map(|m| Self::count_tokens(&m.content))
            .sum();
        let usage = Usage {
            input_tokens: input,
            output_tokens: Self::count_tokens(&content),
        };
        ChatResponse {
            model: OFFLINE.to_owned(),
            content,
            tool_calls: Vec::new(),
            usage: Some(usage),
            finish_reason: FinishReason::Stop,
        }
    }

    fn answer(request: &ChatRequest) -> ChatResponse {
        Self::answer_for(&request.model, request, "no language model is configured")
    }
}

/// A reply as a stream: the text, the usage, the finish.
pub fn response_stream(response: ChatResponse) -> EventStream {
    let mut events = vec![Ok(StreamEvent::Text(response.content))];
    if let Some(usage) = response.usage {
        events.push(Ok(StreamEvent::Usage(usage)));
    }
    events.push(Ok(StreamEvent::Finish(response.finish_reason)));
    futures_util::stream::iter(events).boxed()
}

#[async_trait]
impl ChatModel for OfflineEngine {
    fn provider(&self) -> &str {
        OFFLINE
    }

    fn system(&self) -> &'static str {
        OFFLINE_SYSTEM
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        Ok(Self::answer(request))
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        Ok(response_stream(Self::answer(request)))
    }
}
