//! LLM routes and budgets: which configured provider and model answers each agent role (the
//! installation's route unless the tenant sets its own), monthly token and cost budgets with a
//! soft limit, whether prompts are kept in traces, and this month's spend. Providers' endpoints
//! and keys are installation configuration: they are never shown, here or anywhere.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::agent::AgentRole;
use domain::llm_settings::LlmSettingsPatch;
use serde_json::json;

use super::{
    AdminSection, Failed, Field, FormSpec, Notice, Section, Table, TableRow, answer, parse, posted,
    problem, when, write_ctx,
};
use crate::state::AppState;
use crate::web::server_error;
use crate::web::session::Signed;

const HERE: &str = "/admin/llm";

/// The section, for the console's shared handlers.
pub struct Llm;

impl AdminSection for Llm {
    const HERE: &'static str = HERE;

    async fn render(
        state: &AppState,
        signed: &Signed,
        status: StatusCode,
        notice: Option<&'static str>,
        error: Option<String>,
    ) -> Response {
        let settings = match state.store.llm_settings(signed.tenant).await {
            Ok(settings) => settings,
            Err(e) => return server_error(&e.to_string()),
        };
        let month =
            match crate::budget::month_spend(&state.store, signed.tenant, &settings, true).await {
                Ok(month) => month,
                Err(e) => return server_error(&e.to_string()),
            };
        let mut section = Section::new(
            signed,
            HERE,
            "Which model answers each agent role, and what a month may spend. Past a budget the \
             offline engine answers, so the agents keep working. Providers' endpoints and keys are set \
             in the installation's configuration and never shown.",
        );
        section.notice = notice;
        section.error = error;
        section.facts = vec![
            (
                "Spent this month".into(),
                format!("${}", month.cost_usd.round_dp(4)),
            ),
            ("Tokens this month".into(), month.tokens.to_string()),
            ("Budget state".into(), month.state.to_string()),
            ("Since".into(), when(month.since)),
            (
                "Last changed".into(),
                settings.updated_at.map_or_else(|| "never".to_owned(), when),
            ),
        ];
        section.tables.push(Table {
            caption: "Configured providers".into(),
            headers: ["Name", "Kind"].map(String::from).to_vec(),
            rows: state
                .gateway
                .providers()
                .into_iter()
                .map(|(name, system)| TableRow {
                    cells: vec![name, system.to_owned()],
                    actions: vec![],
                })
                .collect(),
            empty: "No provider is configured: the offline engine answers every role.".into(),
        });
        section.tables.push(Table {
            caption: "Routes in force".into(),
            headers: ["Role", "Answered by, first choice first", "Set by"]
                .map(String::from)
                .to_vec(),
            rows: AgentRole::ALL
                .iter()
                .map(|role| {
                    let own = settings.routes.get(role.as_str());
                    let targets = own
                        .cloned()
                        .unwrap_or_else(|| state.gateway.route_targets(role.as_str()));
                    TableRow {
                        cells: vec![
                            role.to_string(),
                            if targets.is_empty() {
                                "the offline engine".to_owned()
                            } else {
                                targets.join(", ")
                            },
                            if own.is_some() {
                                "this tenant"
                            } else {
                                "installation"
                            }
                            .to_owned(),
                        ],
                        actions: vec![],
                    }
                })
                .collect(),
            empty: String::new(),
        });
        let routes_text = settings
            .routes
            .iter()
            .map(|(role, targets)| format!("{role} = {}", targets.join(", ")))
            .collect::<Vec<_>>()
            .join("\n");
        section.forms.push(FormSpec {
            id: "llm",
            title: "Settings".into(),
            action: HERE.into(),
            submit: "Save settings".into(),
            fields: vec![
                Field::number("monthly_token_budget", "Monthly token budget")
                    .value(settings.monthly_token_budget.map(|b| b.to_string()).unwrap_or_default())
                    .optional()
                    .hint("Tokens in and out per calendar month (UTC); empty for no limit."),
                Field::number("monthly_cost_budget_usd", "Monthly cost budget (US dollars)")
                    .value(
                        settings
                            .monthly_cost_budget_usd
                            .map(|b| b.to_string())
                            .unwrap_or_default(),
                    )
                    .optional()
                    .hint("Empty for no limit."),
                Field::number("soft_limit_percent", "Warn from (% of a budget)")
                    .value(settings.soft_limit_percent.to_string()),
                Field::checkbox(
                    "keep_prompts",
                    "Keep prompts and completions in traces (redacted)",
                    settings.keep_prompts,
                ),
                Field::textarea("routes", "This tenant's own routes")
                    .value(routes_text)
                    .optional()
                    .hint("One role per line: role = provider/model, provider/model. Roles left out use the installation's route."),
            ],
        });
        section.respond(status)
    }
}

/// `role = provider/model, provider/model` lines into a routes map.
fn parse_routes(text: &str) -> Result<BTreeMap<String, Vec<String>>, Failed> {
    let mut routes = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((role, targets)) = line.split_once('=') else {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("routes line {}: write it as role = provider/model", i + 1),
            ));
        };
        let targets: Vec<String> = targets
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        routes.insert(role.trim().to_owned(), targets);
    }
    Ok(routes)
}

/// `POST /admin/llm`: the settings, checked as the API checks them (routes must name configured
/// providers).
pub async fn save(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (signed, form) = match posted(&state, &headers, &body).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let result = async {
        let routes = parse_routes(form.raw("routes"))?;
        for (route, targets) in &routes {
            state.gateway.validate_targets(targets).map_err(|e| {
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("routes.{route}: {e}"),
                )
            })?;
        }
        let token_budget = match form.optional("monthly_token_budget") {
            Some(raw) => Some(raw.parse::<i64>().map_err(|_| {
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The token budget must be a whole number.".to_owned(),
                )
            })?),
            None => None,
        };
        let soft = form.get("soft_limit_percent").parse::<u8>().map_err(|_| {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "The warning level must be a whole percentage, 1 to 100.".to_owned(),
            )
        })?;
        let patch: LlmSettingsPatch = parse(json!({
            "monthly_token_budget": token_budget,
            "monthly_cost_budget_usd": form.optional("monthly_cost_budget_usd"),
            "soft_limit_percent": soft,
            "keep_prompts": form.checked("keep_prompts"),
            "routes": routes,
        }))?;
        let settings = state
            .store
            .update_llm_settings(&write_ctx(&signed), None, |s| patch.apply(s))
            .await
            .map_err(problem)?;
        state.llm_settings.put(signed.tenant, settings);
        Ok::<(), Failed>(())
    }
    .await;
    answer::<Llm>(&state, &signed, result, Notice::Saved).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_read_line_by_line() {
        let routes = parse_routes(
            "sales = openai/gpt-4o, anthropic/claude\n\n  customer_success=openai/gpt-4o-mini ",
        )
        .unwrap();
        assert_eq!(routes["sales"], vec!["openai/gpt-4o", "anthropic/claude"]);
        assert_eq!(routes["customer_success"], vec!["openai/gpt-4o-mini"]);
        assert!(parse_routes("sales openai/gpt-4o").is_err());
        assert!(parse_routes("").unwrap().is_empty());
    }
}
