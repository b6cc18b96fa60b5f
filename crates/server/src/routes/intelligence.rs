//! `/api/v1/accounts/{id}/intelligence`: one account's activities read together by the Sales
//! agent's account intelligence: the timeline, recurring objections, open questions,
//! commitments (kept or not), the sentiment trend, competitor mentions and going dark.

use agents::crew::sales::intelligence::{AccountIntelligence, account_intelligence};
use axum::Json;
use axum::extract::{Path, State};
use domain::id::AccountId;

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::path_id;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/accounts/{id}/intelligence", tag = "accounts",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "The account's timeline and patterns: `timeline`, \
        `objections`, `open_questions`, `commitments`, `sentiment_trend`, `competitors`, \
        `going_dark`; quotes are verbatim from the activities"),
        (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AccountIntelligence>, ApiError> {
    let id = AccountId::from_uuid(path_id("account", &id)?);
    Ok(Json(
        account_intelligence(&state.store, auth.tenant, id).await?,
    ))
}
