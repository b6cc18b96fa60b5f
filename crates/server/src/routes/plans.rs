//! `/api/v1/accounts/{id}/plan` and `/api/v1/opportunities/{id}/plan`: the Sales agent's account
//! plan (whitespace, goals, stakeholders, relationship strategy) and opportunity plan (mutual
//! action plan, risks, next steps, close plan) as JSON or Markdown, their versions with each
//! change's reason, and a refresh on demand. Plans are refreshed by the agent whenever an
//! activity on a deal is qualified.

use agents::crew::sales::plans;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use domain::account::Account;
use domain::id::{AccountId, OpportunityId};
use domain::opportunity::Opportunity;
use domain::plan::{PlanKind, PlanVersion};
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, path_id};
use crate::routes::rendering::Rendering;
use crate::routes::versions::{VersionsQuery, page};
use crate::state::AppState;

/// How to render a plan.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlanQuery {
    /// `json` (default: the stored version with its changes) or `markdown`.
    pub format: Option<String>,
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
    let rendering = Rendering::parse(format)?;
    let markdown = match rendering {
        Rendering::Markdown => Some(
            plans::to_markdown(&version)
                .ok_or_else(|| ApiError::internal("a stored plan does not read as a plan"))?,
        ),
        Rendering::Json => None,
    };
    Ok(rendering.respond(&version, || markdown.unwrap_or_default()))
}

async fn history(
    state: &AppState,
    auth: &Auth,
    subject: &Subject,
    query: VersionsQuery,
) -> Result<Json<PlanHistory>, ApiError> {
    let limit = query.limit()?;
    let items = state
        .store
        .plan_history(
            auth.tenant,
            subject.kind,
            subject.id,
            query.before_version,
            limit + 1,
        )
        .await?;
    let (items, next_before_version) = page(items, limit, |v| v.version);
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
    params(("id" = String, Path, description = "Account id"), VersionsQuery),
    responses((status = 200, body = PlanHistory), (status = 400, body = Problem),
        (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn account_plan_history(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<VersionsQuery>,
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
    params(("id" = String, Path, description = "Opportunity id"), VersionsQuery),
    responses((status = 200, body = PlanHistory), (status = 400, body = Problem),
        (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn opportunity_plan_history(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<VersionsQuery>,
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
