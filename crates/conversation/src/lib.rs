//! Conversations from the files sales teams have: emails (RFC 5322 `.eml`), meeting and call
//! transcripts (WebVTT, SRT, speaker-labelled text, JSON) and free notes, read into speaker turns.
//! Every turn's text is a verbatim slice of the input, and its `start`/`end` are character
//! offsets into the input, so evidence found in a turn can be quoted and located exactly.
//!
//! Pure: no I/O beyond the bytes given.

mod cues;
mod email;
mod json;
mod labelled;
mod offsets;

use serde::Serialize;

/// Largest input accepted (a two-hour transcript is about 150 KB).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// What a conversation was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Email,
    WebVtt,
    Srt,
    /// Lines such as `Jane Doe: …` or `[00:01:02] Jane: …`.
    Labelled,
    Json,
    /// Free text with no speakers.
    Notes,
}

/// One speaker's stretch of talk (or an email body, or a note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Turn {
    pub speaker: Option<String>,
    /// A verbatim slice of the input.
    pub text: String,
    /// Character offsets of `text` in the input.
    pub start: usize,
    pub end: usize,
    /// Milliseconds from the start of the recording, when the format says.
    pub at_ms: Option<u64>,
    /// Quoted from an earlier message (email replies), not said in this one.
    pub quoted: bool,
}

/// How someone took part in an email (from the headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderRole {
    From,
    To,
    Cc,
}

/// Someone named in an email's headers: the address lower-cased, the display name as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub role: HeaderRole,
    pub address: String,
    pub name: Option<String>,
}

/// A conversation read from one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conversation {
    pub format: Format,
    /// Email subject or meeting title, when given.
    pub subject: Option<String>,
    /// Email addresses named in the headers (from, to, cc), lower-cased.
    pub addresses: Vec<String>,
    /// The people in an email's headers, each address once (its first role); empty for
    /// transcripts and notes, whose people are the turns' speakers.
    pub people: Vec<Person>,
    /// When an email was sent (its `Date:` header), in seconds since the Unix epoch.
    pub sent_at: Option<i64>,
    pub turns: Vec<Turn>,
}

impl Conversation {
    /// The distinct speakers, in order of first appearance.
    pub fn speakers(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for turn in &self.turns {
            if let Some(s) = turn.speaker.as_deref()
                && !out.contains(&s)
            {
                out.push(s);
            }
        }
        out
    }
}

/// Why a file could not be read as a conversation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{size} bytes is over the {MAX_BYTES}-byte limit")]
    TooLarge { size: usize },
    #[error("not text: {0}")]
    NotText(String),
    #[error("no conversation in it")]
    Empty,
    #[error("not a readable {format}: {detail}")]
    Malformed {
        format: &'static str,
        detail: String,
    },
}

/// The format a file name asks for, if its extension is one of ours.
fn format_by_name(name: &str) -> Option<Format> {
    let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
    match extension.as_str() {
        "eml" => Some(Format::Email),
        "vtt" => Some(Format::WebVtt),
        "srt" => Some(Format::Srt),
        "json" => Some(Format::Json),
        _ => None,
    }
}

/// The format the text looks like.
fn sniff(text: &str) -> Format {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with("WEBVTT") {
        return Format::WebVtt;
    }
    if cues::looks_like_srt(trimmed) {
        return Format::Srt;
    }
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && serde_json::from_str::<serde_json::Value>(trimmed).is_ok()
    {
        return Format::Json;
    }
    if email::looks_like_email(trimmed) {
        return Format::Email;
    }
    if labelled::looks_labelled(trimmed) {
        return Format::Labelled;
    }
    Format::Notes
}

/// Reads a conversation from a file's name and bytes.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Conversation, ParseError> {
    if bytes.len() > MAX_BYTES {
        return Err(ParseError::TooLarge { size: bytes.len() });
    }
    let format = format_by_name(name);
    // Emails may carry 8-bit parts in other charsets; everything else must be UTF-8 text.
    if format == Some(Format::Email) {
        return email::parse(bytes);
    }
    let text =
        std::str::from_utf8(bytes).map_err(|e| ParseError::NotText(format!("not UTF-8 ({e})")))?;
    if text.contains('\0') {
        return Err(ParseError::NotText("binary data (NUL bytes)".into()));
    }
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let conversation = match format.unwrap_or_else(|| sniff(text)) {
        Format::Email => email::parse(bytes)?,
        Format::WebVtt => cues::parse(text, Format::WebVtt)?,
        Format::Srt => cues::parse(text, Format::Srt)?,
        Format::Json => json::parse(text)?,
        Format::Labelled => labelled::parse(text, Format::Labelled),
        Format::Notes => labelled::notes(text),
    };
    if conversation.turns.iter().all(|t| t.text.trim().is_empty()) {
        return Err(ParseError::Empty);
    }
    Ok(conversation)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every turn's text sits at its offsets in the input.
    pub(crate) fn assert_verbatim(input: &str, conversation: &Conversation) {
        let chars: Vec<char> = input.chars().collect();
        for turn in &conversation.turns {
            let slice: String = chars[turn.start..turn.end].iter().collect();
            assert_eq!(slice, turn.text, "turn at {}..{}", turn.start, turn.end);
        }
    }

    #[test]
    fn formats_are_told_by_name_and_by_content() {
        let cases: [(&str, &str, Format); 6] = [
            (
                "a.vtt",
                "WEBVTT\n\n00:00.000 --> 00:02.000\nHi there\n",
                Format::WebVtt,
            ),
            (
                "a.txt",
                "WEBVTT\n\n00:00.000 --> 00:02.000\nHi there\n",
                Format::WebVtt,
            ),
            (
                "a.txt",
                "1\n00:00:00,000 --> 00:00:02,000\nHi there\n",
                Format::Srt,
            ),
            (
                "call.txt",
                "Jane: We have budget.\nBob: Great.\n",
                Format::Labelled,
            ),
            (
                "n.txt",
                "Met the CFO today; budget approved.",
                Format::Notes,
            ),
            (
                "t.json",
                r#"[{"speaker": "Jane", "text": "Hello"}]"#,
                Format::Json,
            ),
        ];
        for (name, text, format) in cases {
            let parsed =
                parse(name, text.as_bytes()).unwrap_or_else(|e| unreachable!("{name}: {e}"));
            assert_eq!(parsed.format, format, "{name}: {text}");
            assert_verbatim(text, &parsed);
        }
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        assert_eq!(parse("a.txt", b"   \n"), Err(ParseError::Empty));
        assert!(matches!(
            parse("a.txt", &[0xff, 0xfe, 0x00, 0x41]),
            Err(ParseError::NotText(_))
        ));
        assert!(matches!(
            parse("a.txt", b"abc\0def"),
            Err(ParseError::NotText(_))
        ));
        assert!(matches!(
            parse("a.json", b"{\"speaker\": "),
            Err(ParseError::Malformed { format: "JSON", .. })
        ));
        assert!(matches!(
            parse("a.vtt", b"WEBVTT\n\nno cues here"),
            Err(ParseError::Malformed { .. }) | Err(ParseError::Empty)
        ));
        let big = vec![b'a'; MAX_BYTES + 1];
        assert!(matches!(
            parse("a.txt", &big),
            Err(ParseError::TooLarge { .. })
        ));
    }
}
