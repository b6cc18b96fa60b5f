//! The LLM gateway. Every agent talks to models through it: one chat-model interface
//! ([`ChatModel`]) over OpenAI-compatible Chat Completions, Anthropic Messages and the offline
//! engine, and a [`Gateway`] that routes an agent role to an ordered chain of models and falls
//! back to the offline engine when every model fails, so nothing answers with a 500.
//!
//! Must not import the store or the HTTP server; it knows providers only through their wire
//! formats, and the platform only through the domain types of its records.

pub mod breaker;
pub mod embeddings;
pub mod error;
pub mod gateway;
pub mod model;
pub mod providers;
pub mod record;
pub mod redact;
pub mod structured;
pub mod trace;
pub mod types;

pub use error::LlmError;
pub use gateway::{
    Gateway, GatewayConfig, ProviderConfig, ProviderKind, Served, ServedStream, Structured,
};
pub use model::{ChatModel, EventStream};
pub use providers::http::ensure_tls_provider;
pub use trace::{Attempt, AttemptOutcome, Price, PriceTable};
pub use types::{
    ChatRequest, ChatResponse, FinishReason, Message, MessageRole, ResponseFormat, StreamEvent,
    ToolCall, ToolSpec, Usage,
};
