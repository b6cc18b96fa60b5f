//! Negation: whether a word in a sentence is denied ("no budget", "we don't have a budget",
//! "not until next year", "nobody has signed off", "without approval"). A negator covers the
//! words after it up to the end of its clause (a comma, semicolon, "but", "however") or six
//! words, whichever comes first.

use crate::{Span, words};

const NEGATORS: &[&str] = &[
    "no",
    "not",
    "never",
    "none",
    "nobody",
    "nothing",
    "neither",
    "nor",
    "without",
    "can't",
    "cannot",
    "don't",
    "doesn't",
    "didn't",
    "won't",
    "wouldn't",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "haven't",
    "hasn't",
    "hadn't",
    "shouldn't",
    "couldn't",
    "zero",
    "lack",
    "lacking",
];

const CLAUSE_BREAKS: &[&str] = &["but", "however", "although", "though", "yet", "except"];

/// Most words a negator reaches.
const REACH: usize = 6;

/// Whether the word at `target` (a byte span of `text`) is inside a negated clause.
pub fn is_negated(text: &str, target: Span) -> bool {
    let found = words(text);
    let Some(position) = found
        .iter()
        .position(|(span, _)| span.start >= target.start)
    else {
        return false;
    };
    for back in 1..=REACH.min(position) {
        let (span, word) = &found[position - back];
        if CLAUSE_BREAKS.contains(&word.as_str()) {
            return false;
        }
        // A comma or semicolon between the candidate and the target ends the clause.
        let between = &text[span.end..found[position - back + 1].0.start];
        if between.contains([',', ';', ':']) {
            return false;
        }
        if NEGATORS.contains(&word.as_str()) {
            return true;
        }
    }
    false
}

/// The negators in a text with their spans.
pub fn negators(text: &str) -> Vec<Span> {
    words(text)
        .into_iter()
        .filter(|(_, w)| NEGATORS.contains(&w.as_str()))
        .map(|(span, _)| span)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negated(text: &str, word: &str) -> bool {
        let start = text.find(word).unwrap_or_else(|| unreachable!("{word}"));
        is_negated(
            text,
            Span {
                start,
                end: start + word.len(),
            },
        )
    }

    #[test]
    fn negation_reaches_to_the_end_of_its_clause() {
        assert!(negated("There is no budget this year.", "budget"));
        assert!(negated("We don’t have a budget for it.", "budget"));
        assert!(negated("Nobody has signed off on the spend yet.", "signed"));
        assert!(!negated("No problem, the budget is approved.", "budget"));
        assert!(!negated(
            "Not sure about timing but the budget is there.",
            "budget"
        ));
        assert!(!negated("We have budget approved.", "budget"));
        assert!(!negated(
            "It is not a priority for the team this quarter, budget is fine.",
            "budget"
        ));
        assert_eq!(negators("We can't, and won't.").len(), 2);
    }
}
