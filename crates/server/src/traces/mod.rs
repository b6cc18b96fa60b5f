//! Writes LLM call traces off the request path: handlers hand records to a channel, one owned
//! task batches them into the store, then hands them to the OTLP exporter when one is configured.
//! The task ends when the last sender is dropped (the server has stopped), after writing what it
//! holds.

pub mod otlp;

use std::collections::BTreeMap;
use std::time::Duration;

use domain::id::{LlmCallId, TenantId};
use domain::llm_call::{CallOutcome, LlmCall};
use domain::llm_settings::ModelPrice;
use llm::{Attempt, AttemptOutcome, Gateway};
use store::Store;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Records waiting to be written, at most; past it new records are dropped with a warning rather
/// than slowing requests.
const QUEUE: usize = 10_000;
/// Most records written in one transaction.
const BATCH: usize = 200;
/// How long the writer waits for more records before writing a partial batch: a commit per call
/// would cost more than the call's own handling under load. `flush` cuts the wait short.
const LINGER: Duration = Duration::from_millis(20);

enum Message {
    Record(TenantId, Vec<LlmCall>),
    Flush(oneshot::Sender<()>),
}

/// The sending side; cheap to clone.
#[derive(Clone)]
pub struct TraceWriter {
    tx: mpsc::Sender<Message>,
}

impl TraceWriter {
    /// Starts the writer task; stored records are also exported as spans when `otlp` is given.
    pub fn spawn(store: Store, otlp: Option<otlp::OtlpExporter>) -> (Self, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(write_loop(store, otlp, rx));
        (Self { tx }, task)
    }

    /// Queues records of one tenant.
    pub fn record(&self, tenant: TenantId, calls: Vec<LlmCall>) {
        if calls.is_empty() {
            return;
        }
        if self.tx.try_send(Message::Record(tenant, calls)).is_err() {
            tracing::warn!(%tenant, "LLM trace queue full or closed; records dropped");
        }
    }

    /// Waits until everything queued before this call is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// Records gathered for one write, by tenant, and the flushes waiting for it.
#[derive(Default)]
struct Pending {
    batch: Vec<(TenantId, Vec<LlmCall>)>,
    len: usize,
    flushes: Vec<oneshot::Sender<()>>,
}

impl Pending {
    fn take(&mut self, message: Message) {
        match message {
            Message::Record(tenant, calls) => {
                self.len += calls.len();
                match self.batch.iter_mut().find(|(t, _)| *t == tenant) {
                    Some((_, pending)) => pending.extend(calls),
                    None => self.batch.push((tenant, calls)),
                }
            }
            Message::Flush(done) => self.flushes.push(done),
        }
    }
}

async fn write_loop(
    store: Store,
    otlp: Option<otlp::OtlpExporter>,
    mut rx: mpsc::Receiver<Message>,
) {
    while let Some(first) = rx.recv().await {
        let mut pending = Pending::default();
        pending.take(first);
        let deadline = tokio::time::Instant::now() + LINGER;
        while pending.len < BATCH && pending.flushes.is_empty() {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(message)) => pending.take(message),
                // Closed (the writer drains and ends) or the wait is over.
                Ok(None) | Err(_) => break,
            }
        }
        let Pending { batch, flushes, .. } = pending;
        for (tenant, calls) in batch {
            if let Err(e) = store.record_llm_calls(tenant, &calls).await {
                tracing::error!(%tenant, error = %e, count = calls.len(), "writing LLM traces failed");
            }
            if let Some(exporter) = &otlp {
                exporter.export(tenant, &calls);
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Where a call came from.
pub struct CallSource<'a> {
    pub route: &'a str,
    pub skill: Option<&'a str>,
    /// The redacted prompt, when the tenant keeps prompts.
    pub prompt: Option<&'a str>,
    /// The tenant's own prices by `provider/model`, before the installation's.
    pub prices: &'a BTreeMap<String, ModelPrice>,
}

/// The prompt as kept in traces: one `role: content` line per message, redacted.
pub fn kept_prompt(request: &llm::ChatRequest) -> String {
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
    llm::redact::redact(&text.join("\n"))
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
        last.completion = Some(llm::redact::redact(text));
    }
    calls
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The tenant's price for the attempt's model, if it set one (the offline engine stays free).
fn tenant_price(prices: &BTreeMap<String, ModelPrice>, attempt: &Attempt) -> Option<llm::Price> {
    if prices.is_empty() || attempt.outcome == AttemptOutcome::Offline {
        return None;
    }
    let price = prices.get(&format!("{}/{}", attempt.provider, attempt.model))?;
    Some(llm::Price {
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
        agent_run_id: None,
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
