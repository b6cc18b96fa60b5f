//! Account and opportunity plans as stored: one version per change, each with the plan as
//! structured data and the changes from the version before, every change with its reason. What a
//! plan holds is the Sales agent's business (`agents::crew::sales::plans`); here it is a JSON
//! document with a kind.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::id::{AccountId, ActivityId, OpportunityId, PlanId};
use crate::labels::labels;

labels! {
    /// Which plan.
    pub enum PlanKind {
        /// Whitespace, goals, stakeholders, relationship strategy.
        Account = "account",
        /// Mutual action plan, risks, next steps, close plan.
        Opportunity = "opportunity",
    }
}

labels! {
    /// What happened to an item of a plan.
    pub enum PlanChangeKind {
        Added = "added",
        Removed = "removed",
        Changed = "changed",
    }
}

/// One item's change between two versions of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanChange {
    /// The plan's section (`risks`, `mutual_action_plan`, …).
    pub section: String,
    /// The item's key inside the section.
    pub item: String,
    pub change: PlanChangeKind,
    /// The item as it was (changed or removed).
    pub from: Option<String>,
    /// The item as it is (added or changed).
    pub to: Option<String>,
    /// Why, in a sentence: what the item rests on, and the activity that brought it.
    pub reason: String,
}

/// A version of an account's or an opportunity's plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanVersion {
    pub id: PlanId,
    pub kind: PlanKind,
    pub account_id: AccountId,
    /// Set for an opportunity plan.
    pub opportunity_id: Option<OpportunityId>,
    /// 1 for the first, one more for each change.
    pub version: i64,
    /// The activity whose arrival brought this version, if one did.
    pub activity_id: Option<ActivityId>,
    /// The plan as structured data.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub plan: serde_json::Value,
    pub changes: Vec<PlanChange>,
    pub created_at: Timestamp,
}

impl PlanVersion {
    /// The id of what the plan is for: the opportunity for an opportunity plan, else the account.
    pub fn subject_id(&self) -> uuid::Uuid {
        self.opportunity_id
            .map_or_else(|| self.account_id.as_uuid(), |o| o.as_uuid())
    }
}
