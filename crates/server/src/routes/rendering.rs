//! How the Sales agent's documents (briefings, plans, pricing guidance, battlecards) answer:
//! JSON by default, or Markdown with `?format=markdown`.

use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ApiError;

/// JSON or Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    Json,
    Markdown,
}

impl Rendering {
    /// The `format` query parameter: `json` (the default) or `markdown`; anything else is `400`.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        match raw.map(str::trim) {
            None | Some("json") => Ok(Self::Json),
            Some("markdown") => Ok(Self::Markdown),
            Some(other) => Err(ApiError::bad_request(
                "invalid_query",
                format!("format must be json or markdown, not {other:?}"),
            )
            .with_field("format")),
        }
    }

    /// The value as JSON, or the Markdown `markdown` writes, as `text/markdown`.
    pub fn respond<T: Serialize>(self, value: &T, markdown: impl FnOnce() -> String) -> Response {
        match self {
            Self::Json => Json(value).into_response(),
            Self::Markdown => (
                [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
                markdown(),
            )
                .into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse() {
        assert_eq!(Rendering::parse(None).ok(), Some(Rendering::Json));
        assert_eq!(
            Rendering::parse(Some("markdown")).ok(),
            Some(Rendering::Markdown)
        );
        assert!(Rendering::parse(Some("pdf")).is_err());
    }
}
