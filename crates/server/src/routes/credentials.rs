//! `/api/v1/integrations/credentials`: a tenant's integration credentials, write-only. A secret
//! is sealed before it is stored and no endpoint ever returns it; reads list which integrations
//! have one, with the non-secret account, a keyed fingerprint and who set it when. Admins only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::credential::{CredentialInfo, Integration, NewCredential};
use serde::Serialize;
use store::WriteCtx;

use super::crud::write_ctx;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::middleware::RequestId;
use crate::state::AppState;

/// The tenant's credentials, without their secrets.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CredentialList {
    pub items: Vec<CredentialInfo>,
    /// Whether this installation can store credentials (it has a secrets key).
    pub storable: bool,
}

fn integration(raw: &str) -> Result<Integration, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::not_found(format!(
            "no integration {raw:?}; known: {}",
            Integration::ALL
                .iter()
                .map(|i| i.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// Seals and stores a credential: the one path every writer (API, admin console) takes.
pub async fn store_credential(
    state: &AppState,
    w: &WriteCtx,
    integration: Integration,
    input: &NewCredential,
) -> Result<CredentialInfo, ApiError> {
    let account = input.check()?;
    let Some(secrets) = &state.config.secrets else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "secrets_key_missing",
            "Credentials cannot be stored",
            "this installation has no secrets key: the operator sets secrets_key (AGENT_ARMY_SECRETS_KEY) to 64 hex digits",
        ));
    };
    let sealed = secrets
        .seal(w.tenant, integration, &input.secret)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let fingerprint = secrets.fingerprint(&input.secret);
    Ok(state
        .store
        .put_credential(w, integration, account.as_deref(), &sealed, &fingerprint)
        .await?)
}

#[utoipa::path(get, path = "/api/v1/integrations/credentials", tag = "integrations",
    responses((status = 200, body = CredentialList), (status = 403, body = Problem)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<CredentialList>, ApiError> {
    auth.require_admin()?;
    Ok(Json(CredentialList {
        items: state.store.list_credentials(auth.tenant).await?,
        storable: state.config.secrets.is_some(),
    }))
}

#[utoipa::path(put, path = "/api/v1/integrations/credentials/{integration}", tag = "integrations",
    request_body = NewCredential,
    params(("integration" = String, Path, description = "google, recall_ai, heygen, vapi, notion, hubspot or salesforce")),
    responses((status = 200, body = CredentialInfo, description = "Stored sealed; the secret is never returned"),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn put(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    Path(raw): Path<String>,
    body: ApiJson<NewCredential>,
) -> Result<Json<CredentialInfo>, ApiError> {
    auth.require_admin()?;
    let integration = integration(&raw)?;
    let w = write_ctx(&auth, request_id.0);
    Ok(Json(
        store_credential(&state, &w, integration, &body.value).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/integrations/credentials/{integration}", tag = "integrations",
    params(("integration" = String, Path, description = "The integration")),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth.require_admin()?;
    let integration = integration(&raw)?;
    let w = write_ctx(&auth, request_id.0);
    state.store.delete_credential(&w, integration).await?;
    Ok(StatusCode::NO_CONTENT)
}
