//! API key authentication. A key reads `aa_<tenant id, 32 hex>_<secret, 64 hex>`: the tenant part
//! lets the server scope the lookup to one tenant (so row-level security holds even here) and the
//! secret is 256 random bits. Only the SHA-256 of the whole key is stored.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::actor::{Actor, Principal};
use domain::apikey::ApiKey;
use domain::id::TenantId;
use domain::user::{Role, User};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

const KEY_PREFIX: &str = "aa_";

/// A freshly generated key: the secret to show once, and what to store.
pub struct GeneratedKey {
    /// The full key, shown to its owner once.
    pub secret: String,
    /// The first characters, kept to recognise the key in lists.
    pub prefix: String,
    /// SHA-256 of the full key.
    pub hash: Vec<u8>,
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// SHA-256 of a presented key.
pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// Generates a new key for a tenant from the operating system's random source.
pub fn generate_key(tenant: TenantId) -> Result<GeneratedKey, getrandom::Error> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)?;
    let key = format!("{KEY_PREFIX}{}_{}", tenant.as_uuid().simple(), hex(&secret));
    let prefix = key.chars().take(KEY_PREFIX.len() + 32 + 1 + 6).collect();
    Ok(GeneratedKey {
        hash: hash_key(&key),
        prefix,
        secret: key,
    })
}

/// The tenant a presented key claims, if it is shaped like one of ours.
fn parse_key(key: &str) -> Option<TenantId> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (tenant, secret) = rest.split_once('_')?;
    let valid_secret = secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    if tenant.len() != 32 || !valid_secret {
        return None;
    }
    uuid::Uuid::try_parse(tenant).ok().map(TenantId::from_uuid)
}

/// The authenticated caller: tenant, actor and the key used.
#[derive(Debug, Clone)]
pub struct Auth {
    pub tenant: TenantId,
    pub actor: Actor,
    pub key: ApiKey,
}

impl Auth {
    /// Every authenticated caller may read its tenant's objects.
    pub fn require_reader(&self) -> Result<(), ApiError> {
        Ok(())
    }

    /// Refuses the request unless the caller may write CRM objects.
    pub fn require_writer(&self) -> Result<(), ApiError> {
        if self.actor.role.can_write() {
            Ok(())
        } else {
            Err(ApiError::forbidden("this key's role is read-only (viewer)"))
        }
    }

    /// Refuses the request unless the caller is a manager or admin.
    pub fn require_manager(&self) -> Result<(), ApiError> {
        match self.actor.role {
            Role::Admin | Role::Manager => Ok(()),
            _ => Err(ApiError::forbidden("this needs the manager or admin role")),
        }
    }

    /// Refuses the request unless the caller is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.actor.role.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden("this needs the admin role"))
        }
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::unauthorized("send an API key as `Authorization: Bearer <key>`")
            })?;
        let presented = header
            .to_str()
            .ok()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be `Bearer <key>`")
            })?;
        let invalid = || ApiError::unauthorized("the API key is invalid or revoked");
        let tenant = parse_key(presented).ok_or_else(invalid)?;
        let key = state
            .store
            .authenticate(tenant, &hash_key(presented))
            .await?
            .ok_or_else(invalid)?;
        let (principal, role) = match key.user_id {
            Some(user_id) => {
                let user: User = match state.store.get(tenant, user_id.as_uuid()).await {
                    Ok(user) => user,
                    Err(store::Error::NotFound { .. }) => return Err(invalid()),
                    Err(e) => return Err(e.into()),
                };
                if !user.active {
                    return Err(ApiError::unauthorized(
                        "the user of this API key is deactivated",
                    ));
                }
                // A personal key never exceeds its user's role.
                (Principal::User { user_id }, key.role.weaker(user.role))
            }
            None => (Principal::Service { api_key_id: key.id }, key.role),
        };
        let actor = Actor {
            principal,
            role,
            api_key_id: Some(key.id),
        };
        tracing::Span::current().record("tenant_id", tracing::field::display(tenant));
        Ok(Self { tenant, actor, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back_to_their_tenant() {
        let tenant = TenantId::generate();
        let key = generate_key(tenant).unwrap();
        assert_eq!(parse_key(&key.secret), Some(tenant));
        assert_eq!(key.hash, hash_key(&key.secret));
        assert!(key.secret.starts_with(&key.prefix));
        assert_ne!(generate_key(tenant).unwrap().secret, key.secret);
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in [
            "",
            "aa_",
            "aa_x_y",
            "sk-123",
            &format!("aa_{}_{}", "0".repeat(32), "z".repeat(64)),
        ] {
            assert_eq!(parse_key(bad), None, "{bad}");
        }
    }
}
