//! `PUT /api/v1/users/{id}/password`: a person's password for the web UI. Set by the person
//! themselves (a personal key) or by an admin; the hash is argon2id and every session of the user
//! ends with the change.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::actor::Principal;
use domain::user::User;
use serde::Deserialize;

use super::crud::write_ctx;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, path_id};
use crate::middleware::RequestId;
use crate::state::AppState;

/// The new password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// 12 to 1,024 characters.
    pub password: String,
}

#[utoipa::path(put, path = "/api/v1/users/{id}/password", tag = "users", request_body = NewPassword,
    params(("id" = String, Path, description = "User id")),
    responses((status = 204, description = "Set; the user's sessions ended"),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn put(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    Path(id): Path<String>,
    body: ApiJson<NewPassword>,
) -> Result<StatusCode, ApiError> {
    let id = path_id("user", &id)?;
    let user: User = state.store.get(auth.tenant, id).await?;
    let own = matches!(auth.actor.principal, Principal::User { user_id } if user_id == user.id);
    if !own && !auth.actor.role.is_admin() {
        return Err(ApiError::forbidden(
            "a password is set by its user or by an admin",
        ));
    }
    let password = body.value.password;
    domain::session::check_password(&password)
        .map_err(|e| ApiError::unprocessable("invalid_input", e).with_field("password"))?;
    let hash = crate::web::password::hash(password)
        .await
        .map_err(ApiError::internal)?;
    let w = write_ctx(&auth, request_id.0);
    state.store.set_password(&w, user.id, &hash).await?;
    Ok(StatusCode::NO_CONTENT)
}
