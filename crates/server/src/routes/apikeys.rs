//! `/api/v1/apikeys`: admins create, list and revoke API keys. The key itself is returned once,
//! at creation, and never stored: so creation ignores `Idempotency-Key` (replaying would need the
//! secret kept).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::apikey::{ApiKey, NewApiKey};
use domain::id::ApiKeyId;
use domain::user::{Role, User};
use serde::{Deserialize, Serialize};
use store::{Created, Filter};

use super::crud::{
    ListFilters, get_handler, json_with_etag, label_filter, list_handler, write_ctx,
};
use crate::auth::{Auth, generate_key};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, path_id};
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
    body: ApiJson<NewApiKey>,
) -> Result<Response, ApiError> {
    auth.require_admin()?;
    let new = body.value;
    if let Some(user_id) = new.user_id {
        let user: User = state
            .store
            .get(auth.tenant, user_id.as_uuid())
            .await
            .map_err(|e| match e {
                store::Error::NotFound { .. } => ApiError::unprocessable(
                    "unknown_reference",
                    format!("user_id: no user {user_id} in this tenant"),
                )
                .with_field("user_id"),
                other => other.into(),
            })?;
        if new.role.privilege() > user.role.privilege() {
            return Err(ApiError::unprocessable(
                "invalid_input",
                format!("role: a key for this user can be at most {}", user.role),
            )
            .with_field("role"));
        }
    }
    let generated =
        generate_key(auth.tenant).map_err(|e| ApiError::internal(format!("random source: {e}")))?;
    let record = new.into_key(generated.prefix, generated.hash, store::now())?;
    let w = write_ctx(&auth, request_id.0);
    let Created::New(api_key) = state.store.create(&w, record, None).await? else {
        return Err(ApiError::internal(
            "API key creation was replayed without an idempotency key",
        ));
    };
    json_with_etag(
        StatusCode::CREATED,
        &CreatedApiKey {
            api_key,
            key: generated.secret,
        },
        None,
    )
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
