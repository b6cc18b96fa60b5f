//! The job runner: claims due jobs of every tenant in batches, runs each on its subscriber's
//! handler with bounded concurrency, and then completes, retries (with jittered exponential
//! backoff) or buries it in the tenant's dead letters. A heartbeat renews the leases of jobs in
//! flight; a replica that dies stops renewing, and its jobs are claimed again when the leases end.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use store::Store;
use store::jobs::Job;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::handler::{Handler, HandlerError};

/// How the runner behaves.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Jobs run at once by this process.
    pub concurrency: usize,
    /// How long a claim holds a job; renewed every third of it while the job runs.
    pub lease: Duration,
    /// Longest wait between looks at the queue when nothing signals new work (scheduled
    /// retries become due without a signal).
    pub poll: Duration,
    /// Delay before the first retry; doubles each attempt, with jitter, up to `max_backoff`.
    pub retry_base: Duration,
    pub max_backoff: Duration,
    /// Longest a handler may run before its attempt counts as failed.
    pub handler_timeout: Duration,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            concurrency: 16,
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(500),
            retry_base: Duration::from_secs(2),
            max_backoff: Duration::from_secs(600),
            handler_timeout: Duration::from_secs(300),
        }
    }
}

/// The runner of one process.
pub struct Runtime {
    store: Store,
    handlers: HashMap<String, Arc<dyn Handler>>,
    config: RuntimeConfig,
    /// This replica's lease owner name, unique per process start.
    owner: String,
}

impl Runtime {
    /// A runner over these handlers.
    pub fn new(store: Store, handlers: Vec<Arc<dyn Handler>>, config: RuntimeConfig) -> Self {
        let owner = format!("{}-{}", std::process::id(), uuid::Uuid::now_v7().simple());
        Self {
            store,
            handlers: handlers
                .into_iter()
                .map(|h| (h.name().to_owned(), h))
                .collect(),
            config,
            owner,
        }
    }

    /// The event subscriptions of every handler, as (event kind, subscriber) pairs.
    pub fn subscriptions(&self) -> Vec<(String, String)> {
        let mut subscriptions: Vec<(String, String)> = self
            .handlers
            .values()
            .flat_map(|h| {
                h.event_kinds()
                    .into_iter()
                    .map(|kind| (kind, h.name().to_owned()))
            })
            .collect();
        subscriptions.sort();
        subscriptions
    }

    /// Registers the subscriptions and runs until `stop` turns true; then stops claiming and
    /// waits (up to the handler timeout) for the jobs in flight.
    pub async fn run(self, mut stop: watch::Receiver<bool>) -> Result<(), store::Error> {
        self.store
            .register_subscriptions(&self.subscriptions())
            .await?;
        let listener = self.store.listen_for_jobs().await?;
        let this = Arc::new(self);
        let signal = this.store.jobs_signal();
        let permits = Arc::new(Semaphore::new(this.config.concurrency.max(1)));
        let mut running: JoinSet<()> = JoinSet::new();
        let heartbeat = tokio::spawn(Arc::clone(&this).heartbeat());
        tracing::info!(owner = %this.owner, handlers = this.handlers.len(), "agent runtime started");
        loop {
            if *stop.borrow() {
                break;
            }
            while running.try_join_next().is_some() {}
            let free = permits.available_permits();
            let claimed = if free == 0 {
                Vec::new()
            } else {
                match this
                    .store
                    .claim_jobs(&this.owner, this.config.lease, free as i64)
                    .await
                {
                    Ok(jobs) => jobs,
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming jobs failed");
                        Vec::new()
                    }
                }
            };
            if claimed.is_empty() {
                tokio::select! {
                    () = signal.notified() => {}
                    () = tokio::time::sleep(this.config.poll) => {}
                    _ = stop.changed() => {}
                    Some(_) = running.join_next(), if !running.is_empty() => {}
                }
                continue;
            }
            for job in claimed {
                let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                    // Cannot happen (we claimed no more than the free permits); release the job.
                    let _ = this
                        .store
                        .retry_job(job.id, &this.owner, store::now())
                        .await;
                    continue;
                };
                let runner = Arc::clone(&this);
                running.spawn(async move {
                    runner.run_job(job).await;
                    drop(permit);
                });
            }
        }
        let deadline = tokio::time::sleep(this.config.handler_timeout);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                next = running.join_next() => if next.is_none() { break },
                () = &mut deadline => {
                    tracing::warn!(jobs = running.len(), "jobs still running at shutdown; their leases will expire");
                    running.abort_all();
                    break;
                }
            }
        }
        heartbeat.abort();
        // The listener holds a pooled connection: left running, it would keep the pool from
        // closing.
        if let Some(listener) = listener {
            listener.abort();
        }
        tracing::info!("agent runtime stopped");
        Ok(())
    }

    async fn heartbeat(self: Arc<Self>) {
        let every = (self.config.lease / 3).max(Duration::from_millis(100));
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = self
                .store
                .renew_leases(&self.owner, self.config.lease)
                .await
            {
                tracing::warn!(error = %e, "renewing job leases failed");
            }
        }
    }

    async fn run_job(&self, job: Job) {
        let waited = (store::now() - job.enqueued_at)
            .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        if job.attempts == 1 {
            metrics::histogram!("agent_army_job_dispatch_seconds").record(waited.max(0.0));
        }
        let started = Instant::now();
        let outcome = match self.handlers.get(&job.subscriber) {
            None => Err(HandlerError::Permanent(format!(
                "no handler named {:?} in this server",
                job.subscriber
            ))),
            Some(handler) => {
                match tokio::time::timeout(self.config.handler_timeout, handler.handle(&job)).await
                {
                    Ok(result) => result,
                    Err(_) => Err(HandlerError::Transient(format!(
                        "the handler ran longer than {:?}",
                        self.config.handler_timeout
                    ))),
                }
            }
        };
        metrics::histogram!("agent_army_job_run_seconds", "subscriber" => job.subscriber.clone())
            .record(started.elapsed().as_secs_f64());
        let result = match outcome {
            Ok(()) => {
                metrics::counter!("agent_army_jobs_total", "outcome" => "done").increment(1);
                self.store.complete_job(job.id, &self.owner).await
            }
            Err(HandlerError::Transient(error)) if job.attempts < job.max_attempts => {
                metrics::counter!("agent_army_jobs_total", "outcome" => "retry").increment(1);
                let delay = self.backoff(job.attempts);
                tracing::warn!(job = %job.id, tenant = %job.tenant, subscriber = %job.subscriber,
                    attempt = job.attempts, retry_in = ?delay, %error, "job failed; will retry");
                let run_at = jiff::SignedDuration::try_from(delay)
                    .ok()
                    .and_then(|d| store::now().checked_add(d).ok())
                    .unwrap_or_else(store::now);
                self.store.retry_job(job.id, &self.owner, run_at).await
            }
            Err(HandlerError::Transient(error) | HandlerError::Permanent(error)) => {
                metrics::counter!("agent_army_jobs_total", "outcome" => "dead").increment(1);
                tracing::error!(job = %job.id, tenant = %job.tenant, subscriber = %job.subscriber,
                    attempts = job.attempts, %error, "job failed for good; moved to dead letters");
                self.store.bury_job(&job, &self.owner, &error).await
            }
        };
        match result {
            Ok(true) => {}
            Ok(false) => tracing::warn!(job = %job.id, "lost the job's lease before finishing it"),
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e, "recording the job's outcome failed")
            }
        }
    }

    /// `retry_base * 2^(attempt-1)`, capped, with up to 25% jitter either way.
    fn backoff(&self, attempt: i32) -> Duration {
        let exponent = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        let base = self
            .config
            .retry_base
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.config.max_backoff);
        let mut byte = [0u8; 1];
        let jitter = if getrandom::fill(&mut byte).is_ok() {
            0.75 + f64::from(byte[0]) / 255.0 * 0.5
        } else {
            1.0
        };
        base.mul_f64(jitter)
    }
}
