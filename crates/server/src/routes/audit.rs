//! `/api/v1/audit`: the tenant's append-only event log, read as an audit trail (who changed what,
//! when, through which request). Admins only.

use axum::Json;
use axum::extract::State;
use domain::event::{Event, EventAction, ResourceKind};
use serde::{Deserialize, Serialize};
use store::Filter;

use super::crud::{ListFilters, PageParams, id_filter, label_filter};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Filters for reading the audit trail.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilters {
    /// Kind of object, for example `opportunity`.
    pub resource: Option<String>,
    /// What happened, for example `stage_changed`.
    pub action: Option<String>,
    /// The object's id.
    pub subject_id: Option<String>,
    /// The user or API key that acted.
    pub actor_id: Option<String>,
}

impl ListFilters for AuditFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = label_filter::<ResourceKind>("resource", self.resource)?
            .into_iter()
            .collect();
        filters.extend(label_filter::<EventAction>("action", self.action)?);
        filters.extend(id_filter("subject_id", self.subject_id)?);
        filters.extend(id_filter("actor_id", self.actor_id)?);
        Ok(filters)
    }
}

/// One page of the audit trail.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EventPage {
    pub items: Vec<Event>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(PageParams, AuditFilters),
    responses((status = 200, body = EventPage), (status = 403, body = Problem)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(filters): ApiQuery<AuditFilters>,
) -> Result<Json<EventPage>, ApiError> {
    auth.require_admin()?;
    let query = page.into_query(filters.into_filters()?)?;
    let found = state.store.list_events(auth.tenant, &query).await?;
    Ok(Json(EventPage {
        items: found.items,
        next_cursor: found.next_cursor.map(|c| c.to_string()),
    }))
}
