//! Qualification scorecards: an opportunity's standing in every framework (BANT, MEDDICC, QBS,
//! TAS, Sandler, Voss), one version per activity that changed it, each with what changed and why.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::id::{ActivityId, AgentRunId, OpportunityId, ScorecardId};

/// One element's move between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScorecardChange {
    pub framework: String,
    pub element: String,
    /// Status before (`unknown` for the first version).
    pub from: String,
    pub to: String,
    /// The quote that moved it, verbatim from the activity.
    pub quote: Option<String>,
    /// Why, in a sentence.
    pub reason: String,
}

/// A version of an opportunity's scorecard.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScorecardVersion {
    pub id: ScorecardId,
    pub opportunity_id: OpportunityId,
    /// 1 for the first, one more for each activity that changed it.
    pub version: i64,
    /// The activity that produced it.
    pub activity_id: Option<ActivityId>,
    pub agent_run_id: Option<AgentRunId>,
    /// The provider that answered (`offline` for the offline extractor).
    pub answered_by: String,
    /// Every framework's elements as of this version: `{"bant": {"budget": {"status",
    /// "confidence", "evidence": [{"quote", "start", "end"}], "activity_id"}}}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub scorecard: serde_json::Value,
    pub changes: Vec<ScorecardChange>,
    pub created_at: Timestamp,
}
