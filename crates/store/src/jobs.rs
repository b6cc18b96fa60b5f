//! Job queue types: what a worker claims and what callers enqueue.

use domain::id::{JobId, TenantId};
use domain::job::JobKind;
use jiff::Timestamp;

/// A job leased to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub tenant: TenantId,
    pub kind: JobKind,
    /// The handler that runs it.
    pub subscriber: String,
    /// The event, schedule, action or run it is about.
    pub subject_id: uuid::Uuid,
    /// Unique per tenant while queued; handlers key their effects with it.
    pub dedupe_key: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
    pub max_attempts: i32,
    pub enqueued_at: Timestamp,
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: JobKind,
    pub subscriber: String,
    pub subject_id: uuid::Uuid,
    pub dedupe_key: String,
    pub max_attempts: i32,
    /// Not before this time.
    pub run_at: Timestamp,
}
