//! `/api/v1/quotas`: revenue targets per rep, region or tenant and period (managers set them),
//! and `/api/v1/quotas/{id}/pursuit` and `/api/v1/goals`: where they stand (won, open and
//! weighted pipeline, gap, coverage) and the next best actions, ranked with reasons.

use axum::Json;
use axum::extract::{Path, State};
use domain::id::{QuotaId, UserId};
use domain::quota::{NewQuota, Quota, QuotaPatch};
use domain::region::RegionCode;
use serde::{Deserialize, Serialize};
use store::{Filter, SqlValue};

use super::crud::{
    ListFilters, create_handler, delete_handler, get_handler, id_filter, list_handler,
    update_handler,
};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, path_id};
use crate::state::AppState;

/// Filters for listing quotas.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuotaFilters {
    /// The rep's user id.
    pub user_id: Option<String>,
    /// Region code.
    pub region: Option<String>,
}

fn region_code(raw: &str) -> Result<RegionCode, ApiError> {
    RegionCode::parse(raw)
        .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()).with_field("region"))
}

impl ListFilters for QuotaFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = id_filter("user_id", self.user_id)?.into_iter().collect();
        if let Some(region) = self.region {
            filters.push(Filter::Eq(
                "region",
                SqlValue::text(region_code(&region)?.as_str()),
            ));
        }
        Ok(filters)
    }
}

list_handler!(resource: Quota, page: QuotaPage, filters: QuotaFilters, tag: "goals",
    collection: "/api/v1/quotas", check: require_reader);
get_handler!(resource: Quota, tag: "goals", item: "/api/v1/quotas/{id}", name: "quota", check: require_reader);
create_handler!(resource: Quota, new: NewQuota, into: into_quota, tag: "goals", collection: "/api/v1/quotas",
    check: require_manager);
update_handler!(resource: Quota, patch: QuotaPatch, tag: "goals", item: "/api/v1/quotas/{id}", name: "quota",
    check: require_manager);
delete_handler!(resource: Quota, tag: "goals", item: "/api/v1/quotas/{id}", name: "quota", check: require_manager);

/// The day to judge on.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PursuitQuery {
    /// `YYYY-MM-DD`; today (UTC) by default.
    pub date: Option<String>,
}

fn day(raw: Option<&str>) -> Result<jiff::civil::Date, ApiError> {
    match raw {
        None => Ok(store::now().to_zoned(jiff::tz::TimeZone::UTC).date()),
        Some(raw) => raw.trim().parse().map_err(|_| {
            ApiError::bad_request("invalid_query", format!("{raw:?} is not a YYYY-MM-DD date"))
                .with_field("date")
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/quotas/{id}/pursuit", tag = "goals",
    params(("id" = String, Path, description = "Quota id"), PursuitQuery),
    responses((status = 200, description = "won, open_pipeline, \
        weighted_pipeline, gap, coverage, attainment_percent and next_best_actions (rank, \
        opportunity_id, action, reason, value_at_stake)"),
        (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn pursuit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PursuitQuery>,
) -> Result<Json<agents::crew::sales::goals::Pursuit>, ApiError> {
    let id = QuotaId::from_uuid(path_id("quota", &id)?);
    let today = day(query.date.as_deref())?;
    let pursuit = agents::crew::sales::goals::pursuit(&state.store, auth.tenant, id, today).await?;
    Ok(Json(pursuit))
}

/// Whose goals, and on which day.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GoalsQuery {
    /// Only this rep's quotas.
    pub user_id: Option<String>,
    /// Only this region's quotas.
    pub region: Option<String>,
    /// `YYYY-MM-DD`; today (UTC) by default.
    pub date: Option<String>,
}

/// The pursuits of the quotas in force on a day.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Goals {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<agents::crew::sales::goals::Pursuit>,
}

#[utoipa::path(get, path = "/api/v1/goals", tag = "goals", params(GoalsQuery),
    responses((status = 200, body = Goals), (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn goals(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<GoalsQuery>,
) -> Result<Json<Goals>, ApiError> {
    let user = query
        .user_id
        .as_deref()
        .map(|raw| {
            uuid::Uuid::try_parse(raw.trim())
                .map(UserId::from_uuid)
                .map_err(|_| {
                    ApiError::bad_request("invalid_query", "user_id must be an id")
                        .with_field("user_id")
                })
        })
        .transpose()?;
    let region = query.region.as_deref().map(region_code).transpose()?;
    let today = day(query.date.as_deref())?;
    let items =
        agents::crew::sales::goals::goals(&state.store, auth.tenant, user, region.as_ref(), today)
            .await?;
    Ok(Json(Goals { items }))
}
