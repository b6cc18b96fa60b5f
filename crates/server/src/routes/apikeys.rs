//! `/api/v1/apikeys`: admins create, list, rename, downgrade and revoke API keys. The key itself
//! is returned once, at creation, and never stored: a retry with the same `Idempotency-Key`
//! replays the key's record without the secret.
//!
//! A personal key (bound to a user) acts as that human, so through the API only that user may
//! create one for themselves; the operator's CLI may create one for anybody.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::actor::Principal;
use domain::apikey::{ApiKey, ApiKeyPatch, NewApiKey};
use domain::id::ApiKeyId;
use domain::user::Role;
use serde::{Deserialize, Serialize};
use store::{Created, Filter, Idempotency};

use super::crud::{
    ListFilters, get_handler, json_with_etag, label_filter, list_handler, write_ctx,
};
use crate::auth::{Auth, generate_key};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, IdempotencyKey, path_id};
use crate::middleware::RequestId;
use crate::state::AppState;

/// Filters for listing API keys.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiKeyFilters {
    pub role: Option<String>,
    /// `true` lists only keys that still work.
    pub active: Option<bool>,
}

impl ListFilters for ApiKeyFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = label_filter::<Role>("role", self.role)?
            .into_iter()
            .collect();
        match self.active {
            Some(true) => filters.push(Filter::IsNull("revoked_at")),
            Some(false) => filters.push(Filter::NotNull("revoked_at")),
            None => {}
        }
        Ok(filters)
    }
}

list_handler!(resource: ApiKey, page: ApiKeyPage, filters: ApiKeyFilters, tag: "apikeys",
    collection: "/api/v1/apikeys", check: require_admin);
get_handler!(resource: ApiKey, tag: "apikeys", item: "/api/v1/apikeys/{id}", name: "api key", check: require_admin);

/// A new key with its secret, shown only in this response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub api_key: ApiKey,
    /// The key to send as `Authorization: Bearer <key>`. Store it now: it is not shown again.
    pub key: String,
}

#[utoipa::path(post, path = "/api/v1/apikeys", tag = "apikeys", request_body = NewApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    idempotency_key: IdempotencyKey,
    body: ApiJson<NewApiKey>,
) -> Result<Response, ApiError> {
    auth.require_admin()?;
    let new = body.value;
    // The caller is this user (checked by `Auth`, which also refused a deactivated user), so the
    // new key can neither outrank nor outlive the user's own rights.
    if let Some(user_id) = new.user_id
        && auth.actor.principal != (Principal::User { user_id })
    {
        return Err(ApiError::forbidden(
            "a personal key can only be created by its own user (or by the operator with \
             `agent-army apikey create --user`)",
        ));
    }
    let generated =
        generate_key(auth.tenant).map_err(|e| ApiError::internal(format!("random source: {e}")))?;
    let record = new.into_key(generated.prefix, generated.hash, store::now())?;
    let w = write_ctx(&auth, request_id.0);
    let stored_body =
        serde_json::to_string(&record).map_err(|e| ApiError::internal(e.to_string()))?;
    let idem = idempotency_key.0.map(|key| Idempotency {
        key,
        fingerprint: body.fingerprint.clone(),
        status: 201,
        body: stored_body,
    });
    match state.store.create(&w, record, idem.as_ref()).await? {
        Created::New(api_key) => json_with_etag(
            StatusCode::CREATED,
            &CreatedApiKey {
                api_key,
                key: generated.secret,
            },
            None,
        ),
        // The first response's secret is gone for good: replay the record without it.
        Created::Replayed(stored) => {
            let mut response = (
                StatusCode::CREATED,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                stored.body,
            )
                .into_response();
            response.headers_mut().insert(
                "idempotent-replayed",
                axum::http::HeaderValue::from_static("true"),
            );
            Ok(response)
        }
    }
}

#[utoipa::path(patch, path = "/api/v1/apikeys/{id}", tag = "apikeys", request_body = ApiKeyPatch,
    params(("id" = String, Path, description = "API key id")),
    responses((status = 200, body = ApiKey), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    Path(id): Path<String>,
    body: ApiJson<ApiKeyPatch>,
) -> Result<Json<ApiKey>, ApiError> {
    auth.require_admin()?;
    let id = path_id("api key", &id)?;
    let w = write_ctx(&auth, request_id.0);
    let patch = body.value;
    let key: ApiKey = state
        .store
        .update(&w, id, None, |k: &mut ApiKey| patch.apply(k))
        .await?;
    Ok(Json(key))
}

#[utoipa::path(delete, path = "/api/v1/apikeys/{id}", tag = "apikeys",
    params(("id" = String, Path, description = "API key id")),
    responses((status = 200, body = ApiKey, description = "The revoked key"), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    Path(id): Path<String>,
) -> Result<Json<ApiKey>, ApiError> {
    auth.require_admin()?;
    let id = ApiKeyId::from_uuid(path_id("api key", &id)?);
    let w = write_ctx(&auth, request_id.0);
    Ok(Json(state.store.revoke_api_key(&w, id).await?))
}
