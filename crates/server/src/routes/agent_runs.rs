//! `/api/v1/agent-runs`: every execution of a skill, with what triggered it, who answered, and each
//! proposed action with its guardrail decision.

use axum::Json;
use axum::extract::{Path, State};
use domain::agent::AgentRole;
use domain::agent_run::{AgentRun, RunStatus, RunTrigger};
use domain::id::AgentRunId;
use serde::{Deserialize, Serialize};
use store::{Filter, SqlValue};

use super::crud::{ListFilters, PageParams, id_filter, label_filter};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, path_id};
use crate::state::AppState;

/// Filters for listing runs.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunFilters {
    /// Runs the activity triggered.
    pub activity_id: Option<String>,
    pub opportunity_id: Option<String>,
    pub account_id: Option<String>,
    /// Agent role, for example `sales`.
    pub role: Option<String>,
    pub skill: Option<String>,
    /// `event`, `schedule`, `manual` or `handoff`.
    pub trigger: Option<String>,
    /// `succeeded` or `failed`.
    pub status: Option<String>,
    /// Only runs whose input showed signs of prompt injection (`true`) or none (`false`).
    pub injection_suspected: Option<bool>,
}

impl ListFilters for RunFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = id_filter("activity_id", self.activity_id)?
            .into_iter()
            .collect();
        filters.extend(id_filter("opportunity_id", self.opportunity_id)?);
        filters.extend(id_filter("account_id", self.account_id)?);
        filters.extend(label_filter::<AgentRole>("role", self.role)?);
        filters.extend(label_filter::<RunTrigger>("trigger", self.trigger)?);
        filters.extend(label_filter::<RunStatus>("status", self.status)?);
        if let Some(skill) = self.skill {
            filters.push(Filter::Eq("skill", SqlValue::text(skill.trim())));
        }
        if let Some(flag) = self.injection_suspected {
            filters.push(Filter::Eq("injection_suspected", SqlValue::Bool(flag)));
        }
        Ok(filters)
    }
}

/// One page of runs.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AgentRunPage {
    pub items: Vec<AgentRun>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/agent-runs", tag = "agents", params(PageParams, RunFilters),
    responses((status = 200, body = AgentRunPage), (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(filters): ApiQuery<RunFilters>,
) -> Result<Json<AgentRunPage>, ApiError> {
    auth.require_reader()?;
    let query = page.into_query(filters.into_filters()?)?;
    let found = state.store.list_agent_runs(auth.tenant, &query).await?;
    Ok(Json(AgentRunPage {
        items: found.items,
        next_cursor: found.next_cursor.map(|c| c.to_string()),
    }))
}

#[utoipa::path(get, path = "/api/v1/agent-runs/{id}", tag = "agents",
    params(("id" = String, Path, description = "Agent run id")),
    responses((status = 200, body = AgentRun), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AgentRun>, ApiError> {
    auth.require_reader()?;
    let id = AgentRunId::from_uuid(path_id("agent run", &id)?);
    Ok(Json(state.store.agent_run(auth.tenant, id).await?))
}
