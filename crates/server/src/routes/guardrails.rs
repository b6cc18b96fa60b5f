//! `/api/v1/guardrails/policy`: per action kind, whether agents' proposals run, wait for a human,
//! or are forbidden. Everyone reads; admins change it. The hard rules sit above it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::guardrail_policy::{GuardrailPolicy, GuardrailPolicyPatch};

use super::crud::{json_with_etag, write_ctx};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, IfMatch};
use crate::middleware::RequestId;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/guardrails/policy", tag = "approvals",
    responses((status = 200, body = GuardrailPolicy)), security(("api_key" = [])))]
pub async fn get(State(state): State<AppState>, auth: Auth) -> Result<Response, ApiError> {
    auth.require_reader()?;
    let policy = state.store.guardrail_policy(auth.tenant).await?;
    let version = policy.version;
    json_with_etag(StatusCode::OK, &policy, Some(version))
}

#[utoipa::path(patch, path = "/api/v1/guardrails/policy", tag = "approvals", request_body = GuardrailPolicyPatch,
    params(("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if it changed")),
    responses((status = 200, body = GuardrailPolicy), (status = 403, body = Problem), (status = 412, body = Problem),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    if_match: IfMatch,
    body: ApiJson<GuardrailPolicyPatch>,
) -> Result<Response, ApiError> {
    auth.require_admin()?;
    let patch = body.value;
    let w = write_ctx(&auth, request_id.0);
    let policy = state
        .store
        .update_guardrail_policy(&w, if_match.0, |p| patch.apply(p))
        .await?;
    let version = policy.version;
    json_with_etag(StatusCode::OK, &policy, Some(version))
}
