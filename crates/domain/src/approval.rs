//! Approvals: a human's decision on an action the guardrails held back. Only a human user can
//! decide, never an API key acting for an agent, and an approved action runs exactly once.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::action::{Action, ActionKind};
use crate::agent::AgentRole;
use crate::id::{ActionId, AgentRunId, ApprovalId, UserId};
use crate::labels::labels;

labels! {
    /// Where an approval stands.
    pub enum ApprovalStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
}

/// An action waiting for (or given) a human decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub id: ApprovalId,
    pub action_id: ActionId,
    pub run_id: AgentRunId,
    pub role: AgentRole,
    pub kind: ActionKind,
    /// The whole payload that will run: every recipient (Bcc included), link and amount.
    pub payload: Action,
    /// Why it needs a human.
    pub reasons: Vec<String>,
    pub status: ApprovalStatus,
    /// The person who asked for the run, when one did; they cannot approve its actions.
    pub requested_by: Option<UserId>,
    /// Whether the approver changed the payload before approving.
    pub edited: bool,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<Timestamp>,
    /// The approver's or rejecter's note; required to reject.
    pub note: Option<String>,
    /// When the approved action was carried out.
    pub executed_at: Option<Timestamp>,
    pub requested_at: Timestamp,
    pub version: i64,
}

/// `POST /approvals/{id}/approve`: optionally an edited payload of the same kind.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    #[serde(default)]
    pub payload: Option<Action>,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /approvals/{id}/reject`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    pub reason: String,
}
