//! Products and price books: products added, renamed, retired and brought back; price-book
//! entries (a SKU's list price in a region and currency) added through the same checks as a
//! price-book load, and removed; the discount bands shown beside them.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::catalog::{NewPriceEntry, PriceUnit};
use domain::id::PriceEntryId;
use domain::product::{NewProduct, Product, ProductPatch};
use domain::region::Region;
use serde_json::json;
use store::ListQuery;

use super::{
    AdminSection, Field, FormSpec, Notice, RowAction, Section, Table, TableRow, answer,
    create_from, patch_from, posted, problem, write_ctx,
};
use crate::routes::catalog::catalog_error;
use crate::state::AppState;
use crate::web::server_error;
use crate::web::session::Signed;

const HERE: &str = "/admin/products";
/// Most price-book entries the page lists.
const MAX_PRICES: u32 = 500;

/// The section, for the console's shared handlers.
pub struct Catalog;

impl AdminSection for Catalog {
    const HERE: &'static str = HERE;

    async fn render(
        state: &AppState,
        signed: &Signed,
        status: StatusCode,
        notice: Option<&'static str>,
        error: Option<String>,
    ) -> Response {
        let store = &state.store;
        let tenant = signed.tenant;
        let price_query = ListQuery {
            limit: MAX_PRICES,
            ..ListQuery::default()
        };
        let loaded = tokio::try_join!(
            store.list_all::<Product>(tenant, Vec::new(), 1000),
            store.list_all::<Region>(tenant, Vec::new(), 1000),
            store.list_prices(tenant, &price_query),
            store.discount_bands(tenant),
        );
        let (products, regions, prices, bands) = match loaded {
            Ok(loaded) => loaded,
            Err(e) => return server_error(&e.to_string()),
        };
        let product_name = |id| {
            products
                .iter()
                .find(|p| p.id == id)
                .map_or_else(|| "–".to_owned(), |p| format!("{} ({})", p.name, p.code))
        };
        let mut section = Section::new(
            signed,
            HERE,
            "The catalog the agents quote from: products, their list prices per region and currency, \
             and the discount bands that decide who must approve a discount.",
        );
        section.notice = notice;
        section.error = error;
        section.tables.push(Table {
            caption: "Products".into(),
            headers: ["Code", "State", "Name and description"]
                .map(String::from)
                .to_vec(),
            rows: products
                .iter()
                .map(|p| TableRow {
                    cells: vec![
                        p.code.clone(),
                        if p.active { "active" } else { "retired" }.to_owned(),
                    ],
                    actions: vec![
                        RowAction {
                            action: format!("{HERE}/{}", p.id),
                            submit: "Save".into(),
                            aria: format!("Save product {}", p.code),
                            fields: vec![
                                Field::text("name", format!("Name of {}", p.code)).value(&p.name),
                                Field::text("description", format!("Description of {}", p.code))
                                    .value(p.description.clone().unwrap_or_default())
                                    .optional(),
                            ],
                            danger: false,
                        },
                        RowAction {
                            action: format!("{HERE}/{}/active", p.id),
                            submit: if p.active { "Retire" } else { "Bring back" }.into(),
                            aria: format!(
                                "{} product {}",
                                if p.active { "Retire" } else { "Bring back" },
                                p.code
                            ),
                            fields: vec![],
                            danger: p.active,
                        },
                    ],
                })
                .collect(),
            empty: "No products yet.".into(),
        });
        section.tables.push(Table {
            caption: "Price book".into(),
            headers: ["Product", "SKU", "Name", "Region", "List price", "Unit", ""]
                .map(String::from)
                .to_vec(),
            rows: prices
                .items
                .iter()
                .map(|e| TableRow {
                    cells: vec![
                        product_name(e.product_id),
                        e.sku.clone(),
                        e.name.clone(),
                        e.region.as_str().to_owned(),
                        format!("{} {}", e.list_price, e.currency),
                        e.unit.to_string(),
                    ],
                    actions: vec![RowAction {
                        action: format!("{HERE}/prices/{}/delete", e.id),
                        submit: "Remove".into(),
                        aria: format!("Remove {} in {}", e.sku, e.region.as_str()),
                        fields: vec![],
                        danger: true,
                    }],
                })
                .collect(),
            empty: "No prices yet: add one below, or load a CSV with PUT /api/v1/catalog/prices."
                .into(),
        });
        section.tables.push(Table {
            caption: "Discount bands".into(),
            headers: ["Product", "Region", "Up to", "Approved by"]
                .map(String::from)
                .to_vec(),
            rows: bands
                .iter()
                .map(|b| TableRow {
                    cells: vec![
                        b.product_id
                            .map_or_else(|| "every product".to_owned(), product_name),
                        b.region
                            .as_ref()
                            .map_or_else(|| "every region".to_owned(), |r| r.as_str().to_owned()),
                        format!("{}%", b.up_to_percent),
                        b.approval.to_string(),
                    ],
                    actions: vec![],
                })
                .collect(),
            empty: "No discount bands: every discount goes to a human. Set them with PUT \
                    /api/v1/catalog/discount-bands."
                .into(),
        });
        section.forms.push(FormSpec {
            id: "new-product",
            title: "Add a product".into(),
            action: HERE.into(),
            submit: "Add product".into(),
            fields: vec![
                Field::text("code", "Code")
                    .hint("Letters, digits and dashes, for example SKY-CHG."),
                Field::text("name", "Name"),
                Field::text("description", "Description").optional(),
            ],
        });
        section.forms.push(FormSpec {
            id: "new-price",
            title: "Add or replace a list price".into(),
            action: format!("{HERE}/prices"),
            submit: "Save price".into(),
            fields: vec![
                Field::select(
                    "product",
                    "Product",
                    products.iter().map(|p| (p.code.clone(), p.name.clone())),
                    "",
                ),
                Field::text("sku", "SKU"),
                Field::text("name", "Name on the quote").optional(),
                Field::select(
                    "region",
                    "Region",
                    regions
                        .iter()
                        .map(|r| (r.code.as_str().to_owned(), r.name.clone())),
                    "",
                ),
                Field::text("currency", "Currency").hint("ISO 4217, for example EUR."),
                Field::number("list_price", "List price"),
                Field::select(
                    "unit",
                    "Unit",
                    PriceUnit::ALL
                        .iter()
                        .map(|u| (u.as_str().to_owned(), u.as_str().replace('_', " "))),
                    "per_seat_month",
                ),
            ],
        });
        section.respond(status)
    }
}

/// `POST /admin/products`.
pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (signed, form) = match posted(&state, &headers, &body).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let input = json!({
        "code": form.get("code"), "name": form.get("name"),
        "description": form.optional("description"),
    });
    let result = create_from(&state, &signed, input, NewProduct::into_product)
        .await
        .map(|_: Product| ());
    answer::<Catalog>(&state, &signed, result, Notice::Created).await
}

/// `POST /admin/products/{id}`: name and description.
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (signed, form) = match posted(&state, &headers, &body).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let input = json!({"name": form.get("name"), "description": form.optional("description")});
    let result = patch_from(
        &state,
        &signed,
        &id,
        input,
        |p: ProductPatch, r: &mut Product| p.apply(r),
    )
    .await
    .map(|_| ());
    answer::<Catalog>(&state, &signed, result, Notice::Saved).await
}

/// `POST /admin/products/{id}/active`: retires an active product, brings back a retired one.
pub async fn active(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let signed = match posted(&state, &headers, &body).await {
        Ok((signed, _)) => signed,
        Err(response) => return response,
    };
    let result = patch_from(
        &state,
        &signed,
        &id,
        json!({}),
        |_: ProductPatch, r: &mut Product| {
            r.active = !r.active;
            Ok(())
        },
    )
    .await
    .map(|_| ());
    answer::<Catalog>(&state, &signed, result, Notice::Saved).await
}

/// `POST /admin/products/prices`: one price-book row, through the price-book load's checks.
pub async fn add_price(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (signed, form) = match posted(&state, &headers, &body).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let row = json!({
        "product": form.get("product"), "sku": form.get("sku"), "name": form.optional("name"),
        "region": form.get("region"), "currency": form.get("currency"),
        "list_price": form.get("list_price"), "unit": form.get("unit"),
    });
    let result = match super::parse::<NewPriceEntry>(row) {
        Ok(row) => knowledge::catalog::load_prices(&state.store, &write_ctx(&signed), vec![row])
            .await
            .map(|_| ())
            .map_err(|e| problem(catalog_error(e))),
        Err(failed) => Err(failed),
    };
    answer::<Catalog>(&state, &signed, result, Notice::Saved).await
}

/// `POST /admin/products/prices/{id}/delete`.
pub async fn delete_price(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let signed = match posted(&state, &headers, &body).await {
        Ok((signed, _)) => signed,
        Err(response) => return response,
    };
    let result = match uuid::Uuid::try_parse(&id) {
        Ok(id) => state
            .store
            .delete_price(&write_ctx(&signed), PriceEntryId::from_uuid(id))
            .await
            .map_err(problem),
        Err(_) => Err((StatusCode::NOT_FOUND, "No such price.".to_owned())),
    };
    answer::<Catalog>(&state, &signed, result, Notice::Deleted).await
}
