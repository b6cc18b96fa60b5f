//! The other four frameworks, read like BANT from stated sentences:
//! - Question Based Selling: the buyer's status, issues, their implications, and the solution
//!   they picture;
//! - Target Account Selling: compelling event, business value, power base, competition;
//! - Sandler: pain, upfront contract, budget, decision steps;
//! - Chris Voss: labels, mirrors, calibrated questions, accusation audit, "that's right". These
//!   are techniques the seller uses, so anyone's use counts.

use crate::bant::Bant;
use crate::dates::dates;
use crate::evidence::{Element, Sentence, Status};
use crate::meddicc::Meddicc;
use crate::negation::is_negated;
use crate::{Span, find_phrase};

/// (element name, verdict) in the framework's order.
pub type Elements = Vec<(&'static str, Element)>;

/// Met when the buyer states it, partial when asked or said by a seller.
fn buyer_states(
    element: &mut Element,
    sentence: &Sentence,
    selling: bool,
    cue: Span,
    confidence: f32,
) {
    if sentence.question || selling || is_negated(&sentence.text, cue) {
        element.consider(Status::Partial, 0.5, sentence);
    } else {
        element.consider(Status::Met, confidence, sentence);
    }
}

const STATUS: &[&[&str]] = &[
    &["we", "currently"],
    &["currently", "we"],
    &["today", "we"],
    &["right", "now", "we"],
    &["our", "current"],
    &["we", "use"],
    &["we're", "using"],
    &["we", "run"],
    &["we", "have", "a"],
    &["at", "the", "moment"],
];
const IMPLICATION: &[&[&str]] = &[
    &["which", "means"],
    &["that", "means"],
    &["results", "in"],
    &["leads", "to"],
    &["costs", "us"],
    &["cost", "us"],
    &["because", "of", "that"],
    &["so", "we", "lose"],
    &["impact"],
    &["impacts"],
    &["the", "consequence"],
    &["we", "end", "up"],
];
const SOLUTION: &[&[&str]] = &[
    &["we", "want"],
    &["we'd", "like"],
    &["ideally"],
    &["looking", "for"],
    &["if", "we", "could"],
    &["would", "love"],
    &["we", "need", "a"],
    &["we", "need", "something"],
    &["what", "we", "want"],
];
const EVENTS: &[&str] = &[
    "deadline",
    "renewal",
    "expires",
    "expiry",
    "audit",
    "go-live",
    "launch",
    "merger",
    "acquisition",
    "regulation",
    "regulatory",
    "compliance",
    "ends",
    "cutover",
    "migration",
    "board",
];
const VALUE: &[&str] = &[
    "roi",
    "value",
    "savings",
    "save",
    "revenue",
    "payback",
    "efficiency",
    "margin",
];
const UPFRONT: &[&[&str]] = &[
    &["agenda"],
    &["by", "the", "end", "of", "this", "call"],
    &["by", "the", "end", "of", "the", "call"],
    &["if", "it's", "not", "a", "fit"],
    &["if", "it", "isn't", "a", "fit"],
    &["is", "it", "okay", "if"],
    &["is", "it", "ok", "if"],
    &["we", "agreed", "to"],
    &["next", "step", "will", "be"],
    &["at", "the", "end", "we"],
    &["how", "much", "time", "do", "we", "have"],
];
const LABELS: &[&[&str]] = &[
    &["it", "seems", "like"],
    &["it", "sounds", "like"],
    &["it", "looks", "like"],
    &["seems", "like", "you"],
    &["sounds", "like", "you"],
    &["it", "feels", "like"],
];
const AUDIT: &[&[&str]] = &[
    &["you", "probably", "think"],
    &["you're", "probably", "going", "to"],
    &["this", "might", "sound"],
    &["you", "may", "feel"],
    &["you", "might", "think"],
    &["i", "know", "this", "sounds"],
    &["you're", "probably", "thinking"],
];
const THATS_RIGHT: &[&[&str]] = &[
    &["that's", "right"],
    &["that's", "exactly", "right"],
    &["exactly", "right"],
];

/// The last `n` words of a sentence (lower-cased), for mirrors.
fn tail(sentence: &Sentence, n: usize) -> Vec<String> {
    let words = &sentence.words;
    words[words.len().saturating_sub(n)..]
        .iter()
        .map(|(_, w)| w.clone())
        .collect()
}

/// Question Based Selling.
pub fn qbs(sentences: &[Sentence], sellers: &[String], bant: &Bant) -> Elements {
    let mut status = Element::unknown();
    let mut implication = Element::unknown();
    let mut solution = Element::unknown();
    for sentence in sentences {
        let selling = sentence
            .speaker
            .as_ref()
            .is_some_and(|s| sellers.contains(s));
        let found = &sentence.words;
        if let Some(cue) = find_phrase(found, STATUS) {
            buyer_states(&mut status, sentence, selling, cue, 0.7);
        }
        if let Some(cue) = find_phrase(found, IMPLICATION) {
            buyer_states(&mut implication, sentence, selling, cue, 0.75);
        }
        if let Some(cue) = find_phrase(found, SOLUTION) {
            buyer_states(&mut solution, sentence, selling, cue, 0.7);
        }
    }
    vec![
        ("status", status),
        ("issue", bant.need.clone()),
        ("implication", implication),
        ("solution", solution),
    ]
}

/// Target Account Selling.
pub fn tas(sentences: &[Sentence], sellers: &[String], meddicc: &Meddicc) -> Elements {
    let mut event = Element::unknown();
    let mut value = Element::unknown();
    for sentence in sentences {
        let selling = sentence
            .speaker
            .as_ref()
            .is_some_and(|s| sellers.contains(s));
        let found = &sentence.words;
        let named_event = found
            .iter()
            .find(|(_, w)| EVENTS.contains(&w.as_str()))
            .map(|(s, _)| *s);
        if let Some(cue) = named_event {
            if dates(&sentence.text).is_empty() {
                event.consider(Status::Partial, 0.5, sentence);
            } else {
                buyer_states(&mut event, sentence, selling, cue, 0.8);
            }
        }
        if let Some((cue, _)) = found.iter().find(|(_, w)| VALUE.contains(&w.as_str())) {
            let measured = sentence.text.bytes().any(|b| b.is_ascii_digit());
            if measured {
                buyer_states(&mut value, sentence, selling, *cue, 0.75);
            } else {
                value.consider(Status::Partial, 0.5, sentence);
            }
        }
    }
    vec![
        ("compelling_event", event),
        ("business_value", value),
        ("power_base", meddicc.economic_buyer.clone()),
        ("competition", meddicc.competition.clone()),
    ]
}

/// Sandler.
pub fn sandler(sentences: &[Sentence], bant: &Bant, meddicc: &Meddicc) -> Elements {
    let mut upfront = Element::unknown();
    for sentence in sentences {
        let found = &sentence.words;
        if find_phrase(found, UPFRONT).is_some() {
            // An upfront contract is set by either side agreeing how the meeting goes.
            upfront.consider(Status::Met, 0.7, sentence);
        }
    }
    let decision = if meddicc.decision_process.status >= bant.authority.status {
        meddicc.decision_process.clone()
    } else {
        bant.authority.clone()
    };
    vec![
        ("pain", bant.need.clone()),
        ("upfront_contract", upfront),
        ("budget", bant.budget.clone()),
        ("decision", decision),
    ]
}

/// Chris Voss's techniques.
pub fn voss(sentences: &[Sentence]) -> Elements {
    let mut labels = Element::unknown();
    let mut mirrors = Element::unknown();
    let mut calibrated = Element::unknown();
    let mut audit = Element::unknown();
    let mut thats_right = Element::unknown();
    for (i, sentence) in sentences.iter().enumerate() {
        let found = &sentence.words;
        if find_phrase(found, LABELS).is_some() {
            labels.consider(Status::Met, 0.75, sentence);
        }
        if find_phrase(found, AUDIT).is_some() {
            audit.consider(Status::Met, 0.75, sentence);
        }
        if find_phrase(found, THATS_RIGHT).is_some() {
            thats_right.consider(Status::Met, 0.8, sentence);
        }
        let first = found.first().map(|(_, w)| w.as_str());
        if sentence.question && matches!(first, Some("how" | "what")) && found.len() >= 4 {
            calibrated.consider(Status::Met, 0.7, sentence);
        }
        // A mirror: a short question repeating the last words another speaker just said.
        if i > 0 && sentence.question && found.len() <= 4 && !found.is_empty() {
            let previous = &sentences[i - 1];
            let other = previous.speaker.is_some() && previous.speaker != sentence.speaker;
            let said: Vec<String> = found.iter().map(|(_, w)| w.clone()).collect();
            if other && tail(previous, said.len()) == said {
                mirrors.consider(Status::Met, 0.8, sentence);
            }
        }
    }
    vec![
        ("labels", labels),
        ("mirrors", mirrors),
        ("calibrated_questions", calibrated),
        ("accusation_audit", audit),
        ("thats_right", thats_right),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bant::bant;
    use crate::evidence::sentences_of;
    use crate::meddicc::meddicc;

    fn status_of(elements: &Elements, name: &str) -> Status {
        elements
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Status::Unknown, |(_, e)| e.status)
    }

    #[test]
    fn techniques_and_buyer_statements() {
        let turns = [
            (Some("Rep"), "Is it okay if we set the agenda first?", 0),
            (
                Some("Jane"),
                "Today we run everything on spreadsheets, which means our reps lose a day each week.",
                100,
            ),
            (
                Some("Jane"),
                "Ideally we want one place for forecasts.",
                200,
            ),
            (
                Some("Jane"),
                "Our contract with NetCo expires on March 31.",
                300,
            ),
            (
                Some("Rep"),
                "It sounds like the forecast is the real worry.",
                400,
            ),
            (Some("Jane"), "That's right.", 500),
            (Some("Jane"), "We need it before the audit.", 600),
            (Some("Rep"), "Before the audit?", 700),
            (
                Some("Rep"),
                "What would make this a success for your team?",
                800,
            ),
            (Some("Rep"), "You probably think we're too expensive.", 900),
        ];
        let sentences = sentences_of(turns);
        let sellers = vec!["Rep".to_owned()];
        let b = bant(&sentences);
        let m = meddicc(&sentences, &["NetCo".to_owned()], &b);
        let q = qbs(&sentences, &sellers, &b);
        assert_eq!(status_of(&q, "status"), Status::Met);
        assert_eq!(status_of(&q, "implication"), Status::Met);
        assert_eq!(status_of(&q, "solution"), Status::Met);
        let t = tas(&sentences, &sellers, &m);
        assert_eq!(status_of(&t, "compelling_event"), Status::Met);
        let s = sandler(&sentences, &b, &m);
        assert_eq!(status_of(&s, "upfront_contract"), Status::Met);
        let v = voss(&sentences);
        for name in [
            "labels",
            "mirrors",
            "calibrated_questions",
            "accusation_audit",
            "thats_right",
        ] {
            assert_eq!(status_of(&v, name), Status::Met, "{name}");
        }
    }
}
