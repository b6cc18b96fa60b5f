//! `/api/v1/accounts/{id}/plan` and `/api/v1/opportunities/{id}/plan`: the Sales agent's account
//! plan (whitespace, goals, stakeholders, relationship strategy) and opportunity plan (mutual
//! action plan, risks, next steps, close plan) as JSON or Markdown, their versions with each
//! change's reason, and a refresh on demand. Plans are refreshed by the agent whenever an
//! activity on a deal is qualified.

use agents::crew::sales::plans;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::account::Account;
use domain::id::{AccountId, OpportunityId};
use domain::opportunity::Opportunity;
use domain::plan::{PlanKind, PlanVersion};
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, path_id};
use crate::state::AppState;

/// Most versions one page lists.
const MAX_LIMIT: u32 = 200;

/// How to render a plan.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlanQuery {
    /// `json` (default: the stored version with its changes) or `markdown`.
    pub format: Option<String>,
}

/// Paging through a plan's versions.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlanHistoryQuery {
    /// Versions per page (1–200, default 50).
    pub limit: Option<u32>,
    /// Versions older than this one (the previous page's `next_before_version`).
    pub before_version: Option<i64>,
}

/// A page of plan versions, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PlanHistory {
    pub items: Vec<PlanVersion>,
    /// Pass as `before_version` for the next page; absent on the last page.
    pub next_before_version: Option<i64>,
}

/// What a plan is for, checked to be the tenant's (404 otherwise).
struct Subject {
    kind: PlanKind,
    id: uuid::Uuid,
    account: AccountId,
    opportunity: Option<OpportunityId>,
}

async fn account(state: &AppState, auth: &Auth, raw: &str) -> Result<Subject, ApiError> {
    let id = path_id("account", raw)?;
    let account: Account = state.store.get(auth.tenant, id).await?;
    Ok(Subject {
        kind: PlanKind::Account,
        id,
        account: account.id,
        opportunity: None,
    })
}

async fn opportunity(state: &AppState, auth: &Auth, raw: &str) -> Result<Subject, ApiError> {
    let id = path_id("opportunity", raw)?;
    let deal: Opportunity = state.store.get(auth.tenant, id).await?;
    Ok(Subject {
        kind: PlanKind::Opportunity,
        id,
        account: deal.account_id,
        opportunity: Some(deal.id),
    })
}

async fn latest(state: &AppState, auth: &Auth, subject: &Subject) -> Result<PlanVersion, ApiError> {
    let latest = state
        .store
        .plan_history(auth.tenant, subject.kind, subject.id, None, 1)
        .await?;
    latest.into_iter().next().ok_or_else(|| {
        ApiError::not_found(format!(
            "no {} plan for {} yet: the Sales agent writes it when an activity on a deal arrives, \
             or POST to …/plan/refresh",
            subject.kind, subject.id
        ))
    })
}

fn render(version: PlanVersion, format: Option<&str>) -> Result<Response, ApiError> {
    match format.unwrap_or("json") {
        "json" => Ok(Json(version).into_response()),
        "markdown" => {
            let text = plans::to_markdown(&version)
                .ok_or_else(|| ApiError::internal("a stored plan does not read as a plan"))?;
            Ok((
                [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
                text,
            )
                .into_response())
        }
        other => Err(ApiError::bad_request(
            "invalid_query",
            format!("format must be json or markdown, not {other:?}"),
        )
        .with_field("format")),
    }
}

async fn history(
    state: &AppState,
    auth: &Auth,
    subject: &Subject,
    query: PlanHistoryQuery,
) -> Result<Json<PlanHistory>, ApiError> {
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
        .plan_history(
            auth.tenant,
            subject.kind,
            subject.id,
            query.before_version,
            limit + 1,
        )
        .await?;
    let next_before_version = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|v| v.version)
    } else {
        None
    };
    Ok(Json(PlanHistory {
        items,
        next_before_version,
    }))
}

async fn refresh(state: &AppState, auth: &Auth, subject: &Subject) -> Result<Response, ApiError> {
    auth.require_writer()?;
    plans::refresh(
        &state.store,
        auth.tenant,
        subject.account,
        subject.opportunity,
        None,
    )
    .await?;
    let version = latest(state, auth, subject).await?;
    Ok(Json(version).into_response())
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/plan", tag = "accounts",
    params(("id" = String, Path, description = "Account id"), PlanQuery),
    responses((status = 200, body = PlanVersion, description = "The latest version, or its Markdown"),
        (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn account_plan(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PlanQuery>,
) -> Result<Response, ApiError> {
    let subject = account(&state, &auth, &id).await?;
    render(
        latest(&state, &auth, &subject).await?,
        query.format.as_deref(),
    )
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/plans", tag = "accounts",
    params(("id" = String, Path, description = "Account id"), PlanHistoryQuery),
    responses((status = 200, body = PlanHistory), (status = 400, body = Problem),
        (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn account_plan_history(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PlanHistoryQuery>,
) -> Result<Json<PlanHistory>, ApiError> {
    let subject = account(&state, &auth, &id).await?;
    history(&state, &auth, &subject, query).await
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/plan/refresh", tag = "accounts",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, body = PlanVersion, description = "The latest version after the refresh"),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn refresh_account_plan(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let subject = account(&state, &auth, &id).await?;
    refresh(&state, &auth, &subject).await
}

#[utoipa::path(get, path = "/api/v1/opportunities/{id}/plan", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id"), PlanQuery),
    responses((status = 200, body = PlanVersion, description = "The latest version, or its Markdown"),
        (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn opportunity_plan(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PlanQuery>,
) -> Result<Response, ApiError> {
    let subject = opportunity(&state, &auth, &id).await?;
    render(
        latest(&state, &auth, &subject).await?,
        query.format.as_deref(),
    )
}

#[utoipa::path(get, path = "/api/v1/opportunities/{id}/plans", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id"), PlanHistoryQuery),
    responses((status = 200, body = PlanHistory), (status = 400, body = Problem),
        (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn opportunity_plan_history(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PlanHistoryQuery>,
) -> Result<Json<PlanHistory>, ApiError> {
    let subject = opportunity(&state, &auth, &id).await?;
    history(&state, &auth, &subject, query).await
}

#[utoipa::path(post, path = "/api/v1/opportunities/{id}/plan/refresh", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id")),
    responses((status = 200, body = PlanVersion, description = "The latest version after the refresh"),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn refresh_opportunity_plan(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let subject = opportunity(&state, &auth, &id).await?;
    refresh(&state, &auth, &subject).await
}
