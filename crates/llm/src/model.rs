//! The one chat-model interface every provider implements.

use async_trait::async_trait;
use futures_util::stream::BoxStream;

use crate::error::LlmError;
use crate::types::{ChatRequest, ChatResponse, StreamEvent};

/// A stream of reply pieces; it ends after [`StreamEvent::Finish`] or an error.
pub type EventStream = BoxStream<'static, Result<StreamEvent, LlmError>>;

/// A chat model behind some provider.
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// The provider's configured name (for traces and errors).
    fn provider(&self) -> &str;

    /// The provider as OpenTelemetry's `gen_ai.provider.name` knows it, for example `openai`.
    fn system(&self) -> &'static str;

    /// One complete reply.
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError>;

    /// A streamed reply. Errors before the first event are returned here; later ones arrive in
    /// the stream.
    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError>;
}
