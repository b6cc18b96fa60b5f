//! `/api/v1/battlecards`: the Sales agent's competitive battlecards, one per competitor document
//! of the knowledge base (kind `competitor`), each point quoted verbatim with its citation; with
//! `account_id`, where each competitor was named in that account's activities. JSON or Markdown.

use agents::crew::sales::battlecard::{Battlecard, battlecards};
use axum::extract::State;
use axum::response::Response;
use domain::id::AccountId;
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::ApiQuery;
use crate::routes::rendering::Rendering;
use crate::state::AppState;

/// Which account's mentions, and how to render.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BattlecardQuery {
    /// An account id: count where each competitor was named in its activities, and leave out
    /// documents scoped to regions other than the account's.
    pub account_id: Option<String>,
    /// `json` (default) or `markdown`.
    pub format: Option<String>,
}

/// The cards, most mentioned first, then by competitor.
#[derive(Serialize)]
struct Battlecards {
    items: Vec<Battlecard>,
}

#[utoipa::path(get, path = "/api/v1/battlecards", tag = "knowledge",
    params(BattlecardQuery),
    responses((status = 200, description = "`items`: per competitor document, `summary`, \
        `strengths`, `weaknesses`, `pricing`, `how_we_win`, `landmines` (each a verbatim `quote` \
        with its `citation`: document, section, chunk), `objection_handlers`, and `mentions` \
        with an account; or the cards as `text/markdown`"),
        (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<BattlecardQuery>,
) -> Result<Response, ApiError> {
    auth.require_reader()?;
    let rendering = Rendering::parse(query.format.as_deref())?;
    let account = match query.account_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(AccountId::from_uuid(raw.parse().map_err(|_| {
            ApiError::bad_request("invalid_query", format!("{raw:?} is not an account id"))
                .with_field("account_id")
        })?)),
    };
    let items = battlecards(&state.store, auth.tenant, account).await?;
    let markdown = || match items.is_empty() {
        true => "# Battlecards\n\nNo competitor documents yet: upload one to the knowledge base \
                 with kind `competitor`.\n"
            .to_owned(),
        false => (items.iter())
            .map(Battlecard::to_markdown)
            .collect::<Vec<_>>()
            .join("\n---\n\n"),
    };
    let text = (rendering == Rendering::Markdown).then(markdown);
    Ok(rendering.respond(&Battlecards { items }, || text.unwrap_or_default()))
}
