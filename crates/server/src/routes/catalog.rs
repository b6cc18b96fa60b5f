//! `/api/v1/catalog`: the price book (a SKU's list price per region and currency), the discount
//! bands (how far a discount goes and who approves it), and quotes priced from both. Managers
//! load rows as JSON (`{"items": [...]}`) or CSV with a header row; a load is all or nothing.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use domain::catalog::{DiscountBand, NewDiscountBand, NewPriceEntry, PriceEntry, Quote};
use domain::id::PriceEntryId;
use domain::region::RegionCode;
use knowledge::catalog::{CatalogError, find_prices, load_discount_bands, load_prices, parse_csv};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use store::{Filter, SqlValue};

use super::crud::{ListFilters, PageParams, id_filter, write_ctx};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{
    ApiQuery, media_type, parse_json, path_id, read_body, unsupported_media_type,
};
use crate::middleware::RequestId;
use crate::state::AppState;

/// Rows given as JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rows<T> {
    items: Vec<T>,
}

pub(crate) fn catalog_error(e: CatalogError) -> ApiError {
    match e {
        CatalogError::Row { row, field, detail } => {
            let error = ApiError::unprocessable("invalid_row", format!("row {row}: {detail}"));
            if field.is_empty() {
                error
            } else {
                error.with_field(format!("items[{}].{field}", row - 1))
            }
        }
        CatalogError::Invalid(detail) => ApiError::unprocessable("invalid_input", detail),
        CatalogError::Store(e) => e.into(),
    }
}

/// The rows of a JSON or CSV body.
async fn read_rows<T: DeserializeOwned>(
    state: &AppState,
    request: Request,
) -> Result<Vec<T>, ApiError> {
    let content_type = media_type(request.headers());
    let bytes = read_body(request, state).await?;
    match content_type.as_str() {
        "application/json" => Ok(parse_json::<Rows<T>>(&bytes)?.items),
        "text/csv" => {
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| ApiError::bad_request("malformed_csv", "the CSV is not UTF-8 text"))?;
            parse_csv(text).map_err(|e| match e {
                CatalogError::Row { row, detail, .. } => {
                    ApiError::bad_request("malformed_csv", format!("row {row}: {detail}"))
                }
                other => catalog_error(other),
            })
        }
        _ => Err(unsupported_media_type(
            "send rows as JSON ({\"items\": [...]}) or as text/csv with a header row",
        )),
    }
}

/// Filters for listing the price book.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PriceFilters {
    pub product_id: Option<String>,
    pub sku: Option<String>,
    pub region: Option<String>,
    pub currency: Option<String>,
}

impl ListFilters for PriceFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = id_filter("product_id", self.product_id)?
            .into_iter()
            .collect();
        for (column, value) in [
            ("sku", self.sku),
            ("region", self.region),
            ("currency", self.currency),
        ] {
            if let Some(value) = value {
                filters.push(Filter::Eq(
                    column,
                    SqlValue::text(value.trim().to_ascii_uppercase()),
                ));
            }
        }
        Ok(filters)
    }
}

/// One page of the price book.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PricePage {
    pub items: Vec<PriceEntry>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/catalog/prices", tag = "catalog",
    params(PageParams, PriceFilters),
    responses((status = 200, body = PricePage), (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn list_prices(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(filters): ApiQuery<PriceFilters>,
) -> Result<Json<PricePage>, ApiError> {
    auth.require_reader()?;
    let query = page.into_query(filters.into_filters()?)?;
    let found = state.store.list_prices(auth.tenant, &query).await?;
    Ok(Json(PricePage {
        items: found.items,
        next_cursor: found.next_cursor.map(|c| c.to_string()),
    }))
}

/// What a price load did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PriceLoad {
    pub created: usize,
    pub updated: usize,
    pub items: Vec<PriceEntry>,
}

#[utoipa::path(put, path = "/api/v1/catalog/prices", tag = "catalog",
    request_body(description = "`{\"items\": [...]}` as JSON, or text/csv with the columns \
        product,sku,name,region,currency,list_price,unit", content((Vec<NewPriceEntry> = "application/json"))),
    responses((status = 200, body = PriceLoad, description = "Stored; entries of the same SKU, region and currency replaced"),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn put_prices(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    request: Request,
) -> Result<Json<PriceLoad>, ApiError> {
    auth.require_manager()?;
    let rows: Vec<NewPriceEntry> = read_rows(&state, request).await?;
    let w = write_ctx(&auth, request_id.0);
    let (items, created) = load_prices(&state.store, &w, rows)
        .await
        .map_err(catalog_error)?;
    Ok(Json(PriceLoad {
        created,
        updated: items.len() - created,
        items,
    }))
}

#[utoipa::path(delete, path = "/api/v1/catalog/prices/{id}", tag = "catalog",
    params(("id" = String, Path, description = "Price entry id")),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn delete_price(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth.require_manager()?;
    let id = PriceEntryId::from_uuid(path_id("price entry", &id)?);
    let w = write_ctx(&auth, request_id.0);
    state.store.delete_price(&w, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The tenant's discount bands.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DiscountBands {
    pub items: Vec<DiscountBand>,
}

#[utoipa::path(get, path = "/api/v1/catalog/discount-bands", tag = "catalog",
    responses((status = 200, body = DiscountBands)),
    security(("api_key" = [])))]
pub async fn list_bands(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<DiscountBands>, ApiError> {
    auth.require_reader()?;
    let bands = state.store.discount_bands(auth.tenant).await?;
    Ok(Json(DiscountBands {
        items: knowledge::catalog::sorted_bands(bands),
    }))
}

#[utoipa::path(put, path = "/api/v1/catalog/discount-bands", tag = "catalog",
    request_body(description = "The whole set: `{\"items\": [...]}` as JSON, or text/csv with \
        the columns product,region,up_to_percent,approval (approval: none, manager, director, \
        deal_desk)", content((Vec<NewDiscountBand> = "application/json"))),
    responses((status = 200, body = DiscountBands, description = "The tenant's bands, replaced"),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn put_bands(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    request: Request,
) -> Result<Json<DiscountBands>, ApiError> {
    auth.require_manager()?;
    let rows: Vec<NewDiscountBand> = read_rows(&state, request).await?;
    let w = write_ctx(&auth, request_id.0);
    let items = load_discount_bands(&state.store, &w, rows)
        .await
        .map_err(catalog_error)?;
    Ok(Json(DiscountBands { items }))
}

/// What to price.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuoteParams {
    pub sku: Option<String>,
    pub region: Option<String>,
    /// Needed when the SKU has prices in several currencies in the region.
    pub currency: Option<String>,
    /// Units (default 1).
    pub quantity: Option<u32>,
    /// Percent off the list price (default 0).
    pub discount_percent: Option<String>,
}

fn bad_quote(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_query", detail).with_field(field)
}

#[utoipa::path(get, path = "/api/v1/catalog/quote", tag = "catalog", params(QuoteParams),
    responses((status = 200, body = Quote, description = "List, discount and net, with what the discount bands say"),
        (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn quote(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<QuoteParams>,
) -> Result<Json<Quote>, ApiError> {
    auth.require_reader()?;
    let sku = params
        .sku
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad_quote("sku", "give the SKU as `sku`"))?;
    let region = params
        .region
        .as_deref()
        .map(RegionCode::parse)
        .transpose()
        .map_err(|e| bad_quote("region", e.to_string()))?
        .ok_or_else(|| bad_quote("region", "give the region as `region`"))?;
    let quantity = params.quantity.unwrap_or(1);
    if quantity == 0 || quantity > 10_000_000 {
        return Err(bad_quote("quantity", "`quantity` is 1 to 10000000"));
    }
    let discount: Decimal = match params.discount_percent.as_deref().map(str::trim) {
        None | Some("") => Decimal::ZERO,
        Some(raw) => raw
            .parse()
            .map_err(|_| bad_quote("discount_percent", format!("{raw:?} is not a number")))?,
    };
    let entries = find_prices(
        &state.store,
        auth.tenant,
        &sku,
        &region,
        params.currency.as_deref(),
    )
    .await?;
    let entry = match entries.as_slice() {
        [] => {
            return Err(ApiError::not_found(format!(
                "no price for {sku:?} in {}",
                region.as_str()
            )));
        }
        [entry] => entry,
        several => {
            let currencies: Vec<&str> = several.iter().map(|e| e.currency.code()).collect();
            return Err(bad_quote(
                "currency",
                format!(
                    "{sku} has prices in {}; say which as `currency`",
                    currencies.join(", ")
                ),
            ));
        }
    };
    let bands = state.store.discount_bands(auth.tenant).await?;
    let quote = domain::catalog::quote(entry, quantity, discount, &bands)
        .map_err(|e| bad_quote("discount_percent", e.to_string()))?;
    Ok(Json(quote))
}
