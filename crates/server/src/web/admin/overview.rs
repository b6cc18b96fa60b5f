//! The tenant: who it is, what it holds, and where each of its settings lives. The business
//! unit's name is the operator's (`agent-army tenant`), so it is shown, not edited.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::product::Product;
use domain::region::Region;
use domain::user::User;

use super::{Section, admin, when};
use crate::state::AppState;
use crate::web::server_error;

const HERE: &str = "/admin";

/// `GET /admin`.
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match admin(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let store = &state.store;
    let tenant = signed.tenant;
    let loaded = tokio::try_join!(
        store.tenant(tenant),
        store.list_all::<User>(tenant, Vec::new(), 10_000),
        store.list_all::<Region>(tenant, Vec::new(), 1000),
        store.list_all::<Product>(tenant, Vec::new(), 1000),
        store.deal_facts(tenant, Vec::new()),
        store.guardrail_policy(tenant),
        store.llm_settings(tenant),
    );
    let (record, users, regions, products, deals, policy, llm) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return server_error(&e.to_string()),
    };
    let mut section = Section::new(
        &signed,
        HERE,
        "This business unit's settings. Its name is set by the operator who runs the platform.",
    );
    section.facts = vec![
        ("Business unit".into(), record.name.to_string()),
        ("Display name".into(), record.display_name.clone()),
        ("Since".into(), when(record.created_at)),
        ("Database".into(), store.backend_name().to_owned()),
        (
            "People".into(),
            format!(
                "{} ({} active)",
                users.len(),
                users.iter().filter(|u| u.active).count()
            ),
        ),
        ("Regions".into(), regions.len().to_string()),
        (
            "Products".into(),
            format!(
                "{} ({} active)",
                products.len(),
                products.iter().filter(|p| p.active).count()
            ),
        ),
        (
            "Deals".into(),
            format!(
                "{} ({} open)",
                deals.len(),
                deals.iter().filter(|d| d.stage.is_open()).count()
            ),
        ),
        (
            "Guardrail policy changed".into(),
            policy
                .updated_at
                .map_or_else(|| "never (defaults)".to_owned(), when),
        ),
        (
            "LLM budgets".into(),
            match (llm.monthly_token_budget, llm.monthly_cost_budget_usd) {
                (None, None) => "no limit".to_owned(),
                (tokens, cost) => {
                    [
                        tokens.map(|t| format!("{t} tokens")),
                        cost.map(|c| format!("${c}")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" and ")
                        + " a month"
                }
            },
        ),
    ];
    section.respond(StatusCode::OK)
}
