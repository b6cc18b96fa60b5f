//! `/api/v1/opportunities`: deals, their stage moves (through the stage machine only) and history.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::activity::Activity;
use domain::id::OpportunityId;
use domain::opportunity::{NewOpportunity, Opportunity, OpportunityPatch};
use domain::region::RegionCode;
use domain::stage::{Stage, StageChange, StageMove};
use serde::{Deserialize, Serialize};
use store::{Filter, ListQuery, Order, SqlValue};

use super::crud::{
    ListFilters, contains_filter, create_handler, delete_handler, id_filter, json_with_etag,
    label_filter, list_handler, object_response, update_handler, write_ctx,
};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, IfMatch, path_id};
use crate::middleware::RequestId;
use crate::state::AppState;

/// Filters for listing opportunities.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpportunityFilters {
    pub account_id: Option<String>,
    pub stage: Option<String>,
    pub region: Option<String>,
    pub owner_id: Option<String>,
    /// Lists this product.
    pub product_id: Option<String>,
    /// Name contains this text (case-insensitive).
    pub name: Option<String>,
}

impl ListFilters for OpportunityFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = id_filter("account_id", self.account_id)?
            .into_iter()
            .collect();
        filters.extend(label_filter::<Stage>("stage", self.stage)?);
        if let Some(region) = self.region {
            let code = RegionCode::parse(&region)
                .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
            filters.push(Filter::Eq("region", SqlValue::text(code)));
        }
        filters.extend(id_filter("owner_id", self.owner_id)?);
        if let Some(Filter::Eq(_, product)) = id_filter("product_id", self.product_id)? {
            filters.push(Filter::Linked {
                table: "opportunity_products",
                owner_column: "opportunity_id",
                value_column: "product_id",
                values: vec![product],
            });
        }
        filters.extend(contains_filter("name_folded", self.name));
        Ok(filters)
    }
}

list_handler!(resource: Opportunity, page: OpportunityPage, filters: OpportunityFilters, tag: "opportunities",
    collection: "/api/v1/opportunities", check: require_reader);
create_handler!(resource: Opportunity, new: NewOpportunity, into: into_opportunity, tag: "opportunities",
    collection: "/api/v1/opportunities", check: require_writer);
update_handler!(resource: Opportunity, patch: OpportunityPatch, tag: "opportunities",
    item: "/api/v1/opportunities/{id}", name: "opportunity", check: require_writer);
delete_handler!(resource: Opportunity, tag: "opportunities", item: "/api/v1/opportunities/{id}",
    name: "opportunity", check: require_writer);

/// Most activities `include=activities` embeds (newest first).
const EMBEDDED_ACTIVITIES: u32 = 50;

/// Options for reading one opportunity.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetOptions {
    /// `activities` embeds the latest activities of the deal.
    pub include: Option<String>,
}

/// An opportunity with its latest activities.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OpportunityWithActivities {
    #[serde(flatten)]
    pub opportunity: Opportunity,
    /// The latest activities, newest first.
    pub activities: Vec<Activity>,
}

#[utoipa::path(get, path = "/api/v1/opportunities/{id}", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id"), GetOptions),
    responses((status = 200, body = OpportunityWithActivities, description = "The opportunity; `activities` only with include=activities", headers(("ETag" = String))),
        (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(options): ApiQuery<GetOptions>,
) -> Result<Response, ApiError> {
    let id = path_id("opportunity", &id)?;
    let opportunity: Opportunity = state.store.get(auth.tenant, id).await?;
    match options.include.as_deref() {
        None | Some("") => object_response(StatusCode::OK, &opportunity),
        Some("activities") => {
            let query = ListQuery {
                filters: vec![Filter::Eq("opportunity_id", SqlValue::Uuid(Some(id)))],
                after: None,
                limit: EMBEDDED_ACTIVITIES,
                order: Order::Descending,
            };
            let activities = state
                .store
                .list::<Activity>(auth.tenant, &query)
                .await?
                .items;
            let version = opportunity.version;
            json_with_etag(
                StatusCode::OK,
                &OpportunityWithActivities {
                    opportunity,
                    activities,
                },
                Some(version),
            )
        }
        Some(other) => Err(ApiError::bad_request(
            "invalid_query",
            format!("include must be activities, not {other:?}"),
        )),
    }
}

/// The opportunity after a stage move, and the recorded change.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StageMoved {
    pub opportunity: Opportunity,
    pub change: StageChange,
}

#[utoipa::path(post, path = "/api/v1/opportunities/{id}/stage", tag = "opportunities", request_body = StageMove,
    params(("id" = String, Path, description = "Opportunity id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if it changed")),
    responses((status = 200, body = StageMoved),
        (status = 403, body = Problem, description = "Closed Won by a service key, or reopening by a non-admin"),
        (status = 404, body = Problem), (status = 412, body = Problem),
        (status = 422, body = Problem, description = "The stage machine does not allow the move")),
    security(("api_key" = [])))]
pub async fn move_stage(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    Path(id): Path<String>,
    if_match: IfMatch,
    body: ApiJson<StageMove>,
) -> Result<Response, ApiError> {
    auth.require_writer()?;
    let id = OpportunityId::from_uuid(path_id("opportunity", &id)?);
    let w = write_ctx(&auth, request_id.0);
    let (opportunity, change) = state
        .store
        .move_stage(&w, id, &body.value, if_match.0)
        .await?;
    let version = opportunity.version;
    json_with_etag(
        StatusCode::OK,
        &StageMoved {
            opportunity,
            change,
        },
        Some(version),
    )
}

/// Every stage change of an opportunity.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StageHistory {
    /// Oldest first.
    pub items: Vec<StageChange>,
}

#[utoipa::path(get, path = "/api/v1/opportunities/{id}/stage-history", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id")),
    responses((status = 200, body = StageHistory), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn stage_history(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<StageHistory>, ApiError> {
    let id = OpportunityId::from_uuid(path_id("opportunity", &id)?);
    let items = state.store.stage_history(auth.tenant, id).await?;
    Ok(Json(StageHistory { items }))
}
