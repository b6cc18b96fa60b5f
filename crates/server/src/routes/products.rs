//! `/api/v1/products`: what the tenant sells. Managers and admins maintain the list.

use domain::product::{NewProduct, Product, ProductPatch};
use serde::Deserialize;
use store::{Filter, SqlValue};

use super::crud::{
    ListFilters, contains_filter, create_handler, delete_handler, get_handler, list_handler,
    update_handler,
};
use crate::error::ApiError;

/// Filters for listing products.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductFilters {
    /// Exact product code (case-insensitive).
    pub code: Option<String>,
    /// Name contains this text (case-insensitive).
    pub name: Option<String>,
    pub active: Option<bool>,
}

impl ListFilters for ProductFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = contains_filter("name_folded", self.name)
            .into_iter()
            .collect();
        if let Some(code) = self.code {
            filters.push(Filter::Eq(
                "code",
                SqlValue::text(code.trim().to_ascii_uppercase()),
            ));
        }
        if let Some(active) = self.active {
            filters.push(Filter::Eq("active", SqlValue::Bool(active)));
        }
        Ok(filters)
    }
}

list_handler!(resource: Product, page: ProductPage, filters: ProductFilters, tag: "products",
    collection: "/api/v1/products", check: require_reader);
get_handler!(resource: Product, tag: "products", item: "/api/v1/products/{id}", name: "product", check: require_reader);
create_handler!(resource: Product, new: NewProduct, into: into_product, tag: "products",
    collection: "/api/v1/products", check: require_manager);
update_handler!(resource: Product, patch: ProductPatch, tag: "products", item: "/api/v1/products/{id}",
    name: "product", check: require_manager);
delete_handler!(resource: Product, tag: "products", item: "/api/v1/products/{id}", name: "product",
    check: require_manager);
