//! Products a tenant sells.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};
use crate::id::ProductId;
use crate::text;

/// Normalises a product code (SKU family): 1-64 of letters, digits, `-`, `_`, `.`.
fn checked_code(s: &str) -> Result<String> {
    let code = s.trim().to_ascii_uppercase();
    let ok = (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !ok {
        return Err(DomainError::invalid(
            "code",
            format!("{s:?} is not a product code"),
        ));
    }
    Ok(code)
}

/// A product of the tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: ProductId,
    /// Unique within the tenant, upper-cased.
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Input for creating a product.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

impl NewProduct {
    /// Validates the input into a product.
    pub fn into_product(self, now: Timestamp) -> Result<Product> {
        Ok(Product {
            id: ProductId::generate(),
            code: checked_code(&self.code)?,
            name: text::line("name", &self.name)?,
            description: self
                .description
                .map(|d| text::body("description", &d))
                .transpose()?,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

/// A partial update of a product.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub active: Option<bool>,
}

impl ProductPatch {
    /// Applies the patch.
    pub fn apply(self, product: &mut Product) -> Result<()> {
        if let Some(code) = self.code {
            product.code = checked_code(&code)?;
        }
        if let Some(name) = self.name {
            product.name = text::line("name", &name)?;
        }
        if let Some(description) = self.description {
            product.description = description
                .map(|d| text::body("description", &d))
                .transpose()?;
        }
        if let Some(active) = self.active {
            product.active = active;
        }
        Ok(())
    }
}
