//! `/api/v1/llm`: the tenant's LLM call traces, usage summaries and settings (budgets, routes,
//! prompt keeping). Managers read; admins change settings.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::llm_call::{CallOutcome, LlmCall};
use domain::llm_settings::{LlmSettings, LlmSettingsPatch};
use serde::{Deserialize, Serialize};
use store::{Filter, SqlValue, UsageGroup};

use super::crud::{
    ListFilters, get_handler, json_with_etag, label_filter, list_handler, time_query, write_ctx,
};
use crate::auth::Auth;
use crate::budget::{MonthSpend, month_spend};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, IfMatch};
use crate::middleware::RequestId;
use crate::state::AppState;

/// Filters for listing LLM calls.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallFilters {
    /// Agent role or route, for example `sales`.
    pub route: Option<String>,
    pub provider: Option<String>,
    /// `ok`, `error` or `offline`.
    pub outcome: Option<String>,
}

impl ListFilters for CallFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = label_filter::<CallOutcome>("outcome", self.outcome)?
            .into_iter()
            .collect();
        if let Some(route) = self.route {
            filters.push(Filter::Eq("route", SqlValue::text(route.trim())));
        }
        if let Some(provider) = self.provider {
            filters.push(Filter::Eq("provider", SqlValue::text(provider.trim())));
        }
        Ok(filters)
    }
}

list_handler!(resource: LlmCall, page: LlmCallPage, filters: CallFilters, tag: "llm",
    collection: "/api/v1/llm/calls", check: require_manager);
get_handler!(resource: LlmCall, tag: "llm", item: "/api/v1/llm/calls/{id}", name: "LLM call", check: require_manager);

/// Options of a usage summary.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// `day` (default), `route`, `model`, `skill` or `outcome`.
    pub group_by: Option<String>,
    /// From this RFC 3339 time (inclusive).
    pub since: Option<String>,
    /// Until this RFC 3339 time (exclusive).
    pub until: Option<String>,
}

/// Usage per group.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UsageSummary {
    pub group_by: String,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<store::UsageRow>,
}

fn time(name: &'static str, raw: Option<String>) -> Result<Option<jiff::Timestamp>, ApiError> {
    raw.map(|r| time_query(name, &r)).transpose()
}

#[utoipa::path(get, path = "/api/v1/llm/usage", tag = "llm", params(UsageQuery),
    responses((status = 200, body = UsageSummary), (status = 400, body = Problem), (status = 403, body = Problem)),
    security(("api_key" = [])))]
pub async fn usage(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<UsageQuery>,
) -> Result<Json<UsageSummary>, ApiError> {
    auth.require_manager()?;
    let group_by = query.group_by.unwrap_or_else(|| "day".to_owned());
    let group = match group_by.as_str() {
        "day" => UsageGroup::Day,
        "route" => UsageGroup::Route,
        "model" => UsageGroup::Model,
        "skill" => UsageGroup::Skill,
        "outcome" => UsageGroup::Outcome,
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("group_by must be day, route, model, skill or outcome, not {other:?}"),
            ));
        }
    };
    let items = state
        .store
        .llm_usage(
            auth.tenant,
            group,
            time("since", query.since)?,
            time("until", query.until)?,
        )
        .await?;
    Ok(Json(UsageSummary { group_by, items }))
}

/// A tenant's LLM settings with this month's spend.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SettingsView {
    #[serde(flatten)]
    pub settings: LlmSettings,
    pub month: MonthSpend,
}

async fn settings_view(
    state: &AppState,
    auth: &Auth,
    settings: LlmSettings,
) -> Result<Response, ApiError> {
    let month = month_spend(&state.store, auth.tenant, &settings, true).await?;
    let version = settings.version;
    json_with_etag(
        StatusCode::OK,
        &SettingsView { settings, month },
        Some(version),
    )
}

#[utoipa::path(get, path = "/api/v1/llm/settings", tag = "llm",
    responses((status = 200, body = SettingsView), (status = 403, body = Problem)), security(("api_key" = [])))]
pub async fn settings(State(state): State<AppState>, auth: Auth) -> Result<Response, ApiError> {
    auth.require_manager()?;
    let settings = state.store.llm_settings(auth.tenant).await?;
    settings_view(&state, &auth, settings).await
}

#[utoipa::path(patch, path = "/api/v1/llm/settings", tag = "llm", request_body = LlmSettingsPatch,
    params(("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if it changed")),
    responses((status = 200, body = SettingsView), (status = 403, body = Problem), (status = 412, body = Problem),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn update_settings(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    if_match: IfMatch,
    body: ApiJson<LlmSettingsPatch>,
) -> Result<Response, ApiError> {
    auth.require_admin()?;
    let patch = body.value;
    if let Some(routes) = &patch.routes {
        for (route, targets) in routes {
            state.gateway.validate_targets(targets).map_err(|e| {
                ApiError::unprocessable("invalid_input", format!("routes.{route}: {e}"))
                    .with_field("routes")
            })?;
        }
    }
    if let Some(prices) = &patch.prices {
        let targets: Vec<String> = prices.keys().cloned().collect();
        state.gateway.validate_targets(&targets).map_err(|e| {
            ApiError::unprocessable("invalid_input", format!("prices: {e}")).with_field("prices")
        })?;
    }
    let w = write_ctx(&auth, request_id.0);
    let settings = state
        .store
        .update_llm_settings(&w, if_match.0, |s| patch.apply(s))
        .await?;
    state.llm_settings.put(auth.tenant, settings.clone());
    settings_view(&state, &auth, settings).await
}
