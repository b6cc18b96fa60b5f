//! Writes LLM call traces off the request path: handlers hand records to a channel, one owned
//! task batches them into the store, then hands them to the OTLP exporter when one is configured.
//! The task ends when the last sender is dropped (the server has stopped), after writing what it
//! holds.

pub mod otlp;

use std::time::Duration;

use domain::id::TenantId;
use domain::llm_call::LlmCall;
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

pub use llm::record::{CallSource, kept_prompt, to_call, to_calls};
