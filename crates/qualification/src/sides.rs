//! Which speakers sell. Qualification is established by the buyer's side, so what a seller says
//! ("we can go live by March", "our price is 50k") only puts an element in discussion. A speaker
//! is a seller when labelled so (`Rep`, `AE`, `Sales`, `Account Executive`, `SDR`, `SE`), when
//! named as one by the caller (the rep's own name), or, in a two-person call with no such label,
//! when they ask clearly more of the questions.

use std::collections::BTreeMap;

use crate::evidence::Sentence;

const SELLER_LABELS: &[&str] = &[
    "rep",
    "ae",
    "sales",
    "seller",
    "salesperson",
    "account executive",
    "account manager",
    "sdr",
    "bdr",
    "se",
    "sales engineer",
    "solutions engineer",
    "vendor",
    "interviewer",
    "host",
];

fn labelled_seller(speaker: &str) -> bool {
    let lower = speaker.trim().to_lowercase();
    SELLER_LABELS.iter().any(|label| {
        lower == *label
            || lower.ends_with(&format!("({label})"))
            || lower.ends_with(&format!("- {label}"))
            || lower.starts_with(&format!("{label} "))
    })
}

/// Whether a speaker label names a known seller: the name itself, or the name followed by a
/// company or role ("Mei Tan (Skyvera)", "Mei Tan - AE").
fn is_known(speaker: &str, known: &str) -> bool {
    let (speaker, known) = (speaker.trim(), known.trim());
    if known.is_empty() {
        return false;
    }
    if speaker.eq_ignore_ascii_case(known) {
        return true;
    }
    speaker
        .get(..known.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(known))
        && speaker[known.len()..]
            .trim_start()
            .starts_with(['(', '-', ','])
}

/// The speakers on the selling side. `known` names sellers the caller knows (the rep).
pub fn sellers(sentences: &[Sentence], known: &[String]) -> Vec<String> {
    let mut asked: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for sentence in sentences {
        if let Some(speaker) = sentence.speaker.as_deref() {
            let entry = asked.entry(speaker).or_default();
            entry.1 += 1;
            if sentence.question {
                entry.0 += 1;
            }
        }
    }
    let mut out: Vec<String> = asked
        .keys()
        .filter(|s| labelled_seller(s) || known.iter().any(|k| is_known(s, k)))
        .map(|s| (*s).to_owned())
        .collect();
    if out.is_empty() && asked.len() == 2 {
        let rates: Vec<(&str, f32, usize)> = asked
            .iter()
            .map(|(s, (q, n))| (*s, *q as f32 / (*n).max(1) as f32, *q))
            .collect();
        let (a, b) = (rates[0], rates[1]);
        let (asker, other) = if a.1 >= b.1 { (a, b) } else { (b, a) };
        if asker.2 >= 2 && asker.1 >= 2.0 * other.1 + 0.1 {
            out.push(asker.0.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(speaker: &str, text: &str) -> Sentence {
        Sentence {
            text: text.into(),
            start: 0,
            end: text.chars().count(),
            speaker: Some(speaker.into()),
            question: text.ends_with('?'),
            words: crate::words(text),
        }
    }

    #[test]
    fn labels_names_and_question_askers_sell() {
        let call = [
            said("Rep", "What's your budget?"),
            said("Jane", "About 50k."),
        ];
        assert_eq!(sellers(&call, &[]), ["Rep"]);
        let named = [
            said("Tom Baker", "We can go live in May."),
            said("Jane", "Good."),
        ];
        assert_eq!(sellers(&named, &["tom baker".into()]), ["Tom Baker"]);
        let asked = [
            said("Tom", "How many sites do you run?"),
            said("Jane", "Forty."),
            said("Tom", "Who manages them today?"),
            said("Jane", "A team of three."),
            said("Tom", "What breaks most often?"),
        ];
        assert_eq!(sellers(&asked, &[]), ["Tom"]);
        let even = [said("A", "Hi?"), said("B", "Hello?")];
        assert!(sellers(&even, &[]).is_empty());
    }
}
