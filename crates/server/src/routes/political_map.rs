//! `/api/v1/accounts/{id}/political-map`: the account's buying committee as the Sales agent
//! maps it (stakeholders with persona, role, influence and sentiment; relationships; coverage
//! gaps), as JSON, Graphviz DOT or SVG.

use agents::crew::sales::political_map::political_map;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::id::AccountId;
use serde::Deserialize;

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, path_id};
use crate::state::AppState;

/// How to render the map.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MapQuery {
    /// `json` (default), `dot` (Graphviz) or `svg`.
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/political-map", tag = "accounts",
    params(("id" = String, Path, description = "Account id"), MapQuery),
    responses((status = 200, description = "The map: JSON (`stakeholders`, `edges`, `gaps`), \
        `text/vnd.graphviz` or `image/svg+xml`"),
        (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<MapQuery>,
) -> Result<Response, ApiError> {
    let id = AccountId::from_uuid(path_id("account", &id)?);
    let format = query.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "dot" | "svg") {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("format must be json, dot or svg, not {format:?}"),
        )
        .with_field("format"));
    }
    let map = political_map(&state.store, auth.tenant, id).await?;
    Ok(match format {
        "dot" => (
            [(header::CONTENT_TYPE, "text/vnd.graphviz; charset=utf-8")],
            map.to_dot(),
        )
            .into_response(),
        "svg" => ([(header::CONTENT_TYPE, "image/svg+xml")], map.to_svg()).into_response(),
        _ => Json(map).into_response(),
    })
}
