//! Reading a competitor document: which topic a heading or a line is about (by phrases on
//! word boundaries), the document's items (bullet lines, else sentences), objection/answer
//! pairs, and the opening summary. Everything returned is a verbatim slice of the text. Pure.

use domain::knowledge::DocumentChunk;
use qualification::{find_phrase, words};

use super::{Citation, ObjectionHandler};

/// Most characters of a card's summary.
const SUMMARY_CHARS: usize = 400;
/// Sentences of the document's opening that make the summary.
const SUMMARY_SENTENCES: usize = 2;

/// What a heading or a line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Topic {
    Objections,
    Landmines,
    Strengths,
    Weaknesses,
    HowWeWin,
    Pricing,
}

/// Topics in the order their headings are checked ("where they win" is a strength, "how to
/// win" ours), with [`HEADINGS`] and [`KEYWORDS`] at the same index.
const TOPICS: [Topic; 6] = [
    Topic::Objections,
    Topic::Landmines,
    Topic::Strengths,
    Topic::Weaknesses,
    Topic::HowWeWin,
    Topic::Pricing,
];
/// Headings of each topic: phrases separated by `|`.
const HEADINGS: [&str; 6] = [
    "objection|objections|pushback|faq|they say",
    "landmine|landmines|traps|questions to ask",
    "strengths|strength|pros|where they win",
    "weaknesses|weakness|cons|gaps|limitations|where they lose",
    "how to win|how we win|winning|why us|positioning",
    "pricing|price|prices|cost|licensing|commercials",
];
/// Words on a line that put it under a topic (besides its section's).
pub(super) const KEYWORDS: [&str; 6] = [
    "",
    "ask them|ask how|ask whether|ask if",
    "cheaper|market leader|strong|incumbent|popular|bundled|free tier",
    "lacks|lack|no support for|does not support|doesn't support|missing|weak|slow|outages|\
     limited|hidden fees|poor|no native",
    "we win|lead with|emphasize|emphasise|unlike|our advantage",
    "price|pricing|priced|per seat|discount|discounts|cheaper|license",
];

/// Markers that start a bullet line.
const BULLETS: &[&str] = &["- ", "* ", "+ ", "• ", "– "];
/// What separates an objection from its answer on one line.
const SEPARATORS: &[&str] = &["→", "->", "=>", " — ", " – ", " Response:", " A:"];
/// Labels in front of an answer.
const ANSWERS: &[&str] = &["Response:", "Answer:", "A:"];
/// Labels in front of an objection.
pub(super) const ASKED: &[&str] = &["Objection:", "Q:"];

pub(super) fn topics(text: &str, table: &[&str; 6]) -> Vec<Topic> {
    let found = words(text);
    let said = |phrase: &str| {
        let phrase: Vec<&str> = phrase.split_whitespace().collect();
        find_phrase(&found, &[phrase.as_slice()]).is_some()
    };
    let phrases = |(_, list): &(&Topic, &&str)| list.split('|').any(|p| !p.is_empty() && said(p));
    TOPICS
        .iter()
        .zip(table)
        .filter(phrases)
        .map(|(t, _)| *t)
        .collect()
}

/// The innermost heading of `section` that names a topic, and how deep it is.
pub(super) fn section_topic(section: &[String]) -> Option<(usize, Topic)> {
    let mut depth = section.len();
    section.iter().rev().find_map(|heading| {
        depth -= 1;
        topics(heading, &HEADINGS).first().map(|t| (depth, *t))
    })
}

/// The document's items: each bullet line (marker dropped), else each sentence, verbatim.
pub(super) fn items(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for paragraph in text.split("\n\n") {
        let lines: Vec<&str> = paragraph
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.iter().any(|l| bullet(l).is_some()) {
            out.extend(lines.iter().map(|l| bullet(l).unwrap_or(l).trim()));
            continue;
        }
        let spans = qualification::sentences::sentences(paragraph);
        out.extend(
            spans
                .iter()
                .map(|s| s.of(paragraph).trim())
                .filter(|s| !s.is_empty()),
        );
    }
    out
}

/// The text after a bullet or a `1.` / `2)` list marker.
fn bullet(line: &str) -> Option<&str> {
    if let Some(rest) = BULLETS.iter().find_map(|b| line.strip_prefix(b)) {
        return Some(rest);
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let rest = line.get(digits..).filter(|_| digits > 0)?;
    rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "))
}

/// Trims quotes and a leading label off a verbatim piece.
pub(super) fn bare<'a>(text: &'a str, labels: &[&str]) -> &'a str {
    let text = text.trim();
    let text = labels
        .iter()
        .find_map(|l| text.strip_prefix(l))
        .unwrap_or(text);
    text.trim()
        .trim_matches(|c| matches!(c, '"' | '“' | '”' | '\''))
        .trim()
}

/// Objection handlers from the items of an objection section, in order: `objection → answer`
/// on one line, or an objection (labelled, quoted or asked) followed by its answer.
pub(super) fn handlers(items: &[&str], citation: &Citation, out: &mut Vec<ObjectionHandler>) {
    let mut pending: Option<&str> = None;
    for item in items {
        let split = SEPARATORS.iter().find_map(|sep| {
            let at = item.find(sep)?;
            Some((item.get(..at)?, item.get(at + sep.len()..)?))
        });
        // A labelled objection starts a new pair; else an open objection takes this answer.
        let labelled = ASKED.iter().any(|l| item.starts_with(l));
        let pair = match (pending.take(), split) {
            (Some(asked), _) if !labelled => Some((asked, *item)),
            (_, Some((asked, answer))) if !bare(asked, ASKED).is_empty() => Some((asked, answer)),
            _ => None,
        };
        let Some((objection, response)) = pair else {
            let asks = labelled || item.starts_with(['"', '“']) || item.ends_with('?');
            pending = asks.then_some(*item);
            continue;
        };
        let (objection, response) = (bare(objection, ASKED), bare(response, ANSWERS));
        if !objection.is_empty() && !response.is_empty() {
            out.push(ObjectionHandler {
                objection: objection.to_owned(),
                response: response.to_owned(),
                citation: citation.clone(),
            });
        }
    }
}

/// The opening sentences of the document's first chunk, verbatim.
pub(super) fn summary(chunks: &[&DocumentChunk]) -> Option<String> {
    let text = chunks.first()?.text.split("\n\n").next()?.trim();
    let spans = qualification::sentences::sentences(text);
    let end = spans
        .iter()
        .take(SUMMARY_SENTENCES)
        .next_back()
        .map_or(text.len(), |s| s.end);
    let opening = text.get(..end).unwrap_or(text).trim();
    let mut out: String = opening.chars().take(SUMMARY_CHARS).collect();
    if opening.chars().count() > SUMMARY_CHARS {
        out.push('…');
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_markers_labels_and_quotes_are_trimmed_off_verbatim_text() {
        assert_eq!(bullet("- Lacks SSO"), Some("Lacks SSO"));
        assert_eq!(bullet("12) Ask them"), Some("Ask them"));
        assert_eq!(bullet("2027 was good"), None);
        assert_eq!(
            bare(" Q: \u{201c}Is it secure?\u{201d} ", ASKED),
            "Is it secure?"
        );
        assert_eq!(
            topics("Where they win", &HEADINGS).first(),
            Some(&Topic::Strengths)
        );
        assert!(
            topics("Unpriced", &KEYWORDS).is_empty(),
            "words, not substrings"
        );
    }
}
