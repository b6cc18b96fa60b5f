//! LLM call traces: one record per model call (each attempt, including failed ones and offline
//! answers), kept per tenant for cost, usage and debugging.

use jiff::Timestamp;
use serde::Serialize;

use crate::id::LlmCallId;
use crate::labels::labels;

labels! {
    /// How a call ended.
    pub enum CallOutcome {
        /// The model answered.
        Ok = "ok",
        /// The call failed (see `error_kind`).
        Error = "error",
        /// The offline engine answered because no model did.
        Offline = "offline",
    }
}

/// One model call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LlmCall {
    pub id: LlmCallId,
    /// The agent role or route asked for, for example `sales`.
    pub route: String,
    /// The skill that made the call, when one did.
    pub skill: Option<String>,
    /// The agent run the call belongs to, when one does.
    pub agent_run_id: Option<uuid::Uuid>,
    pub provider: String,
    pub model: String,
    pub outcome: CallOutcome,
    /// `rate_limited`, `unavailable`, `timeout`, `refused`, `protocol`, `invalid_output`, `shed`.
    pub error_kind: Option<String>,
    pub error: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// Cost in US dollars from the price table, as a decimal string; `null` when the model has no
    /// price.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub cost_usd: Option<rust_decimal::Decimal>,
    pub latency_ms: i64,
    /// Time to the first streamed token.
    pub ttft_ms: Option<i64>,
    pub streamed: bool,
    /// The prompt, redacted; only when the tenant keeps prompts.
    pub prompt: Option<String>,
    /// The completion, redacted; only when the tenant keeps prompts.
    pub completion: Option<String>,
    pub started_at: Timestamp,
}
