//! `/api/v1/opportunities/{id}/briefing`: a meeting briefing on a deal, from the Sales agent's
//! scorecard, political map and account intelligence, as JSON or Markdown.

use agents::crew::sales::briefing::briefing;
use axum::extract::{Path, State};
use axum::response::Response;
use domain::id::{ContactId, OpportunityId};
use serde::Deserialize;

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, path_id};
use crate::routes::rendering::Rendering;
use crate::state::AppState;

/// Most attendees one briefing names.
const MAX_ATTENDEES: usize = 50;

/// Who attends, and how to render.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BriefingQuery {
    /// Contact ids of the attendees, comma-separated; every stakeholder of the account when
    /// absent.
    pub attendees: Option<String>,
    /// `json` (default) or `markdown`.
    pub format: Option<String>,
}

fn attendees(raw: Option<&str>) -> Result<Vec<ContactId>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let ids: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.len() > MAX_ATTENDEES {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("at most {MAX_ATTENDEES} attendees"),
        )
        .with_field("attendees"));
    }
    ids.into_iter()
        .map(|id| {
            id.parse::<uuid::Uuid>()
                .map(ContactId::from_uuid)
                .map_err(|_| {
                    ApiError::bad_request("invalid_query", format!("{id:?} is not a contact id"))
                        .with_field("attendees")
                })
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/opportunities/{id}/briefing", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id"), BriefingQuery),
    responses((status = 200, description = "The briefing: `account_context`, `objectives`, \
        `attendees` (with talk tracks), `questions` (QBS, per open element), `risks`, \
        `competitor_notes`; or the same as `text/markdown`"),
        (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<BriefingQuery>,
) -> Result<Response, ApiError> {
    let id = OpportunityId::from_uuid(path_id("opportunity", &id)?);
    let rendering = Rendering::parse(query.format.as_deref())?;
    let attendees = attendees(query.attendees.as_deref())?;
    let briefing = briefing(&state.store, auth.tenant, id, &attendees).await?;
    Ok(rendering.respond(&briefing, || briefing.to_markdown()))
}
