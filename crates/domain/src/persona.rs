//! A sales rep's persona for the agent that drafts in their name ("agent cloning"): the name
//! and signature to sign with, the tone, and example messages the rep wrote, whose greeting,
//! sign-off and length the drafts follow. One per user. The examples are the rep's own text and
//! still only style: they never become instructions.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};
use crate::id::UserId;
use crate::labels::labels;
use crate::text;

/// Most example messages a persona keeps.
pub const MAX_EXAMPLES: usize = 5;
/// Longest example message, in characters.
pub const MAX_EXAMPLE_CHARS: usize = 4000;
/// Longest signature, in characters.
pub const MAX_SIGNATURE_CHARS: usize = 500;

labels! {
    /// How a rep writes.
    pub enum Tone {
        /// Complete sentences, no contractions, titles where customary.
        Formal = "formal",
        /// Warm and personal.
        Friendly = "friendly",
        /// Short and to the point.
        Direct = "direct",
        /// Questions first, advice second.
        Consultative = "consultative",
    }
}

/// A rep's persona.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepPersona {
    /// The rep (a user of the tenant).
    pub user_id: UserId,
    /// The name drafts are signed with.
    pub display_name: String,
    /// The signature block under the name (title, phone, company), plain text.
    pub signature: String,
    pub tone: Tone,
    /// Messages the rep wrote, as style references.
    pub examples: Vec<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A persona as written with `PUT /users/{id}/persona`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PersonaInput {
    pub display_name: String,
    #[serde(default)]
    pub signature: String,
    #[serde(default)]
    pub tone: Option<Tone>,
    #[serde(default)]
    pub examples: Vec<String>,
}

fn signature(raw: &str) -> Result<String> {
    let cleaned = text::strip_invisible(raw);
    let trimmed = cleaned.trim();
    if trimmed.chars().count() > MAX_SIGNATURE_CHARS {
        return Err(DomainError::invalid(
            "signature",
            format!("at most {MAX_SIGNATURE_CHARS} characters"),
        ));
    }
    if trimmed.contains("://") || trimmed.contains("<") {
        return Err(DomainError::invalid(
            "signature",
            "plain text: no links or markup (a link in every draft would be a channel out)",
        ));
    }
    Ok(trimmed.to_owned())
}

fn examples(raw: Vec<String>) -> Result<Vec<String>> {
    if raw.len() > MAX_EXAMPLES {
        return Err(DomainError::invalid(
            "examples",
            format!("at most {MAX_EXAMPLES} examples"),
        ));
    }
    raw.into_iter()
        .map(|e| {
            let e = text::strip_invisible(&e).trim().to_owned();
            if e.is_empty() || e.chars().count() > MAX_EXAMPLE_CHARS {
                return Err(DomainError::invalid(
                    "examples",
                    format!("each example is 1 to {MAX_EXAMPLE_CHARS} characters"),
                ));
            }
            Ok(e)
        })
        .collect()
}

impl PersonaInput {
    /// A new persona for the rep.
    pub fn into_persona(self, user_id: UserId, now: Timestamp) -> Result<RepPersona> {
        Ok(RepPersona {
            user_id,
            display_name: text::line("display_name", &self.display_name)?,
            signature: signature(&self.signature)?,
            tone: self.tone.unwrap_or(Tone::Friendly),
            examples: examples(self.examples)?,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }

    /// Replaces a stored persona's fields (a `PUT`).
    pub fn apply(self, persona: &mut RepPersona) -> Result<()> {
        let fresh = self.into_persona(persona.user_id, persona.created_at)?;
        persona.display_name = fresh.display_name;
        persona.signature = fresh.signature;
        persona.tone = fresh.tone;
        persona.examples = fresh.examples;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(v: serde_json::Value) -> PersonaInput {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn personas_are_checked() {
        let ok = input(serde_json::json!({"display_name": "Mara Lopez",
            "signature": "Account Executive, Skyvera\n+44 20 7946 0000", "tone": "direct",
            "examples": ["Hi Jo,\nQuick one: does Thursday work?\nCheers,\nMara"]}))
        .into_persona(UserId::generate(), Timestamp::UNIX_EPOCH)
        .unwrap();
        assert_eq!(ok.tone, Tone::Direct);
        let link =
            input(serde_json::json!({"display_name": "M", "signature": "see https://evil.io"}));
        assert!(
            link.into_persona(UserId::generate(), Timestamp::UNIX_EPOCH)
                .is_err()
        );
        let many = input(
            serde_json::json!({"display_name": "M", "examples": ["a", "b", "c", "d", "e", "f"]}),
        );
        assert!(
            many.into_persona(UserId::generate(), Timestamp::UNIX_EPOCH)
                .is_err()
        );
        let empty = input(serde_json::json!({"display_name": "M", "examples": ["  "]}));
        assert!(
            empty
                .into_persona(UserId::generate(), Timestamp::UNIX_EPOCH)
                .is_err()
        );
    }
}
