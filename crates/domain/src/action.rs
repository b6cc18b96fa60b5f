//! What agents may propose. Agents never act directly: a skill proposes actions, the guardrails
//! decide for each whether it runs, waits for a human, or is forbidden, and only then an executor
//! carries it out.

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::agent::AgentRole;
use crate::id::{AccountId, ActionId, AgentRunId, ApprovalId, OpportunityId, UserId};
use crate::labels::labels;
use crate::stage::Stage;

labels! {
    /// The kind of a proposed action.
    pub enum ActionKind {
        SendEmail = "send_email",
        PostChat = "post_chat",
        CreateTask = "create_task",
        MoveStage = "move_stage",
        Handoff = "handoff",
        AddContact = "add_contact",
        OfferDiscount = "offer_discount",
        SignContract = "sign_contract",
        MoveMoney = "move_money",
    }
}

/// An e-mail to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailDraft {
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub bcc: Vec<String>,
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub account_id: Option<AccountId>,
    #[serde(default)]
    pub opportunity_id: Option<OpportunityId>,
}

/// A chat message to post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChatPost {
    /// The space (room) to post in.
    pub space: String,
    pub text: String,
    /// Whether people outside the tenant's organisation are members (an external send).
    #[serde(default)]
    pub external_members: bool,
    #[serde(default)]
    pub account_id: Option<AccountId>,
}

/// A task to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskDraft {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub due_date: Option<Date>,
    #[serde(default)]
    pub assignee_id: Option<UserId>,
    #[serde(default)]
    pub account_id: Option<AccountId>,
    #[serde(default)]
    pub opportunity_id: Option<OpportunityId>,
}

/// A stage move of an opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StageMoveDraft {
    pub opportunity_id: OpportunityId,
    pub stage: Stage,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Work handed to another role of the crew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HandoffDraft {
    pub to_role: AgentRole,
    /// The skill of that role to run.
    pub skill: String,
    pub reason: String,
    #[serde(default)]
    pub account_id: Option<AccountId>,
    #[serde(default)]
    pub opportunity_id: Option<OpportunityId>,
}

/// A contact to add to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactDraft {
    pub account_id: AccountId,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

/// Everything given away together in one offer; every part counts toward the discount band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DiscountOffer {
    pub opportunity_id: OpportunityId,
    /// Percentage off the list price.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub percent: Decimal,
    #[serde(default)]
    pub free_months: u32,
    /// Fees waived, in the deal's currency.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub waived_fees: Decimal,
    /// Credits granted, in the deal's currency.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub credits: Decimal,
    /// Payment terms in days beyond the standard 30.
    #[serde(default)]
    pub extra_payment_days: u32,
    #[serde(default)]
    pub note: Option<String>,
}

/// Something only a human may do; an agent proposing it is always forbidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HumanOnly {
    pub description: String,
    #[serde(default)]
    pub opportunity_id: Option<OpportunityId>,
}

/// A proposed action with its payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    SendEmail(EmailDraft),
    PostChat(ChatPost),
    CreateTask(TaskDraft),
    MoveStage(StageMoveDraft),
    Handoff(HandoffDraft),
    AddContact(ContactDraft),
    OfferDiscount(DiscountOffer),
    SignContract(HumanOnly),
    MoveMoney(HumanOnly),
}

impl Action {
    /// The action's kind.
    pub fn kind(&self) -> ActionKind {
        match self {
            Self::SendEmail(_) => ActionKind::SendEmail,
            Self::PostChat(_) => ActionKind::PostChat,
            Self::CreateTask(_) => ActionKind::CreateTask,
            Self::MoveStage(_) => ActionKind::MoveStage,
            Self::Handoff(_) => ActionKind::Handoff,
            Self::AddContact(_) => ActionKind::AddContact,
            Self::OfferDiscount(_) => ActionKind::OfferDiscount,
            Self::SignContract(_) => ActionKind::SignContract,
            Self::MoveMoney(_) => ActionKind::MoveMoney,
        }
    }

    /// Every piece of free text the agent composed, for the checks that read text (links,
    /// canaries).
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Self::SendEmail(e) => vec![e.subject.as_str(), e.body.as_str()],
            Self::PostChat(c) => vec![c.text.as_str()],
            Self::CreateTask(t) => {
                let mut texts = vec![t.title.as_str()];
                texts.extend(t.description.as_deref());
                texts
            }
            Self::MoveStage(m) => m.reason.as_deref().into_iter().collect(),
            Self::Handoff(h) => vec![h.reason.as_str()],
            Self::AddContact(c) => {
                let mut texts = vec![c.name.as_str()];
                texts.extend(c.title.as_deref());
                texts
            }
            Self::OfferDiscount(d) => d.note.as_deref().into_iter().collect(),
            Self::SignContract(h) | Self::MoveMoney(h) => vec![h.description.as_str()],
        }
    }

    /// The account the action concerns, when it names one.
    pub fn account_id(&self) -> Option<AccountId> {
        match self {
            Self::SendEmail(e) => e.account_id,
            Self::PostChat(c) => c.account_id,
            Self::CreateTask(t) => t.account_id,
            Self::Handoff(h) => h.account_id,
            Self::AddContact(c) => Some(c.account_id),
            Self::MoveStage(_)
            | Self::OfferDiscount(_)
            | Self::SignContract(_)
            | Self::MoveMoney(_) => None,
        }
    }
}

labels! {
    /// What the guardrails decided for a proposed action.
    pub enum Decision {
        /// Allowed to run without a human.
        Executed = "executed",
        /// Waits for a human approval.
        PendingApproval = "pending_approval",
        /// May not run, whoever approves.
        Forbidden = "forbidden",
    }
}

labels! {
    /// Where a proposed action stands.
    pub enum ActionStatus {
        /// Allowed, waiting for the executor.
        Queued = "queued",
        /// Waiting for a human.
        AwaitingApproval = "awaiting_approval",
        /// Carried out.
        Done = "done",
        /// A human said no.
        Rejected = "rejected",
        /// Never to run.
        Blocked = "blocked",
        /// The executor could not carry it out.
        Failed = "failed",
    }
}

/// A proposed action as recorded in an agent run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposedAction {
    pub id: ActionId,
    pub run_id: AgentRunId,
    pub role: AgentRole,
    pub kind: ActionKind,
    /// What the agent proposed (an approval may run an edited copy).
    pub payload: Action,
    pub decision: Decision,
    /// Why the guardrails decided so, one line per rule that applied.
    pub reasons: Vec<String>,
    pub approval_id: Option<ApprovalId>,
    pub status: ActionStatus,
    pub error: Option<String>,
    pub executed_at: Option<Timestamp>,
    pub created_at: Timestamp,
}
