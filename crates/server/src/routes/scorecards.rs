//! `/api/v1/opportunities/{id}/scorecard(s)`: an opportunity's qualification scorecard (BANT,
//! MEDDICC, QBS, TAS, Sandler, Voss) as the Sales agent keeps it, and its history: one version per
//! activity that moved an element, each with what changed and why.

use axum::Json;
use axum::extract::{Path, State};
use domain::id::OpportunityId;
use domain::opportunity::Opportunity;
use domain::qualification::ScorecardVersion;
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, path_id};
use crate::state::AppState;

/// Most versions one page lists.
const MAX_LIMIT: u32 = 200;

/// Paging through the history.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Versions per page (1–200, default 50).
    pub limit: Option<u32>,
    /// Versions older than this one (the previous page's `next_before_version`).
    pub before_version: Option<i64>,
}

/// A page of scorecard versions, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ScorecardHistory {
    pub items: Vec<ScorecardVersion>,
    /// Pass as `before_version` for the next page; absent on the last page.
    pub next_before_version: Option<i64>,
}

/// The opportunity, or 404 (also for another tenant's).
async fn opportunity(state: &AppState, auth: &Auth, id: &str) -> Result<OpportunityId, ApiError> {
    let id = OpportunityId::from_uuid(path_id("opportunity", id)?);
    state
        .store
        .get::<Opportunity>(auth.tenant, id.as_uuid())
        .await?;
    Ok(id)
}

#[utoipa::path(get, path = "/api/v1/opportunities/{id}/scorecard", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id")),
    responses((status = 200, body = ScorecardVersion), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn current(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<ScorecardVersion>, ApiError> {
    let id = opportunity(&state, &auth, &id).await?;
    let latest = state
        .store
        .scorecard_history(auth.tenant, id, None, 1)
        .await?;
    latest.into_iter().next().map(Json).ok_or_else(|| {
        ApiError::not_found(format!(
            "opportunity {id} has no scorecard yet: the Sales agent qualifies it from its activities"
        ))
    })
}

#[utoipa::path(get, path = "/api/v1/opportunities/{id}/scorecards", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id"), HistoryQuery),
    responses((status = 200, body = ScorecardHistory), (status = 400, body = Problem),
        (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn history(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Json<ScorecardHistory>, ApiError> {
    let id = opportunity(&state, &auth, &id).await?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        )
        .with_field("limit"));
    }
    let mut items = state
        .store
        .scorecard_history(auth.tenant, id, query.before_version, limit + 1)
        .await?;
    let next_before_version = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|v| v.version)
    } else {
        None
    };
    Ok(Json(ScorecardHistory {
        items,
        next_before_version,
    }))
}
