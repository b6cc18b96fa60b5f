//! LLM call records: the stored trace of each attempt, built from what the gateway reports, with
//! its cost from the tenant's prices or the installation's price table.

use std::collections::BTreeMap;
use std::time::Duration;

use domain::id::LlmCallId;
use domain::llm_call::{CallOutcome, LlmCall};
use domain::llm_settings::ModelPrice;

use crate::{Attempt, AttemptOutcome, Gateway};

/// Where a call came from.
pub struct CallSource<'a> {
    pub route: &'a str,
    pub skill: Option<&'a str>,
    /// The redacted prompt, when the tenant keeps prompts.
    pub prompt: Option<&'a str>,
    /// The tenant's own prices by `provider/model`, before the installation's.
    pub prices: &'a BTreeMap<String, ModelPrice>,
    /// The agent run the call belongs to, when one made it.
    pub agent_run_id: Option<uuid::Uuid>,
}

/// The prompt as kept in traces: one `role: content` line per message, redacted.
pub fn kept_prompt(request: &crate::ChatRequest) -> String {
    let text: Vec<String> = request
        .messages
        .iter()
        .map(|m| {
            format!(
                "{}: {}",
                serde_json::to_value(m.role)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                m.content
            )
        })
        .collect();
    crate::redact::redact(&text.join("\n"))
}

/// Builds the records of a call's attempts; the last one (the one that answered) carries the
/// redacted completion when prompts are kept.
pub fn to_calls(
    gateway: &Gateway,
    source: &CallSource<'_>,
    attempts: Vec<Attempt>,
    completion: Option<&str>,
    started_at: jiff::Timestamp,
) -> Vec<LlmCall> {
    let mut calls: Vec<LlmCall> = attempts
        .into_iter()
        .map(|a| to_call(gateway, source, a, started_at))
        .collect();
    if let (Some(last), Some(text), true) = (calls.last_mut(), completion, source.prompt.is_some())
    {
        last.completion = Some(crate::redact::redact(text));
    }
    calls
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The tenant's price for the attempt's model, if it set one (the offline engine stays free).
fn tenant_price(prices: &BTreeMap<String, ModelPrice>, attempt: &Attempt) -> Option<crate::Price> {
    if prices.is_empty() || attempt.outcome == AttemptOutcome::Offline {
        return None;
    }
    let price = prices.get(&format!("{}/{}", attempt.provider, attempt.model))?;
    Some(crate::Price {
        input_per_mtok: price.input_per_mtok,
        output_per_mtok: price.output_per_mtok,
    })
}

/// The stored record of one attempt.
pub fn to_call(
    gateway: &Gateway,
    source: &CallSource<'_>,
    attempt: Attempt,
    started_at: jiff::Timestamp,
) -> LlmCall {
    let cost = tenant_price(source.prices, &attempt)
        .map(|price| price.cost(attempt.usage))
        .or_else(|| gateway.cost(&attempt.provider, &attempt.model, attempt.usage));
    LlmCall {
        id: LlmCallId::generate(),
        route: source.route.to_owned(),
        skill: source.skill.map(str::to_owned),
        agent_run_id: source.agent_run_id,
        outcome: match attempt.outcome {
            AttemptOutcome::Ok => CallOutcome::Ok,
            AttemptOutcome::Error => CallOutcome::Error,
            AttemptOutcome::Offline => CallOutcome::Offline,
        },
        provider: attempt.provider,
        model: attempt.model,
        error_kind: attempt.error_kind.map(str::to_owned),
        error: attempt.error,
        input_tokens: i64::try_from(attempt.usage.input_tokens).unwrap_or(i64::MAX),
        output_tokens: i64::try_from(attempt.usage.output_tokens).unwrap_or(i64::MAX),
        cost_usd: cost,
        latency_ms: millis(attempt.latency),
        ttft_ms: attempt.ttft.map(millis),
        streamed: attempt.streamed,
        prompt: source.prompt.map(str::to_owned),
        completion: None,
        started_at,
    }
}
