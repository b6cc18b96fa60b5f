//! API keys: scoped to one tenant and a role, stored only as a hash. A key bound to a user acts as
//! that human; an unbound key is a service key (machines, agents).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::{ApiKeyId, UserId};
use crate::text;
use crate::user::Role;

/// An API key's record; the secret itself is never stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub role: Role,
    /// The user this key acts for; `None` for a service key.
    pub user_id: Option<UserId>,
    /// First characters of the key, to recognise it in lists.
    pub prefix: String,
    #[serde(skip)]
    pub hash: Vec<u8>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl ApiKey {
    /// Whether the key has been revoked.
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// Input for creating an API key.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    pub name: String,
    pub role: Role,
    /// Bind the key to a user so it acts as that human.
    #[serde(default)]
    pub user_id: Option<UserId>,
}

impl NewApiKey {
    /// Validates the input into a key record, given its prefix and hash.
    pub fn into_key(self, prefix: String, hash: Vec<u8>, now: Timestamp) -> Result<ApiKey> {
        Ok(ApiKey {
            id: ApiKeyId::generate(),
            name: text::line("name", &self.name)?,
            role: self.role,
            user_id: self.user_id,
            prefix,
            hash,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        })
    }
}

/// A change to an API key: its label, or a lower role. A key never gains privileges.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiKeyPatch {
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub name: Option<String>,
    /// Must not be above the key's current role.
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub role: Option<Role>,
}

impl ApiKeyPatch {
    /// Applies the patch, refusing a role increase.
    pub fn apply(self, key: &mut ApiKey) -> Result<()> {
        if let Some(name) = self.name {
            key.name = text::line("name", &name)?;
        }
        if let Some(role) = self.role {
            if role.privilege() > key.role.privilege() {
                return Err(crate::DomainError::invalid(
                    "role",
                    "an API key's role can only be lowered",
                ));
            }
            key.role = role;
        }
        Ok(())
    }
}
