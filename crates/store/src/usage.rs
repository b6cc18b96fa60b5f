//! LLM usage summaries.

use rust_decimal::Decimal;
use serde::Serialize;

/// How to group usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageGroup {
    /// UTC calendar day, `YYYY-MM-DD`.
    Day,
    /// Agent role or route.
    Route,
    /// `provider/model`.
    Model,
    /// Skill (empty for plain chats).
    Skill,
    /// `ok`, `error` or `offline`.
    Outcome,
}

/// Usage of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct UsageRow {
    pub key: String,
    pub calls: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// US dollars, exact.
    pub cost_usd: Decimal,
}
