//! Offline deal qualification. This crate finds the signals that qualification frameworks are
//! built from, each with its exact place in the text (byte ranges into the sentence's text):
//! sentences ([`sentences`]), money amounts and currencies ([`money`]), dates, deadlines and
//! fiscal periods ([`dates`]), job titles with persona levels and decision language
//! ([`roles`]), and negation ([`negation`]). [`bant`] and [`meddicc`] read those frameworks from them,
//! with evidence quoted from the input ([`evidence`]); the other frameworks come next. Pure and synchronous; no model, no network.

pub mod bant;
pub mod dates;
pub mod evidence;
pub mod genre;
pub mod meddicc;
pub mod money;
pub mod negation;
pub mod roles;
pub mod sentences;
pub mod sides;
pub mod techniques;

/// The frameworks, by the names `qualify` takes.
pub const FRAMEWORKS: &[&str] = &["bant", "meddicc", "qbs", "tas", "sandler", "voss"];

/// Every asked framework's elements over a conversation's sentences. `frameworks` are names from
/// [`FRAMEWORKS`] (unknown names are skipped); `competitors` are competitor names to recognise.
pub fn qualify(
    sentences: &[evidence::Sentence],
    frameworks: &[&str],
    competitors: &[String],
) -> Vec<(&'static str, techniques::Elements)> {
    qualify_with_sellers(sentences, frameworks, competitors, &[])
}

/// As [`qualify`], with the names of speakers known to be sellers (the rep, from the activity's
/// participants).
pub fn qualify_with_sellers(
    sentences: &[evidence::Sentence],
    frameworks: &[&str],
    competitors: &[String],
    known_sellers: &[String],
) -> Vec<(&'static str, techniques::Elements)> {
    // Not about buying or selling: nothing to qualify.
    let none: &[evidence::Sentence] = &[];
    let sentences = if genre::is_commercial(sentences) {
        sentences
    } else {
        none
    };
    let sellers = sides::sellers(sentences, known_sellers);
    let b = bant::bant_with_sellers(sentences, &sellers);
    let m = meddicc::meddicc_with_sellers(sentences, competitors, &b, &sellers);
    let mut out = Vec::new();
    for name in FRAMEWORKS {
        if !frameworks.contains(name) {
            continue;
        }
        let elements = match *name {
            "bant" => vec![
                ("budget", b.budget.clone()),
                ("authority", b.authority.clone()),
                ("need", b.need.clone()),
                ("timeline", b.timeline.clone()),
            ],
            "meddicc" => vec![
                ("metrics", m.metrics.clone()),
                ("economic_buyer", m.economic_buyer.clone()),
                ("decision_criteria", m.decision_criteria.clone()),
                ("decision_process", m.decision_process.clone()),
                ("paper_process", m.paper_process.clone()),
                ("identify_pain", m.identify_pain.clone()),
                ("champion", m.champion.clone()),
                ("competition", m.competition.clone()),
            ],
            "qbs" => techniques::qbs(sentences, &sellers, &b),
            "tas" => techniques::tas(sentences, &sellers, &m),
            "sandler" => techniques::sandler(sentences, &b, &m),
            _ => techniques::voss(sentences),
        };
        out.push((*name, elements));
    }
    out
}

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

/// The first word of `found` that is in `list`.
pub fn find_word(found: &[(Span, String)], list: &[&str]) -> Option<Span> {
    found
        .iter()
        .find(|(_, w)| list.contains(&w.as_str()))
        .map(|(s, _)| *s)
}

/// The first place where one of `phrases` (word sequences) occurs in `found`.
pub fn find_phrase(found: &[(Span, String)], phrases: &[&[&str]]) -> Option<Span> {
    (0..found.len()).find_map(|i| {
        phrases.iter().find_map(|phrase| {
            let all = phrase
                .iter()
                .enumerate()
                .all(|(k, p)| found.get(i + k).is_some_and(|(_, w)| w == p));
            all.then(|| Span {
                start: found[i].0.start,
                end: found[i + phrase.len() - 1].0.end,
            })
        })
    })
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
