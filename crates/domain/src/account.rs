//! Customer accounts, with the email domains used to match people to them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};
use crate::id::{AccountId, UserId};
use crate::region::RegionCode;
use crate::text::{self, DomainName};

/// Most domains one account may carry.
pub const MAX_DOMAINS: usize = 50;

/// A customer account.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    /// Email domains of this account's people, unique within the tenant.
    pub domains: Vec<DomainName>,
    pub industry: Option<String>,
    pub region: Option<RegionCode>,
    pub owner_id: Option<UserId>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn checked_domains(mut domains: Vec<DomainName>) -> Result<Vec<DomainName>> {
    domains.sort();
    domains.dedup();
    if domains.len() > MAX_DOMAINS {
        return Err(DomainError::invalid(
            "domains",
            format!("at most {MAX_DOMAINS} domains"),
        ));
    }
    Ok(domains)
}

/// Input for creating an account.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub name: String,
    #[serde(default)]
    pub domains: Vec<DomainName>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub region: Option<RegionCode>,
    #[serde(default)]
    pub owner_id: Option<UserId>,
}

impl NewAccount {
    /// Validates the input into an account.
    pub fn into_account(self, now: Timestamp) -> Result<Account> {
        Ok(Account {
            id: AccountId::generate(),
            name: text::line("name", &self.name)?,
            domains: checked_domains(self.domains)?,
            industry: text::optional_line("industry", self.industry.as_deref())?,
            region: self.region,
            owner_id: self.owner_id,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

/// A partial update of an account.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub name: Option<String>,
    /// Replaces the whole list.
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub domains: Option<Vec<DomainName>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub industry: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub region: Option<Option<RegionCode>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub owner_id: Option<Option<UserId>>,
}

impl AccountPatch {
    /// Applies the patch.
    pub fn apply(self, account: &mut Account) -> Result<()> {
        if let Some(name) = self.name {
            account.name = text::line("name", &name)?;
        }
        if let Some(domains) = self.domains {
            account.domains = checked_domains(domains)?;
        }
        if let Some(industry) = self.industry {
            account.industry = text::optional_line("industry", industry.as_deref())?;
        }
        if let Some(region) = self.region {
            account.region = region;
        }
        if let Some(owner) = self.owner_id {
            account.owner_id = owner;
        }
        Ok(())
    }
}
