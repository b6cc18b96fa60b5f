//! `/api/v1/approvals`: actions the guardrails held for a human. Everyone reads; a human user with
//! write rights decides (never a service key, never the person who asked for the run).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::action::ActionKind;
use domain::actor::Principal;
use domain::agent::AgentRole;
use domain::approval::{Approval, ApprovalStatus, ApproveRequest, RejectRequest};
use domain::id::{ApprovalId, UserId};
use serde::{Deserialize, Serialize};
use store::Filter;

use super::crud::{ListFilters, PageParams, id_filter, json_with_etag, label_filter, write_ctx};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, IfMatch, OptionalJson, path_id};
use crate::middleware::RequestId;
use crate::state::AppState;

/// Filters for listing approvals.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovalFilters {
    /// `pending`, `approved` or `rejected`.
    pub status: Option<String>,
    /// Action kind, for example `send_email`.
    pub kind: Option<String>,
    /// Agent role, for example `sales`.
    pub role: Option<String>,
    pub run_id: Option<String>,
}

impl ListFilters for ApprovalFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = label_filter::<ApprovalStatus>("status", self.status)?
            .into_iter()
            .collect();
        filters.extend(label_filter::<ActionKind>("kind", self.kind)?);
        filters.extend(label_filter::<AgentRole>("role", self.role)?);
        filters.extend(id_filter("run_id", self.run_id)?);
        Ok(filters)
    }
}

/// One page of approvals.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ApprovalPage {
    pub items: Vec<Approval>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/approvals", tag = "approvals", params(PageParams, ApprovalFilters),
    responses((status = 200, body = ApprovalPage), (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(filters): ApiQuery<ApprovalFilters>,
) -> Result<Json<ApprovalPage>, ApiError> {
    auth.require_reader()?;
    let query = page.into_query(filters.into_filters()?)?;
    let found = state.store.list_approvals(auth.tenant, &query).await?;
    Ok(Json(ApprovalPage {
        items: found.items,
        next_cursor: found.next_cursor.map(|c| c.to_string()),
    }))
}

#[utoipa::path(get, path = "/api/v1/approvals/{id}", tag = "approvals",
    params(("id" = String, Path, description = "Approval id")),
    responses((status = 200, body = Approval), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    auth.require_reader()?;
    let id = ApprovalId::from_uuid(path_id("approval", &id)?);
    let approval = state.store.approval(auth.tenant, id).await?;
    let version = approval.version;
    json_with_etag(StatusCode::OK, &approval, Some(version))
}

/// The human deciding: a user (personal key) who may write. Text never grants approval, and an
/// API key acting for an agent never decides.
fn decider(auth: &Auth) -> Result<UserId, ApiError> {
    let Principal::User { user_id } = auth.actor.principal else {
        return Err(ApiError::forbidden(
            "only a human user decides approvals: use a personal API key",
        ));
    };
    auth.require_writer()?;
    Ok(user_id)
}

fn decision_error(e: agents::approvals::DecisionError) -> ApiError {
    use agents::approvals::DecisionError;
    match e {
        DecisionError::OwnRequest | DecisionError::NotSeniorEnough { .. } => {
            ApiError::forbidden(e.to_string())
        }
        DecisionError::KindChanged(_) | DecisionError::Forbidden(_) => {
            ApiError::unprocessable("invalid_input", e.to_string()).with_field("payload")
        }
        DecisionError::ReasonMissing => {
            ApiError::unprocessable("invalid_input", e.to_string()).with_field("reason")
        }
        DecisionError::Store(e) => e.into(),
    }
}

#[utoipa::path(post, path = "/api/v1/approvals/{id}/approve", tag = "approvals",
    params(("id" = String, Path, description = "Approval id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if it changed")),
    request_body(content = ApproveRequest, description = "Optional: an edited payload of the same kind, and a note"),
    responses((status = 200, body = Approval), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "already decided"), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ApproveRequest>,
) -> Result<Response, ApiError> {
    let id = ApprovalId::from_uuid(path_id("approval", &id)?);
    let user = decider(&auth)?;
    let request = body.unwrap_or_default();
    let w = write_ctx(&auth, request_id.0);
    let approval = agents::approvals::approve(&state.agents, &w, id, if_match.0, user, request)
        .await
        .map_err(decision_error)?;
    let version = approval.version;
    json_with_etag(StatusCode::OK, &approval, Some(version))
}

#[utoipa::path(post, path = "/api/v1/approvals/{id}/reject", tag = "approvals",
    params(("id" = String, Path, description = "Approval id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if it changed")),
    request_body = RejectRequest,
    responses((status = 200, body = Approval), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "already decided"), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    if_match: IfMatch,
    Path(id): Path<String>,
    body: ApiJson<RejectRequest>,
) -> Result<Response, ApiError> {
    let id = ApprovalId::from_uuid(path_id("approval", &id)?);
    let user = decider(&auth)?;
    let w = write_ctx(&auth, request_id.0);
    let approval =
        agents::approvals::reject(&state.agents, &w, id, if_match.0, user, &body.value.reason)
            .await
            .map_err(decision_error)?;
    let version = approval.version;
    json_with_etag(StatusCode::OK, &approval, Some(version))
}
