//! `/api/v1/outbox`: the messages the platform released, each naming the approval that released it
//! (`null` when the guardrails let it run without one). The local default channel for email and
//! chat: with no connector configured, this is where sent messages are.

use axum::Json;
use axum::extract::State;
use domain::outbox::{Channel, OutboxEntry};
use serde::{Deserialize, Serialize};
use store::Filter;

use super::crud::{ListFilters, PageParams, id_filter, label_filter};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Filters for listing the outbox.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxFilters {
    /// `email` or `chat`.
    pub channel: Option<String>,
    pub approval_id: Option<String>,
    pub run_id: Option<String>,
    pub account_id: Option<String>,
}

impl ListFilters for OutboxFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = label_filter::<Channel>("channel", self.channel)?
            .into_iter()
            .collect();
        filters.extend(id_filter("approval_id", self.approval_id)?);
        filters.extend(id_filter("run_id", self.run_id)?);
        filters.extend(id_filter("account_id", self.account_id)?);
        Ok(filters)
    }
}

/// One page of the outbox.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OutboxPage {
    pub items: Vec<OutboxEntry>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/outbox", tag = "approvals", params(PageParams, OutboxFilters),
    responses((status = 200, body = OutboxPage), (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(filters): ApiQuery<OutboxFilters>,
) -> Result<Json<OutboxPage>, ApiError> {
    auth.require_reader()?;
    let query = page.into_query(filters.into_filters()?)?;
    let found = state.store.list_outbox(auth.tenant, &query).await?;
    Ok(Json(OutboxPage {
        items: found.items,
        next_cursor: found.next_cursor.map(|c| c.to_string()),
    }))
}
