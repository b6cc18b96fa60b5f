//! The outbox: every outbound message the platform released, on the local channel (the embedded
//! default) or handed to a connector. Each entry names the approval that released it.

use jiff::Timestamp;
use serde::Serialize;

use crate::id::{AccountId, ActionId, AgentRunId, ApprovalId, OutboxId};
use crate::labels::labels;

labels! {
    /// Which channel a message went out on.
    pub enum Channel {
        Email = "email",
        Chat = "chat",
    }
}

/// One released message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxEntry {
    pub id: OutboxId,
    pub channel: Channel,
    pub action_id: ActionId,
    pub run_id: AgentRunId,
    /// The approval that released it; `null` when the guardrails let it run without one.
    pub approval_id: Option<ApprovalId>,
    pub account_id: Option<AccountId>,
    /// E-mail recipients, or the chat space.
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: Option<String>,
    pub body: String,
    pub created_at: Timestamp,
}
