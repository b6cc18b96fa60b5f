//! Jobs of the agent runtime as the API shows them: dead letters, the jobs whose last attempt
//! failed, kept per tenant until an admin replays them.

use jiff::Timestamp;
use serde::Serialize;

use crate::id::JobId;
use crate::labels::labels;

labels! {
    /// What a job does.
    pub enum JobKind {
        /// Delivers an event to one subscriber.
        Event = "event",
        /// Fires a schedule.
        Schedule = "schedule",
        /// Executes an approved or auto-executed action.
        Action = "action",
        /// Runs a skill requested on demand.
        Skill = "skill",
    }
}

/// Attempts a job gets before it becomes a dead letter, unless it says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;

/// A job whose last attempt failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadLetter {
    /// The failed job's id; replaying enqueues a new job.
    pub id: JobId,
    pub kind: JobKind,
    /// The handler that failed, for example `supervisor` or `sales`.
    pub subscriber: String,
    /// What the job was about: the event, schedule, action or run id.
    pub subject_id: uuid::Uuid,
    /// The handler's idempotency key (`<event id>:<subscriber>` for event deliveries).
    pub dedupe_key: String,
    pub attempts: i32,
    pub last_error: String,
    pub failed_at: Timestamp,
    /// When an admin replayed it; `null` while it waits.
    pub replayed_at: Option<Timestamp>,
}
