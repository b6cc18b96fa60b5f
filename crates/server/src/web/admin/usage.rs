//! Traces and usage: this month's LLM calls, tokens and cost by agent role, by model and by day,
//! and the latest calls one by one (route, skill, model, outcome, tokens, latency, cost) with
//! the agent run each belongs to. Prompts are not shown here; the API serves kept ones.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::llm_call::LlmCall;
use serde::Deserialize;
use store::{ListQuery, Order, UsageGroup, UsageRow};

use super::{Section, Table, TableRow, admin, when};
use crate::state::AppState;
use crate::web::server_error;

const HERE: &str = "/admin/usage";
/// Calls per page of the trace list.
const CALLS: u32 = 50;

/// `?after=` pages the trace list.
#[derive(Debug, Default, Deserialize)]
pub struct UsageQuery {
    after: Option<String>,
}

fn usage_table(caption: &str, first: &str, rows: &[UsageRow]) -> Table {
    Table {
        caption: caption.to_owned(),
        headers: [first, "Calls", "Tokens in", "Tokens out", "Cost"]
            .map(String::from)
            .to_vec(),
        rows: rows
            .iter()
            .map(|r| TableRow {
                cells: vec![
                    if r.key.is_empty() {
                        "–".to_owned()
                    } else {
                        r.key.clone()
                    },
                    r.calls.to_string(),
                    r.input_tokens.to_string(),
                    r.output_tokens.to_string(),
                    format!("${}", r.cost_usd.round_dp(4)),
                ],
                actions: vec![],
            })
            .collect(),
        empty: "No LLM calls this month.".into(),
    }
}

/// `GET /admin/usage?after=`.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<UsageQuery>,
) -> Response {
    let signed = match admin(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let store = &state.store;
    let tenant = signed.tenant;
    let since = domain::llm_settings::month_start(store::now());
    let after = query
        .after
        .as_deref()
        .and_then(|a| uuid::Uuid::try_parse(a.trim()).ok());
    let call_query = ListQuery {
        after,
        limit: CALLS,
        order: Order::Descending,
        ..ListQuery::default()
    };
    let loaded = tokio::try_join!(
        store.llm_usage(tenant, UsageGroup::Route, Some(since), None),
        store.llm_usage(tenant, UsageGroup::Model, Some(since), None),
        store.llm_usage(tenant, UsageGroup::Day, Some(since), None),
        store.list::<LlmCall>(tenant, &call_query),
    );
    let (by_role, by_model, by_day, calls) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return server_error(&e.to_string()),
    };
    let mut section = Section::new(
        &signed,
        HERE,
        "What the agents asked of models this month, and each call as traced. Traces are also \
         exported over OTLP when an endpoint is configured.",
    );
    section.facts = vec![("Since".into(), when(since))];
    section
        .tables
        .push(usage_table("By agent role", "Role", &by_role));
    section
        .tables
        .push(usage_table("By model", "Provider/model", &by_model));
    section
        .tables
        .push(usage_table("By day", "Day (UTC)", &by_day));
    section.tables.push(Table {
        caption: "Latest calls".into(),
        headers: [
            "Started", "Role", "Skill", "Model", "Outcome", "Tokens", "Latency", "Cost", "Run",
        ]
        .map(String::from)
        .to_vec(),
        rows: calls
            .items
            .iter()
            .map(|c| TableRow {
                cells: vec![
                    when(c.started_at),
                    c.route.clone(),
                    c.skill.clone().unwrap_or_else(|| "–".into()),
                    format!("{}/{}", c.provider, c.model),
                    match &c.error_kind {
                        Some(kind) => format!("{} ({kind})", c.outcome),
                        None => c.outcome.to_string(),
                    },
                    format!("{} in / {} out", c.input_tokens, c.output_tokens),
                    format!("{} ms", c.latency_ms),
                    c.cost_usd
                        .map_or_else(|| "–".to_owned(), |d| format!("${}", d.round_dp(6))),
                    c.agent_run_id
                        .map_or_else(|| "–".to_owned(), |r| r.to_string()),
                ],
                actions: vec![],
            })
            .collect(),
        empty: "No calls traced yet.".into(),
    });
    if let Some(next) = calls.next_cursor {
        section
            .links
            .push((format!("{HERE}?after={next}"), "Older calls".into()));
    }
    section.respond(StatusCode::OK)
}
