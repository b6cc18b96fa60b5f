//! The shared shape of resource endpoints: generic handlers over [`store::Resource`] and macros
//! that stamp out thin, OpenAPI-annotated handlers for each resource module.

use axum::http::header::{ETAG, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use store::{Created, Filter, Idempotency, ListQuery, Order, Resource, WriteCtx};

use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{IdempotencyKey, etag};
use crate::state::AppState;

/// Pagination parameters shared by every list endpoint.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// `asc` (oldest first, the default) or `desc` (newest first).
    pub order: Option<String>,
}

impl PageParams {
    /// Validates the parameters into a store query with these filters.
    pub fn into_query(self, filters: Vec<Filter>) -> Result<ListQuery, ApiError> {
        let limit = self.limit.unwrap_or(store::DEFAULT_LIMIT);
        if !(1..=store::MAX_LIMIT).contains(&limit) {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("limit must be 1 to {}", store::MAX_LIMIT),
            ));
        }
        let after = self
            .cursor
            .map(|c| uuid::Uuid::try_parse(c.trim()))
            .transpose()
            .map_err(|_| {
                ApiError::bad_request(
                    "invalid_cursor",
                    "cursor must be a next_cursor value from this API",
                )
            })?;
        let order = match self.order.as_deref() {
            None | Some("asc") => Order::Ascending,
            Some("desc") => Order::Descending,
            Some(other) => {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!("order must be asc or desc, not {other:?}"),
                ));
            }
        };
        Ok(ListQuery {
            filters,
            after,
            limit,
            order,
        })
    }
}

/// Filters of one resource's list endpoint, from its query string.
pub trait ListFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError>;
}

/// A write context for the authenticated caller and this request.
pub fn write_ctx(auth: &Auth, request_id: Option<String>) -> WriteCtx {
    WriteCtx::new(auth.tenant, auth.actor, request_id)
}

/// The object as JSON with its ETag.
pub fn object_response<R: Resource>(status: StatusCode, rec: &R) -> Result<Response, ApiError> {
    json_with_etag(status, rec, rec.version())
}

/// Any value as JSON, with the ETag of `version` when given.
pub fn json_with_etag<T: serde::Serialize>(
    status: StatusCode,
    value: &T,
    version: Option<i64>,
) -> Result<Response, ApiError> {
    let body = serde_json::to_string(value).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(json_response(status, body, version))
}

fn json_response(status: StatusCode, body: String, version: Option<i64>) -> Response {
    let mut response = (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    if let Some(v) = version
        && let Ok(tag) = HeaderValue::from_str(&etag(v))
    {
        response.headers_mut().insert(ETAG, tag);
    }
    response
}

/// Stores a new object and answers 201 with `Location` and `ETag`; replays the first answer for a
/// repeated `Idempotency-Key`.
pub async fn create_resource<R: Resource>(
    state: &AppState,
    auth: &Auth,
    request_id: Option<String>,
    idempotency_key: IdempotencyKey,
    fingerprint: Vec<u8>,
    rec: R,
    collection: &str,
) -> Result<Response, ApiError> {
    let w = write_ctx(auth, request_id);
    let body = serde_json::to_string(&rec).map_err(|e| ApiError::internal(e.to_string()))?;
    let idem = idempotency_key.0.map(|key| Idempotency {
        key,
        fingerprint,
        status: 201,
        body: body.clone(),
    });
    let location = format!("{collection}/{}", rec.id());
    let version = rec.version();
    match state.store.create(&w, rec, idem.as_ref()).await? {
        Created::New(_) => {
            let mut response = json_response(StatusCode::CREATED, body, version);
            if let Ok(loc) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(LOCATION, loc);
            }
            Ok(response)
        }
        Created::Replayed(stored) => {
            let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED);
            let mut response = json_response(status, stored.body, None);
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(response)
        }
    }
}

/// Stamps out a `list` handler and its page type.
macro_rules! list_handler {
    (
        resource: $R:ty, page: $Page:ident, filters: $F:ty, tag: $tag:literal,
        collection: $coll:literal, check: $check:ident $(,)?
    ) => {
        /// One page of results.
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct $Page {
            pub items: Vec<$R>,
            /// Pass as `cursor` for the next page; `null` on the last page.
            pub next_cursor: Option<String>,
        }

        #[utoipa::path(get, path = $coll, tag = $tag,
            params($crate::routes::crud::PageParams, $F),
            responses((status = 200, body = $Page), (status = 400, body = $crate::error::Problem),
                (status = 401, body = $crate::error::Problem)),
            security(("api_key" = [])))]
        pub async fn list(
            axum::extract::State(state): axum::extract::State<$crate::state::AppState>,
            auth: $crate::auth::Auth,
            $crate::extract::ApiQuery(page): $crate::extract::ApiQuery<$crate::routes::crud::PageParams>,
            $crate::extract::ApiQuery(filters): $crate::extract::ApiQuery<$F>,
        ) -> Result<axum::Json<$Page>, $crate::error::ApiError> {
            auth.$check()?;
            let query = page.into_query($crate::routes::crud::ListFilters::into_filters(filters)?)?;
            let found = state.store.list::<$R>(auth.tenant, &query).await?;
            Ok(axum::Json($Page { items: found.items, next_cursor: found.next_cursor.map(|c| c.to_string()) }))
        }
    };
}

/// Stamps out a `get` handler.
macro_rules! get_handler {
    (resource: $R:ty, tag: $tag:literal, item: $item:literal, name: $name:literal, check: $check:ident $(,)?) => {
        #[utoipa::path(get, path = $item, tag = $tag,
                                    params(("id" = String, Path, description = "Object id")),
                                    responses((status = 200, body = $R, headers(("ETag" = String))),
                                        (status = 404, body = $crate::error::Problem)),
                                    security(("api_key" = [])))]
        pub async fn get(
            axum::extract::State(state): axum::extract::State<$crate::state::AppState>,
            auth: $crate::auth::Auth,
            axum::extract::Path(id): axum::extract::Path<String>,
        ) -> Result<axum::response::Response, $crate::error::ApiError> {
            auth.$check()?;
            let id = $crate::extract::path_id($name, &id)?;
            let rec: $R = state.store.get(auth.tenant, id).await?;
            $crate::routes::crud::object_response(axum::http::StatusCode::OK, &rec)
        }
    };
}

/// Stamps out a `create` handler.
macro_rules! create_handler {
    (
        resource: $R:ty, new: $N:ty, into: $into:ident, tag: $tag:literal, collection: $coll:literal,
        check: $check:ident $(,)?
    ) => {
        #[utoipa::path(post, path = $coll, tag = $tag, request_body = $N,
            params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe creation key")),
            responses((status = 201, body = $R, headers(("ETag" = String), ("Location" = String))),
                (status = 400, body = $crate::error::Problem), (status = 413, body = $crate::error::Problem),
                (status = 422, body = $crate::error::Problem)),
            security(("api_key" = [])))]
        pub async fn create(
            axum::extract::State(state): axum::extract::State<$crate::state::AppState>,
            auth: $crate::auth::Auth,
            request_id: $crate::middleware::RequestId,
            idempotency_key: $crate::extract::IdempotencyKey,
            body: $crate::extract::ApiJson<$N>,
        ) -> Result<axum::response::Response, $crate::error::ApiError> {
            auth.$check()?;
            let rec: $R = body.value.$into(store::now())?;
            $crate::routes::crud::create_resource(&state, &auth, request_id.0, idempotency_key, body.fingerprint, rec, $coll)
                .await
        }
    };
}

/// Stamps out an `update` (PATCH) handler.
macro_rules! update_handler {
    (resource: $R:ty, patch: $P:ty, tag: $tag:literal, item: $item:literal, name: $name:literal, check: $check:ident $(,)?) => {
        #[utoipa::path(patch, path = $item, tag = $tag, request_body = $P,
            params(("id" = String, Path, description = "Object id"),
                ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if it changed")),
            responses((status = 200, body = $R, headers(("ETag" = String))),
                (status = 404, body = $crate::error::Problem), (status = 412, body = $crate::error::Problem),
                (status = 422, body = $crate::error::Problem)),
            security(("api_key" = [])))]
        pub async fn update(
            axum::extract::State(state): axum::extract::State<$crate::state::AppState>,
            auth: $crate::auth::Auth,
            request_id: $crate::middleware::RequestId,
            axum::extract::Path(id): axum::extract::Path<String>,
            if_match: $crate::extract::IfMatch,
            body: $crate::extract::ApiJson<$P>,
        ) -> Result<axum::response::Response, $crate::error::ApiError> {
            auth.$check()?;
            let id = $crate::extract::path_id($name, &id)?;
            let w = $crate::routes::crud::write_ctx(&auth, request_id.0);
            let patch = body.value;
            let rec: $R = state.store.update(&w, id, if_match.0, |r: &mut $R| patch.apply(r)).await?;
            $crate::routes::crud::object_response(axum::http::StatusCode::OK, &rec)
        }
    };
}

/// Stamps out a `delete` handler.
macro_rules! delete_handler {
    (resource: $R:ty, tag: $tag:literal, item: $item:literal, name: $name:literal, check: $check:ident $(,)?) => {
        #[utoipa::path(delete, path = $item, tag = $tag,
            params(("id" = String, Path, description = "Object id"),
                ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if it changed")),
            responses((status = 204), (status = 404, body = $crate::error::Problem),
                (status = 409, body = $crate::error::Problem), (status = 412, body = $crate::error::Problem)),
            security(("api_key" = [])))]
        pub async fn delete(
            axum::extract::State(state): axum::extract::State<$crate::state::AppState>,
            auth: $crate::auth::Auth,
            request_id: $crate::middleware::RequestId,
            axum::extract::Path(id): axum::extract::Path<String>,
            if_match: $crate::extract::IfMatch,
        ) -> Result<axum::http::StatusCode, $crate::error::ApiError> {
            auth.$check()?;
            let id = $crate::extract::path_id($name, &id)?;
            let w = $crate::routes::crud::write_ctx(&auth, request_id.0);
            state.store.delete::<$R>(&w, id, if_match.0).await?;
            Ok(axum::http::StatusCode::NO_CONTENT)
        }
    };
}

pub(crate) use {create_handler, delete_handler, get_handler, list_handler, update_handler};

/// Parses an optional id filter from a query parameter.
pub fn id_filter(column: &'static str, raw: Option<String>) -> Result<Option<Filter>, ApiError> {
    raw.map(|v| {
        uuid::Uuid::try_parse(v.trim())
            .map(|u| Filter::Eq(column, store::SqlValue::Uuid(Some(u))))
            .map_err(|_| ApiError::bad_request("invalid_query", format!("{column} must be an id")))
    })
    .transpose()
}

/// Parses an optional label filter (a closed set such as a stage) from a query parameter.
pub fn label_filter<T>(
    column: &'static str,
    raw: Option<String>,
) -> Result<Option<Filter>, ApiError>
where
    T: std::str::FromStr<Err = domain::DomainError> + std::fmt::Display,
{
    raw.map(|v| {
        v.parse::<T>()
            .map(|label| Filter::Eq(column, store::SqlValue::text(label)))
            .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))
    })
    .transpose()
}

/// Parses an optional case-insensitive substring filter.
pub fn contains_filter(column: &'static str, raw: Option<String>) -> Option<Filter> {
    raw.map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .map(|v| Filter::Contains(column, v))
}

/// Parses an RFC 3339 time from a query parameter, within the years both backends store.
pub fn time_query(name: &'static str, raw: &str) -> Result<jiff::Timestamp, ApiError> {
    raw.trim()
        .parse::<jiff::Timestamp>()
        .ok()
        .and_then(|t| domain::time::check_timestamp(name, t).ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("{name} must be an RFC 3339 time between the years 1900 and 9999"),
            )
        })
}
