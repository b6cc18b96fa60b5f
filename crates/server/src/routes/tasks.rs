//! `/api/v1/tasks`: work to do, assigned to users.

use domain::task::{NewTask, Task, TaskPatch, TaskPriority, TaskStatus};
use serde::Deserialize;
use store::Filter;

use super::crud::{
    ListFilters, create_handler, delete_handler, get_handler, id_filter, label_filter,
    list_handler, update_handler,
};
use crate::error::ApiError;

/// Filters for listing tasks.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskFilters {
    pub status: Option<String>,
    pub priority: Option<String>,
    pub assignee_id: Option<String>,
    pub account_id: Option<String>,
    pub opportunity_id: Option<String>,
}

impl ListFilters for TaskFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = label_filter::<TaskStatus>("status", self.status)?
            .into_iter()
            .collect();
        filters.extend(label_filter::<TaskPriority>("priority", self.priority)?);
        filters.extend(id_filter("assignee_id", self.assignee_id)?);
        filters.extend(id_filter("account_id", self.account_id)?);
        filters.extend(id_filter("opportunity_id", self.opportunity_id)?);
        Ok(filters)
    }
}

list_handler!(resource: Task, page: TaskPage, filters: TaskFilters, tag: "tasks",
    collection: "/api/v1/tasks", check: require_reader);
get_handler!(resource: Task, tag: "tasks", item: "/api/v1/tasks/{id}", name: "task", check: require_reader);
create_handler!(resource: Task, new: NewTask, into: into_task, tag: "tasks", collection: "/api/v1/tasks",
    check: require_writer);
update_handler!(resource: Task, patch: TaskPatch, tag: "tasks", item: "/api/v1/tasks/{id}", name: "task",
    check: require_writer);
delete_handler!(resource: Task, tag: "tasks", item: "/api/v1/tasks/{id}", name: "task", check: require_writer);
