//! What a person may see of the business units they belong to.

use domain::id::TenantId;
use domain::tenant::TenantSlug;

/// A business unit a person can sign in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantChoice {
    pub id: TenantId,
    pub name: TenantSlug,
    pub display_name: String,
}
