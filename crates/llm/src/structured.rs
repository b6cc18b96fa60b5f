//! Structured output: a JSON Schema derived from a Rust type, sent as the response format; the
//! reply is parsed into that type (which checks it against the schema's shape), with one repair
//! attempt that shows the model its mistake.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::types::{ChatRequest, Message, MessageRole, ResponseFormat};

/// The response format for `T`: its JSON Schema under `name`.
pub fn response_format<T: JsonSchema>(name: &str) -> ResponseFormat {
    let schema = schemars::schema_for!(T);
    ResponseFormat {
        name: name.to_owned(),
        schema: schema.to_value(),
    }
}

/// Parses a reply into `T`. Models sometimes wrap JSON in a Markdown fence; that is tolerated,
/// anything else is an error with serde's message.
pub fn parse_reply<T: DeserializeOwned>(content: &str) -> Result<T, String> {
    let trimmed = content.trim();
    let unfenced = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|rest| rest.strip_suffix("```"))
        .map_or(trimmed, str::trim);
    serde_json::from_str(unfenced).map_err(|e| e.to_string())
}

/// The request for the one repair attempt: the bad reply and what was wrong with it.
pub fn repair_request(request: &ChatRequest, bad_reply: &str, error: &str) -> ChatRequest {
    let mut repaired = request.clone();
    repaired
        .messages
        .push(Message::new(MessageRole::Assistant, bad_reply));
    repaired.messages.push(Message::new(
        MessageRole::User,
        format!(
            "Your reply did not match the required JSON schema: {error}. Reply again with only the JSON \
             object, matching the schema exactly."
        ),
    ));
    repaired
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, JsonSchema, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Verdict {
        qualified: bool,
        reasons: Vec<String>,
    }

    #[test]
    fn schema_and_parsing() {
        let format = response_format::<Verdict>("verdict");
        assert_eq!(format.schema["type"], "object");
        assert!(format.schema["properties"]["reasons"].is_object());
        let v: Verdict =
            parse_reply("```json\n{\"qualified\": true, \"reasons\": [\"budget\"]}\n```").unwrap();
        assert_eq!(
            v,
            Verdict {
                qualified: true,
                reasons: vec!["budget".into()]
            }
        );
        assert!(parse_reply::<Verdict>("{\"qualified\": \"yes\", \"reasons\": []}").is_err());
        assert!(parse_reply::<Verdict>("sure! here you go").is_err());
    }
}
