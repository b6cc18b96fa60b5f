//! What the gateway reports about each model call it made, and what the calls cost.

use std::collections::BTreeMap;
use std::time::Duration;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::types::Usage;

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Ok,
    Error,
    /// The offline engine answered.
    Offline,
}

/// One model call (one attempt; retries are separate attempts).
#[derive(Debug, Clone)]
pub struct Attempt {
    pub provider: String,
    pub model: String,
    pub outcome: AttemptOutcome,
    /// The error's kind (`rate_limited`, `timeout`, …), when it failed.
    pub error_kind: Option<&'static str>,
    pub error: Option<String>,
    pub usage: Usage,
    pub latency: Duration,
    /// Time to the first streamed event.
    pub ttft: Option<Duration>,
    pub streamed: bool,
}

impl Attempt {
    /// A call that answered.
    pub fn ok(
        provider: &str,
        model: &str,
        usage: Usage,
        latency: Duration,
        ttft: Option<Duration>,
        streamed: bool,
    ) -> Self {
        Self {
            provider: provider.to_owned(),
            model: model.to_owned(),
            outcome: AttemptOutcome::Ok,
            error_kind: None,
            error: None,
            usage,
            latency,
            ttft,
            streamed,
        }
    }

    /// A call that failed with `error`.
    pub fn failed(
        provider: &str,
        model: &str,
        error: &crate::LlmError,
        latency: Duration,
        streamed: bool,
    ) -> Self {
        Self {
            outcome: AttemptOutcome::Error,
            error_kind: Some(error.kind()),
            error: Some(error.to_string()),
            ..Self::ok(provider, model, Usage::default(), latency, None, streamed)
        }
    }

    /// An answer of the offline engine.
    pub fn offline(usage: Usage, streamed: bool) -> Self {
        let offline = crate::providers::offline::OFFLINE;
        Self {
            outcome: AttemptOutcome::Offline,
            ..Self::ok(offline, offline, usage, Duration::ZERO, None, streamed)
        }
    }
}

/// Price of a model per million tokens, in US dollars.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input_per_mtok: Decimal,
    pub output_per_mtok: Decimal,
}

/// Prices by `provider/model`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct PriceTable(pub BTreeMap<String, Price>);

impl PriceTable {
    /// The cost of a call, when the model has a price (the offline engine is free).
    pub fn cost(&self, provider: &str, model: &str, usage: Usage) -> Option<Decimal> {
        if provider == crate::providers::offline::OFFLINE {
            return Some(Decimal::ZERO);
        }
        Some(self.0.get(&format!("{provider}/{model}"))?.cost(usage))
    }
}

impl Price {
    /// The cost of a call's tokens at this price, rounded to a millionth of a dollar.
    pub fn cost(&self, usage: Usage) -> Decimal {
        let million = Decimal::from(1_000_000);
        let cost = Decimal::from(usage.input_tokens) * self.input_per_mtok / million
            + Decimal::from(usage.output_tokens) * self.output_per_mtok / million;
        cost.round_dp(6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_exact_decimal() {
        let table: PriceTable = serde_json::from_value(serde_json::json!({
            "openai/gpt-4o-mini": {"input_per_mtok": "0.15", "output_per_mtok": "0.60"}
        }))
        .unwrap();
        let cost = table
            .cost(
                "openai",
                "gpt-4o-mini",
                Usage {
                    input_tokens: 1000,
                    output_tokens: 500,
                },
            )
            .unwrap();
        assert_eq!(cost.to_string(), "0.00045");
        assert_eq!(table.cost("openai", "unknown", Usage::default()), None);
        assert_eq!(
            table.cost(
                "offline",
                "offline",
                Usage {
                    input_tokens: 5,
                    output_tokens: 5
                }
            ),
            Some(Decimal::ZERO)
        );
    }
}
