//! What the runtime runs: a handler per subscriber name.

use async_trait::async_trait;
use store::jobs::Job;

/// Why a handler failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Worth another attempt (a database or model hiccup).
    #[error("{0}")]
    Transient(String),
    /// Will fail the same way every time (bad data); goes to the dead letters at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<store::Error> for HandlerError {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::NotFound { .. }
            | store::Error::Invalid(_)
            | store::Error::UnknownReference { .. }
            | store::Error::IdempotencyMismatch(_) => Self::Permanent(e.to_string()),
            other => Self::Transient(other.to_string()),
        }
    }
}

/// Runs the jobs of one subscriber. Jobs are delivered at least once: a handler keys its effects
/// with [`Job::dedupe_key`] so that a second delivery changes nothing.
#[async_trait]
pub trait Handler: Send + Sync {
    /// The subscriber name jobs carry, for example `supervisor`.
    fn name(&self) -> &str;

    /// Event kinds (`resource.action`, for example `activity.created`) delivered to this handler.
    fn event_kinds(&self) -> Vec<String> {
        Vec::new()
    }

    /// Runs one job.
    async fn handle(&self, job: &Job) -> Result<(), HandlerError>;
}
