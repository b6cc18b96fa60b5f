//! `/api/v1/users/{id}/persona`: the persona the agents draft in a rep's name with (name,
//! signature, tone, example messages). Readable by anyone of the tenant; written by the rep
//! themselves or a manager, never by a service key: content and machines cannot change who the
//! agent is.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::actor::Principal;
use domain::id::UserId;
use domain::persona::{PersonaInput, RepPersona};
use domain::user::{Role, User};

use super::crud::{object_response, write_ctx};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, IfMatch, path_id};
use crate::middleware::RequestId;
use crate::state::AppState;

/// The rep, or 404 (also for another tenant's user).
async fn rep(state: &AppState, auth: &Auth, raw: &str) -> Result<UserId, ApiError> {
    let id = path_id("user", raw)?;
    let user: User = state.store.get(auth.tenant, id).await?;
    Ok(user.id)
}

/// Only the rep or a human manager or admin writes a persona.
fn may_write(auth: &Auth, rep: UserId) -> Result<(), ApiError> {
    match auth.actor.principal {
        Principal::User { user_id } if user_id == rep => auth.require_writer(),
        Principal::User { .. } if matches!(auth.actor.role, Role::Admin | Role::Manager) => Ok(()),
        Principal::User { .. } => Err(ApiError::forbidden(
            "only the rep or a manager may change a rep's persona",
        )),
        _ => Err(ApiError::forbidden(
            "a persona is set by a person (a personal key), never by a service key",
        )),
    }
}

#[utoipa::path(get, path = "/api/v1/users/{id}/persona", tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = RepPersona), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let rep = rep(&state, &auth, &id).await?;
    let persona: RepPersona =
        state
            .store
            .get(auth.tenant, rep.as_uuid())
            .await
            .map_err(|e| match e {
                store::Error::NotFound { .. } => {
                    ApiError::not_found(format!("user {rep} has no persona yet"))
                }
                other => other.into(),
            })?;
    object_response(StatusCode::OK, &persona)
}

#[utoipa::path(put, path = "/api/v1/users/{id}/persona", tag = "users", request_body = PersonaInput,
    params(("id" = String, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if it changed")),
    responses((status = 200, body = RepPersona, description = "Replaced"),
        (status = 201, body = RepPersona, description = "Created"),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn put(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    Path(id): Path<String>,
    if_match: IfMatch,
    body: ApiJson<PersonaInput>,
) -> Result<Response, ApiError> {
    let rep = rep(&state, &auth, &id).await?;
    may_write(&auth, rep)?;
    let w = write_ctx(&auth, request_id.0);
    let input = body.value;
    match state
        .store
        .get::<RepPersona>(auth.tenant, rep.as_uuid())
        .await
    {
        Ok(_) => {
            let persona: RepPersona = state
                .store
                .update(&w, rep.as_uuid(), if_match.0, |p: &mut RepPersona| {
                    input.apply(p)
                })
                .await?;
            object_response(StatusCode::OK, &persona)
        }
        Err(store::Error::NotFound { .. }) => {
            let persona = input.into_persona(rep, store::now())?;
            state.store.create(&w, persona.clone(), None).await?;
            object_response(StatusCode::CREATED, &persona)
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/persona", tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let rep = rep(&state, &auth, &id).await?;
    may_write(&auth, rep)?;
    let w = write_ctx(&auth, request_id.0);
    state
        .store
        .delete::<RepPersona>(&w, rep.as_uuid(), None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
