//! What a qualification element's verdict looks like: a status, a confidence, and the exact
//! quotes behind it, located by character offsets in the original input.

use serde::Serialize;

/// Where an element stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not discussed.
    Unknown,
    /// Discussed, not established.
    Partial,
    /// Discussed, and the answer is no ("no budget this year").
    NotMet,
    /// Established by the buyer's side.
    Met,
}

/// A verbatim quote of the input and its character offsets there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub quote: String,
    pub start: usize,
    pub end: usize,
}

/// One element's verdict (for example BANT's budget).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Element {
    pub status: Status,
    /// 0.0 to 1.0.
    pub confidence: f32,
    pub evidence: Vec<Evidence>,
}

impl Element {
    /// Keeps the strongest verdict seen (met over not met over partial over unknown); evidence
    /// of the kept status accumulates, up to three quotes.
    pub fn consider(&mut self, status: Status, confidence: f32, sentence: &Sentence) {
        // `Status` is ordered unknown < partial < not met < met.
        if status > self.status {
            *self = Element {
                status,
                confidence,
                evidence: vec![sentence.evidence()],
            };
        } else if status == self.status && status != Status::Unknown && self.evidence.len() < 3 {
            self.evidence.push(sentence.evidence());
            self.confidence = self.confidence.max(confidence);
        }
    }

    /// Not discussed: no evidence.
    pub fn unknown() -> Self {
        Self {
            status: Status::Unknown,
            confidence: 0.5,
            evidence: Vec::new(),
        }
    }
}

/// A sentence of the conversation, as the extractors see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub text: String,
    /// Character offsets of `text` in the original input.
    pub start: usize,
    pub end: usize,
    pub speaker: Option<String>,
    /// Ends with a question mark (asked, not stated).
    pub question: bool,
    /// Its words, lower-cased, with byte spans in `text` (see [`crate::words`]); every reader
    /// uses them, so they are found once.
    pub words: Vec<(crate::Span, String)>,
}

impl Sentence {
    /// Evidence quoting the whole sentence.
    pub fn evidence(&self) -> Evidence {
        Evidence {
            quote: self.text.clone(),
            start: self.start,
            end: self.end,
        }
    }
}

/// Splits turns into sentences located in the input: `turns` are (speaker, text, character
/// offset of the text in the input).
pub fn sentences_of<'a>(
    turns: impl IntoIterator<Item = (Option<&'a str>, &'a str, usize)>,
) -> Vec<Sentence> {
    let mut out = Vec::new();
    for (speaker, text, base) in turns {
        for span in crate::sentences::sentences(text) {
            let start = base + text[..span.start].chars().count();
            let quote = span.of(text);
            out.push(Sentence {
                text: quote.to_owned(),
                start,
                end: start + quote.chars().count(),
                speaker: speaker.map(str::to_owned),
                question: quote.trim_end_matches(['"', ')', '\'']).ends_with('?'),
                words: crate::words(quote),
            });
        }
    }
    out
}
