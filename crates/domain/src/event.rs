//! Typed events: every state change appends one, in the same transaction, to the tenant's event
//! log. The log doubles as the audit trail (who changed what, when, through which request) and is
//! what the agent runtime consumes.

use jiff::Timestamp;
use serde::Serialize;

use crate::id::EventId;
use crate::labels::labels;

labels! {
    /// The kind of object an event is about.
    pub enum ResourceKind {
        Tenant = "tenant",
        Region = "region",
        Product = "product",
        User = "user",
        ApiKey = "api_key",
        Account = "account",
        Contact = "contact",
        ContactRelationship = "contact_relationship",
        Opportunity = "opportunity",
        Activity = "activity",
        Task = "task",
        LlmCall = "llm_call",
        LlmSettings = "llm_settings",
        DeadLetter = "dead_letter",
        AgentRun = "agent_run",
        Approval = "approval",
        Outbox = "outbox",
        GuardrailPolicy = "guardrail_policy",
        Document = "document",
        Catalog = "catalog",
        Scorecard = "scorecard",
        Plan = "plan",
        Quota = "quota",
        Persona = "persona",
        Credential = "credential",
    }
}

labels! {
    /// What happened to it.
    pub enum EventAction {
        Created = "created",
        Updated = "updated",
        Deleted = "deleted",
        StageChanged = "stage_changed",
        Revoked = "revoked",
        Replayed = "replayed",
        Approved = "approved",
        Rejected = "rejected",
    }
}

/// An event to append: what happened to which object, with a JSON payload (usually the object
/// after the change, or the change record).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub resource: ResourceKind,
    pub action: EventAction,
    pub subject_id: uuid::Uuid,
    pub payload: serde_json::Value,
}

impl NewEvent {
    /// An event whose payload is the serialized `snapshot`.
    pub fn of<T: Serialize>(
        resource: ResourceKind,
        action: EventAction,
        subject_id: uuid::Uuid,
        snapshot: &T,
    ) -> Self {
        let payload = serde_json::to_value(snapshot).unwrap_or(serde_json::Value::Null);
        Self {
            resource,
            action,
            subject_id,
            payload,
        }
    }

    /// The dotted kind, for example `opportunity.stage_changed`.
    pub fn kind(&self) -> String {
        format!("{}.{}", self.resource, self.action)
    }
}

/// An event as stored in the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: EventId,
    /// Dotted kind, for example `account.created`.
    pub kind: String,
    pub resource: ResourceKind,
    pub action: EventAction,
    pub subject_id: uuid::Uuid,
    pub payload: serde_json::Value,
    /// `user`, `service` or `operator`.
    pub actor_kind: String,
    pub actor_id: Option<uuid::Uuid>,
    pub api_key_id: Option<uuid::Uuid>,
    pub request_id: Option<String>,
    pub occurred_at: Timestamp,
}
