//! `/api/v1/opportunities/{id}/scorecard(s)`: an opportunity's qualification scorecard (BANT,
//! MEDDICC, QBS, TAS, Sandler, Voss) as the Sales agent keeps it, and its history: one version per
//! activity that moved an element, each with what changed and why.

use axum::Json;
use axum::extract::{Path, State};
use domain::id::OpportunityId;
use domain::opportunity::Opportunity;
use domain::qualification::ScorecardVersion;
use serde::Serialize;

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, path_id};
use crate::routes::versions::{VersionsQuery, page};
use crate::state::AppState;

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
    params(("id" = String, Path, description = "Opportunity id"), VersionsQuery),
    responses((status = 200, body = ScorecardHistory), (status = 400, body = Problem),
        (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn history(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<VersionsQuery>,
) -> Result<Json<ScorecardHistory>, ApiError> {
    let id = opportunity(&state, &auth, &id).await?;
    let limit = query.limit()?;
    let items = state
        .store
        .scorecard_history(auth.tenant, id, query.before_version, limit + 1)
        .await?;
    let (items, next_before_version) = page(items, limit, |v| v.version);
    Ok(Json(ScorecardHistory {
        items,
        next_before_version,
    }))
}
