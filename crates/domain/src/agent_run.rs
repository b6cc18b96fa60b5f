//! Agent runs: one record per execution of a skill, with what triggered it, its input and output,
//! who answered (a model or the offline implementation), and the actions it proposed.

use jiff::Timestamp;
use serde::Serialize;

use crate::action::ProposedAction;
use crate::agent::AgentRole;
use crate::id::{AccountId, ActivityId, AgentRunId, OpportunityId};
use crate::labels::labels;

labels! {
    /// What started a run.
    pub enum RunTrigger {
        /// An event delivered to the role.
        Event = "event",
        /// A schedule firing.
        Schedule = "schedule",
        /// Someone asked through the API.
        Manual = "manual",
        /// Another role handed work over.
        Handoff = "handoff",
    }
}

labels! {
    /// How a run ended.
    pub enum RunStatus {
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

/// One execution of a skill.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentRun {
    pub id: AgentRunId,
    pub role: AgentRole,
    pub skill: String,
    pub trigger: RunTrigger,
    /// The event that triggered it, for event and handoff runs.
    pub trigger_event_id: Option<uuid::Uuid>,
    pub activity_id: Option<ActivityId>,
    pub account_id: Option<AccountId>,
    pub opportunity_id: Option<OpportunityId>,
    /// The outside sender whose message started the run, for runs of inbound messages.
    pub sender: Option<String>,
    /// Unique per tenant: a second delivery of the same trigger finds this run and does nothing.
    pub dedupe_key: String,
    pub status: RunStatus,
    pub input: serde_json::Value,
    pub output: Option<serde_json::Value>,
    /// The provider that answered, `offline` for the skill's offline implementation.
    pub answered_by: Option<String>,
    /// Why the offline implementation answered, when it did.
    pub fallback_reason: Option<String>,
    pub error: Option<String>,
    /// The input carried signs of prompt injection (instructions aimed at the agent).
    pub injection_suspected: bool,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// The actions it proposed, with their guardrail decisions.
    pub actions: Vec<ProposedAction>,
}
