//! JSON transcripts: an array of turns, or an object holding one (`transcript`, `utterances`,
//! `turns`, `messages`, `segments`, `conversation`, `entries`). A turn names its speaker
//! (`speaker`, `name`, `from`, `role`, `author`, `participant`, or an object with `name`) and
//! its words (`text`, `content`, `message`, `body`, `utterance`), with an optional start time
//! (`start`/`start_time`/`timestamp` in seconds, `start_ms` in milliseconds). A turn's text is
//! the string as written in the file (escapes included), so it is a verbatim slice of the input.

use serde_json::Value;

use crate::offsets::CharIndex;
use crate::{Conversation, Format, ParseError, Turn};

const LISTS: &[&str] = &[
    "transcript",
    "utterances",
    "turns",
    "messages",
    "segments",
    "conversation",
    "entries",
    "results",
];
const SPEAKERS: &[&str] = &[
    "speaker",
    "speaker_name",
    "name",
    "from",
    "role",
    "author",
    "participant",
    "user",
];
const TEXTS: &[&str] = &[
    "text",
    "content",
    "message",
    "body",
    "utterance",
    "transcript",
];

/// Every string token of a JSON text: the byte range of its content (between the quotes) and its
/// decoded value, in order.
fn string_tokens(text: &str) -> Vec<(usize, usize, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            let end = j.min(bytes.len());
            let raw = &text[i..(end + 1).min(text.len())];
            if let Ok(decoded) = serde_json::from_str::<String>(raw) {
                out.push((start, end, decoded));
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

fn pick<'a>(item: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|k| item.get(*k))
        .filter(|v| !v.is_null())
}

fn speaker_of(item: &Value) -> Option<String> {
    match pick(item, SPEAKERS)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(format!("Speaker {n}")),
        Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn millis_of(item: &Value) -> Option<u64> {
    if let Some(ms) = item.get("start_ms").and_then(Value::as_f64) {
        return Some(ms.max(0.0) as u64);
    }
    let seconds = ["start", "start_time", "timestamp", "offset"]
        .iter()
        .find_map(|k| item.get(*k).and_then(Value::as_f64))?;
    Some((seconds.max(0.0) * 1000.0) as u64)
}

pub(crate) fn parse(text: &str) -> Result<Conversation, ParseError> {
    let malformed = |detail: String| ParseError::Malformed {
        format: "JSON",
        detail,
    };
    let value: Value = serde_json::from_str(text).map_err(|e| malformed(e.to_string()))?;
    let (items, subject) = match &value {
        Value::Array(items) => (items.clone(), None),
        Value::Object(object) => {
            let list = LISTS
                .iter()
                .find_map(|k| object.get(*k).and_then(Value::as_array))
                .ok_or_else(|| {
                    malformed(format!(
                        "expected an array of turns, or an object with one of {}",
                        LISTS.join(", ")
                    ))
                })?;
            let subject = ["title", "subject", "name"]
                .iter()
                .find_map(|k| object.get(*k).and_then(Value::as_str))
                .map(str::to_owned);
            (list.clone(), subject)
        }
        _ => return Err(malformed("expected an array or an object".into())),
    };
    let tokens = string_tokens(text);
    let mut cursor = 0;
    let mut index = CharIndex::new(text);
    let mut turns = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let words = match item {
            Value::String(s) => s.as_str(),
            _ => match pick(item, TEXTS) {
                Some(Value::String(s)) => s.as_str(),
                Some(_) => {
                    return Err(malformed(format!(
                        "turn {}: the text is not a string",
                        n + 1
                    )));
                }
                None => {
                    return Err(malformed(format!(
                        "turn {}: no text ({})",
                        n + 1,
                        TEXTS.join(", ")
                    )));
                }
            },
        };
        if words.trim().is_empty() {
            continue;
        }
        // The token holding these words, after the previous turn's.
        let found = tokens[cursor..].iter().position(|(_, _, v)| v == words);
        let Some(found) = found else {
            return Err(malformed(format!(
                "turn {}: its text could not be located",
                n + 1
            )));
        };
        let (start, end, _) = &tokens[cursor + found];
        cursor += found + 1;
        turns.push(Turn {
            speaker: speaker_of(item),
            text: text[*start..*end].to_owned(),
            start: index.at(*start),
            end: index.at(*end),
            at_ms: millis_of(item),
            quoted: false,
        });
    }
    Ok(Conversation {
        format: Format::Json,
        subject,
        addresses: Vec::new(),
        people: Vec::new(),
        sent_at: None,
        turns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::assert_verbatim;

    #[test]
    fn shapes_of_json_transcripts() {
        let text = r#"{"title": "QBR", "utterances": [
            {"speaker": {"name": "Jane"}, "text": "Budget is \"approved\".", "start": 1.5},
            {"speaker": 2, "content": "Great — when?", "start_ms": 4000},
            {"role": "Jane", "message": "text"}]}"#;
        let c = parse(text).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.subject.as_deref(), Some("QBR"));
        assert_eq!(c.speakers(), ["Jane", "Speaker 2"]);
        assert_eq!(
            c.turns[0].text, r#"Budget is \"approved\"."#,
            "as written in the file"
        );
        assert_eq!(c.turns[0].at_ms, Some(1500));
        assert_eq!(c.turns[1].at_ms, Some(4000));
        assert_eq!(
            c.turns[2].text, "text",
            "a value equal to a key is found as the value"
        );
        assert_verbatim(text, &c);
        assert!(parse(r#"{"nothing": 1}"#).is_err());
        assert!(parse(r#"[{"speaker": "x", "text": 5}]"#).is_err());
    }
}
