//! Tasks: work to do for an account or opportunity, assigned to a user.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::{AccountId, OpportunityId, TaskId, UserId};
use crate::labels::labels;
use crate::text;
use crate::time::check_date;

labels! {
    /// Where a task stands.
    pub enum TaskStatus {
        Open = "open",
        InProgress = "in_progress",
        Done = "done",
        Cancelled = "cancelled",
    }
}

labels! {
    /// How urgent a task is.
    pub enum TaskPriority {
        Low = "low",
        Normal = "normal",
        High = "high",
    }
}

/// A task.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: TaskId,
    pub title: String,
    pub description: Option<String>,
    pub status: TaskStatus,
    pub priority: TaskPriority,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub due_date: Option<Date>,
    pub assignee_id: Option<UserId>,
    pub account_id: Option<AccountId>,
    pub opportunity_id: Option<OpportunityId>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Input for creating a task.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub priority: Option<TaskPriority>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub due_date: Option<Date>,
    #[serde(default)]
    pub assignee_id: Option<UserId>,
    #[serde(default)]
    pub account_id: Option<AccountId>,
    #[serde(default)]
    pub opportunity_id: Option<OpportunityId>,
}

impl NewTask {
    /// Validates the input into an open task.
    pub fn into_task(self, now: Timestamp) -> Result<Task> {
        Ok(Task {
            id: TaskId::generate(),
            title: text::line("title", &self.title)?,
            description: self
                .description
                .map(|d| text::body("description", &d))
                .transpose()?,
            status: TaskStatus::Open,
            priority: self.priority.unwrap_or(TaskPriority::Normal),
            due_date: self
                .due_date
                .map(|d| check_date("due_date", d))
                .transpose()?,
            assignee_id: self.assignee_id,
            account_id: self.account_id,
            opportunity_id: self.opportunity_id,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

/// A partial update of a task.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub status: Option<TaskStatus>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub priority: Option<TaskPriority>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub due_date: Option<Option<Date>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub assignee_id: Option<Option<UserId>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub account_id: Option<Option<AccountId>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub opportunity_id: Option<Option<OpportunityId>>,
}

impl TaskPatch {
    /// Applies the patch.
    pub fn apply(self, task: &mut Task) -> Result<()> {
        if let Some(title) = self.title {
            task.title = text::line("title", &title)?;
        }
        if let Some(description) = self.description {
            task.description = description
                .map(|d| text::body("description", &d))
                .transpose()?;
        }
        if let Some(status) = self.status {
            task.status = status;
        }
        if let Some(priority) = self.priority {
            task.priority = priority;
        }
        if let Some(due) = self.due_date {
            task.due_date = due.map(|d| check_date("due_date", d)).transpose()?;
        }
        if let Some(assignee) = self.assignee_id {
            task.assignee_id = assignee;
        }
        if let Some(account) = self.account_id {
            task.account_id = account;
        }
        if let Some(opp) = self.opportunity_id {
            task.opportunity_id = opp;
        }
        Ok(())
    }
}
