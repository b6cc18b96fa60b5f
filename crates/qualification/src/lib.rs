//! Offline deal qualification. This crate finds the signals that qualification frameworks are
//! built from, each with its exact place in the text (byte ranges into the sentence's text):
//! sentences ([`sentences`]), money amounts and currencies ([`money`]), dates, deadlines and
//! fiscal periods ([`dates`]), job titles with persona levels and decision language
//! ([`roles`]), and negation ([`negation`]). [`bant`] and [`meddicc`] read those frameworks from them,
//! with evidence quoted from the input ([`evidence`]); the other frameworks come next. Pure and synchronous; no model, no network.

pub mod bant;
pub mod dates;
pub mod evidence;
pub mod meddicc;
pub mod money;
pub mod negation;
pub mod roles;
pub mod sentences;
pub mod sides;

/// A signal's place: byte offsets into the text it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// The spanned text.
    pub fn of<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.start..self.end).unwrap_or_default()
    }
}

/// Lower-cased words of a text with their byte spans (letters, digits, apostrophes inside words).
pub fn words(text: &str) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let inner_apostrophe = (c == '\'' || c == '’')
            && start.is_some()
            && chars.peek().is_some_and(|(_, n)| n.is_alphabetic());
        if c.is_alphanumeric() || inner_apostrophe {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push((
                Span { start: s, end: i },
                text[s..i].to_lowercase().replace('’', "'"),
            ));
        }
    }
    if let Some(s) = start {
        out.push((
            Span {
                start: s,
                end: text.len(),
            },
            text[s..].to_lowercase().replace('’', "'"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_their_places_and_contractions() {
        let text = "We don’t have Q3 budget—yet.";
        let found = words(text);
        let names: Vec<&str> = found.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(names, ["we", "don't", "have", "q3", "budget", "yet"]);
        assert_eq!(found[1].0.of(text), "don’t");
    }
}
