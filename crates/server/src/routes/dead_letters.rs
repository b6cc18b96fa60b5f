//! `/api/v1/dead-letters`: jobs whose last attempt failed. Admins read them and replay them.

use axum::Json;
use axum::extract::{Path, State};
use domain::id::JobId;
use domain::job::DeadLetter;
use serde::{Deserialize, Serialize};
use store::Filter;

use super::crud::{ListFilters, PageParams, write_ctx};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, path_id};
use crate::middleware::RequestId;
use crate::state::AppState;

/// Filters for listing dead letters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadLetterFilters {
    /// `true`: not replayed yet; `false`: replayed.
    pub waiting: Option<bool>,
}

impl ListFilters for DeadLetterFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        Ok(match self.waiting {
            Some(true) => vec![Filter::IsNull("replayed_at")],
            Some(false) => vec![Filter::NotNull("replayed_at")],
            None => Vec::new(),
        })
    }
}

/// One page of dead letters.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeadLetterPage {
    pub items: Vec<DeadLetter>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/dead-letters", tag = "runtime", params(PageParams, DeadLetterFilters),
    responses((status = 200, body = DeadLetterPage), (status = 403, body = Problem)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(filters): ApiQuery<DeadLetterFilters>,
) -> Result<Json<DeadLetterPage>, ApiError> {
    auth.require_admin()?;
    let query = page.into_query(filters.into_filters()?)?;
    let found = state.store.list_dead_letters(auth.tenant, &query).await?;
    Ok(Json(DeadLetterPage {
        items: found.items,
        next_cursor: found.next_cursor.map(|c| c.to_string()),
    }))
}

#[utoipa::path(post, path = "/api/v1/dead-letters/{id}/replay", tag = "runtime",
    params(("id" = String, Path, description = "Dead letter (failed job) id")),
    responses((status = 200, body = DeadLetter, description = "Replayed: its job is queued again"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn replay(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    Path(id): Path<String>,
) -> Result<Json<DeadLetter>, ApiError> {
    auth.require_admin()?;
    let id = JobId::from_uuid(path_id("dead letter", &id)?);
    let w = write_ctx(&auth, request_id.0);
    Ok(Json(state.store.replay_dead_letter(&w, id).await?))
}
