//! Integration credentials: a tenant's secret for each outside service its agents reach (an API
//! key, a token, a service account's key). They are write-only: stored sealed, never returned by
//! any read; what can be read is which integration has one, the non-secret account it belongs
//! to, a keyed fingerprint (to tell two secrets apart without showing either), and when and by
//! whom it was set.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};
use crate::id::{CredentialId, UserId};
use crate::labels::labels;
use crate::text;

/// Longest secret, in bytes (a service account's JSON key fits).
pub const MAX_SECRET_BYTES: usize = 16 * 1024;

labels! {
    /// An outside service a tenant connects.
    pub enum Integration {
        /// Gmail, Google Chat and Calendar: a service account's JSON key.
        Google = "google",
        /// Recall.ai meeting bots: an API key.
        RecallAi = "recall_ai",
        /// HeyGen avatars: an API key.
        Heygen = "heygen",
        /// Vapi voice: a private API key.
        Vapi = "vapi",
        /// Notion: an integration token.
        Notion = "notion",
        /// HubSpot: a private app's access token.
        Hubspot = "hubspot",
        /// Salesforce: a connected app's refresh token.
        Salesforce = "salesforce",
    }
}

impl Integration {
    /// What the secret is, in the words of the service's own documentation.
    pub fn secret_kind(self) -> &'static str {
        match self {
            Integration::Google => "service account JSON key (with domain-wide delegation)",
            Integration::RecallAi => "API key",
            Integration::Heygen => "API key",
            Integration::Vapi => "private API key",
            Integration::Notion => "internal integration token",
            Integration::Hubspot => "private app access token",
            Integration::Salesforce => "connected app refresh token",
        }
    }

    /// What the account field names.
    pub fn account_kind(self) -> &'static str {
        match self {
            Integration::Google => "Workspace domain",
            Integration::RecallAi => "region (for example us-east-1)",
            Integration::Heygen | Integration::Vapi => "account",
            Integration::Notion => "workspace",
            Integration::Hubspot => "portal id",
            Integration::Salesforce => "instance URL",
        }
    }
}

/// What may be read of a stored credential: never the secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CredentialInfo {
    pub id: CredentialId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub integration: Integration,
    /// The non-secret account the secret belongs to.
    pub account: Option<String>,
    /// A keyed fingerprint of the secret: equal for equal secrets, and says nothing of it.
    pub fingerprint: String,
    pub updated_by: Option<UserId>,
    pub updated_at: Timestamp,
}

/// A credential as written; the secret goes in and never comes out.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCredential {
    #[serde(default)]
    pub account: Option<String>,
    pub secret: String,
}

impl std::fmt::Debug for NewCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCredential")
            .field("account", &self.account)
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl NewCredential {
    /// The account checked as a line (or none) and the secret checked for size and shape: not
    /// empty, at most [`MAX_SECRET_BYTES`], no control characters but newlines and tabs (a JSON
    /// key has newlines). The secret is kept exactly as given otherwise.
    pub fn check(&self) -> Result<Option<String>> {
        let account = text::optional_line("account", self.account.as_deref())?;
        let secret = self.secret.trim();
        if secret.is_empty() {
            return Err(DomainError::invalid("secret", "must not be empty"));
        }
        if self.secret.len() > MAX_SECRET_BYTES {
            return Err(DomainError::invalid(
                "secret",
                format!("must be at most {MAX_SECRET_BYTES} bytes"),
            ));
        }
        if self
            .secret
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(DomainError::invalid(
                "secret",
                "must not hold control characters",
            ));
        }
        Ok(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(account: Option<&str>, secret: &str) -> NewCredential {
        NewCredential {
            account: account.map(str::to_owned),
            secret: secret.to_owned(),
        }
    }

    #[test]
    fn secrets_are_checked_and_never_printed() {
        assert_eq!(
            new(Some(" acme.com "), "pat-na1-123")
                .check()
                .unwrap()
                .as_deref(),
            Some("acme.com")
        );
        assert!(
            new(None, "{\n  \"type\": \"service_account\"\n}")
                .check()
                .is_ok()
        );
        assert!(new(None, "   ").check().is_err());
        assert!(new(None, "a\u{0}b").check().is_err());
        assert!(
            new(None, &"x".repeat(MAX_SECRET_BYTES + 1))
                .check()
                .is_err()
        );
        assert!(new(Some("two\nlines"), "k").check().is_err());
        let shown = format!("{:?}", new(None, "hunter2-secret"));
        assert!(
            !shown.contains("hunter2") && shown.contains("redacted"),
            "{shown}"
        );
        assert_eq!(
            "hubspot".parse::<Integration>().unwrap(),
            Integration::Hubspot
        );
        assert!("myspace".parse::<Integration>().is_err());
    }
}
