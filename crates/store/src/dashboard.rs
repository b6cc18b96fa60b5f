//! What dashboards read: the few facts of each deal the pipeline figures need (without the
//! rest of its row), and counts of what the agents did, grouped in SQL.

use domain::id::{OpportunityId, UserId};
use domain::money::Money;
use domain::opportunity::Opportunity;
use domain::region::RegionCode;
use domain::stage::Stage;
use jiff::Timestamp;
use jiff::civil::Date;

/// A deal as pipeline figures see it.
#[derive(Debug, Clone, PartialEq)]
pub struct DealFacts {
    pub id: OpportunityId,
    pub name: String,
    pub amount: Money,
    pub close_date: Date,
    pub owner_id: Option<UserId>,
    pub region: Option<RegionCode>,
    pub stage: Stage,
    pub stage_changed_at: Timestamp,
}

impl From<&Opportunity> for DealFacts {
    fn from(deal: &Opportunity) -> Self {
        Self {
            id: deal.id,
            name: deal.name.clone(),
            amount: deal.amount,
            close_date: deal.close_date,
            owner_id: deal.owner_id,
            region: deal.region.clone(),
            stage: deal.stage,
            stage_changed_at: deal.stage_changed_at,
        }
    }
}

/// Runs of one role, skill and outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCount {
    pub role: String,
    pub skill: String,
    /// `succeeded` or `failed`.
    pub status: String,
    pub runs: i64,
}

/// Actions one role proposed, by the guardrails' decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionCount {
    pub role: String,
    /// `executed`, `pending_approval` or `forbidden`.
    pub decision: String,
    pub actions: i64,
}

/// Approvals of one role by status, and whether a human edited the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalCount {
    pub role: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub edited: bool,
    pub approvals: i64,
}

/// What the agents did since a moment, counted by the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentActivity {
    pub runs: Vec<RunCount>,
    pub actions: Vec<ActionCount>,
    pub approvals: Vec<ApprovalCount>,
}
