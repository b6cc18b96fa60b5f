//! Users (the humans of a tenant) and their roles.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::UserId;
use crate::labels::labels;
use crate::region::RegionCode;
use crate::text::{self, Email};

labels! {
    /// What a user or API key may do inside its tenant.
    pub enum Role {
        /// Everything, including users, API keys, regions and reopening closed deals.
        Admin = "admin",
        /// Writes to every CRM object of the tenant.
        Manager = "manager",
        /// Writes to CRM objects.
        Rep = "rep",
        /// Reads only.
        Viewer = "viewer",
    }
}

impl Role {
    /// Whether this role may create, change or delete CRM objects.
    pub fn can_write(self) -> bool {
        !matches!(self, Role::Viewer)
    }

    /// Privilege order: viewer < rep < manager < admin.
    pub fn privilege(self) -> u8 {
        match self {
            Role::Viewer => 0,
            Role::Rep => 1,
            Role::Manager => 2,
            Role::Admin => 3,
        }
    }

    /// The less privileged of two roles.
    pub fn weaker(self, other: Role) -> Role {
        if self.privilege() <= other.privilege() {
            self
        } else {
            other
        }
    }

    /// Whether this role may manage users, API keys and tenant settings.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Admin)
    }
}

/// A human user of one tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: String,
    pub role: Role,
    /// Code of the user's home region, for example `EMEA`.
    pub home_region: Option<RegionCode>,
    pub active: bool,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Input for creating a user.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub home_region: Option<RegionCode>,
}

impl NewUser {
    /// Validates the input into a new user.
    pub fn into_user(self, now: Timestamp) -> Result<User> {
        Ok(User {
            id: UserId::generate(),
            email: self.email,
            name: text::line("name", &self.name)?,
            role: self.role,
            home_region: self.home_region,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

/// A partial update of a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub email: Option<Email>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub role: Option<Role>,
    /// `null` clears the home region.
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub home_region: Option<Option<RegionCode>>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub active: Option<bool>,
}

impl UserPatch {
    /// Applies the patch.
    pub fn apply(self, user: &mut User) -> Result<()> {
        if let Some(email) = self.email {
            user.email = email;
        }
        if let Some(name) = self.name {
            user.name = text::line("name", &name)?;
        }
        if let Some(role) = self.role {
            user.role = role;
        }
        if let Some(region) = self.home_region {
            user.home_region = region;
        }
        if let Some(active) = self.active {
            user.active = active;
        }
        Ok(())
    }
}
