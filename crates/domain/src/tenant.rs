//! Tenants: the business units that share one installation and never see each other.

use jiff::Timestamp;
use serde::Serialize;

use crate::error::{DomainError, Result};
use crate::id::TenantId;

/// A tenant's unique short name: lower-case letters, digits and `-`, 2 to 63 characters,
/// starting with a letter (`skyvera`, `jigtree`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TenantSlug(String);

impl TenantSlug {
    /// Parses a slug, lower-casing it.
    pub fn parse(s: &str) -> Result<Self> {
        let slug = s.trim().to_ascii_lowercase();
        let ok = (2..=63).contains(&slug.len())
            && slug.starts_with(|c: char| c.is_ascii_lowercase())
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(DomainError::invalid(
                "name",
                format!("{s:?} is not a tenant name (2-63 of a-z, 0-9, -; starting with a letter)"),
            ));
        }
        Ok(Self(slug))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::text::string_newtype_serde!(TenantSlug);

/// A business unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tenant {
    pub id: TenantId,
    pub name: TenantSlug,
    pub display_name: String,
    pub created_at: Timestamp,
}

impl Tenant {
    /// A new tenant; the display name defaults to the slug.
    pub fn new(name: TenantSlug, display_name: Option<&str>, now: Timestamp) -> Result<Self> {
        let display_name = crate::text::optional_line("display_name", display_name)?
            .unwrap_or_else(|| name.as_str().to_owned());
        Ok(Self {
            id: TenantId::generate(),
            name,
            display_name,
            created_at: now,
        })
    }
}
