//! BANT: budget, authority, need, timeline, read from stated sentences. A question only puts an
//! element in discussion (partial); a statement can establish it (met) or deny it (not met).

use crate::dates::dates;
use crate::evidence::{Element, Sentence, Status};
use crate::money::money;
use crate::negation::is_negated;
use crate::roles::{DecisionCue, decision_cues, roles};
use crate::{Span, find_word, words};

/// BANT's four verdicts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Bant {
    pub budget: Element,
    pub authority: Element,
    pub need: Element,
    pub timeline: Element,
}

const BUDGET_WORDS: &[&str] = &[
    "budget",
    "budgets",
    "budgeted",
    "funding",
    "funded",
    "allocated",
    "allocation",
    "capex",
    "opex",
    "spend",
    "afford",
];
const BUDGET_YES: &[&str] = &[
    "approved",
    "allocated",
    "funded",
    "secured",
    "set",
    "earmarked",
    "signed",
    "ringfenced",
    "have",
    "got",
    "already",
    "plan",
    "planned",
    "genehmigt",
    "freigegeben",
    "bewilligt",
    "approuvé",
    "aprobado",
];
/// Words that make a statement conditional, which does not establish anything.
const CONDITIONAL: &[&str] = &["if", "unless", "assuming", "provided"];
/// Phrases that deny a timeline.
const NO_TIMELINE: &[&[&str]] = &[
    &["no", "rush"],
    &["no", "hurry"],
    &["not", "in", "a", "hurry"],
    &["no", "timeline"],
    &["no", "deadline"],
    &["no", "date", "set"],
];
/// Phrases that leave a budget open: still to be worked out.
const BUDGET_OPEN: &[&[&str]] = &[
    &["work", "out"],
    &["figure", "out"],
    &["sort", "out"],
    &["tbd"],
    &["to", "be", "confirmed"],
    &["to", "be", "decided"],
    &["not", "sure", "yet"],
    &["pending"],
];
const BUDGET_NO: &[&str] = &["cut", "frozen", "freeze", "slashed", "gone"];
const NEED_WORDS: &[&str] = &[
    "problem",
    "problems",
    "issue",
    "issues",
    "pain",
    "struggling",
    "struggle",
    "challenge",
    "challenges",
    "outage",
    "outages",
    "downtime",
    "bottleneck",
    "manual",
    "losing",
    "lose",
    "slow",
    "broken",
    "complaints",
    "churn",
    "failing",
    "fails",
    "costing",
    "frustrated",
    "frustrating",
    "need",
    "needs",
    "manually",
    "unhappy",
    "painful",
    "mess",
    "crashes",
    "crash",
    "missed",
    "delays",
    "errors",
    "mistakes",
    "backlog",
    "wasting",
    "inefficient",
    "overwhelmed",
];
const NEED_VAGUE: &[&str] = &["exploring", "curious", "browsing", "options", "nice"];
const DEADLINE_WORDS: &[&str] = &[
    "by",
    "before",
    "deadline",
    "live",
    "go-live",
    "launch",
    "rollout",
    "deploy",
    "deployed",
    "start",
    "sign",
    "signed",
    "decide",
    "decision",
    "renewal",
    "expires",
    "ends",
    "until",
    "need",
    "implement",
    "implemented",
    "cutover",
    "migrate",
];

fn budget(sentence: &Sentence, found: &[(Span, String)], element: &mut Element) {
    let text = &sentence.text;
    let amounts = money(text);
    // A budget word, or an amount said to be approved or set aside.
    let cue = find_word(found, BUDGET_WORDS)
        .filter(|span| {
            // "we spend three days a month" is time, not money.
            !matches!(&text[span.start..span.end], "spend" | "Spend") || !amounts.is_empty()
        })
        .or_else(|| {
            amounts
                .first()
                .filter(|_| find_word(found, BUDGET_YES).is_some())
                .map(|m| m.span)
        });
    let Some(cue) = cue else {
        return;
    };
    if sentence.question {
        element.consider(Status::Partial, 0.6, sentence);
        return;
    }
    let negated = is_negated(text, cue) || find_word(found, BUDGET_NO).is_some();
    if negated {
        element.consider(Status::NotMet, 0.8, sentence);
        return;
    }
    if find_word(found, CONDITIONAL).is_some() {
        element.consider(Status::Partial, 0.5, sentence);
        return;
    }
    if crate::find_phrase(found, BUDGET_OPEN).is_some() {
        element.consider(Status::Partial, 0.55, sentence);
        return;
    }
    let amount = !amounts.is_empty();
    // "have" and "got" say the money is there, unless they say something must be done ("we
    // still have to work out the budget").
    let established = found.iter().enumerate().any(|(i, (_, w))| {
        BUDGET_YES.contains(&w.as_str())
            && !(matches!(w.as_str(), "have" | "got")
                && found.get(i + 1).is_some_and(|(_, next)| next == "to"))
    });
    if amount || established {
        element.consider(
            Status::Met,
            if amount && established { 0.9 } else { 0.75 },
            sentence,
        );
    } else {
        element.consider(Status::Partial, 0.55, sentence);
    }
}

fn authority(sentence: &Sentence, element: &mut Element) {
    let text = &sentence.text;
    let cues = decision_cues(text);
    let titles = roles(text);
    let decides = cues
        .iter()
        .find(|(_, c)| matches!(c, DecisionCue::Decides | DecisionCue::HoldsBudget));
    if let Some((span, _)) = decides {
        if sentence.question {
            element.consider(Status::Partial, 0.6, sentence);
        } else if is_negated(text, *span) {
            if sentence.words.iter().any(|(_, w)| w == "i") {
                // "I don't sign off" puts it elsewhere, not established.
                element.consider(Status::Partial, 0.55, sentence);
            } else {
                // "There isn't a single decision maker": nobody holds it.
                element.consider(Status::NotMet, 0.6, sentence);
            }
        } else if !titles.is_empty() || names_someone(text) {
            element.consider(Status::Met, 0.85, sentence);
        } else {
            element.consider(Status::Partial, 0.6, sentence);
        }
    } else if !cues.is_empty() || (!titles.is_empty() && sentence.question) {
        element.consider(Status::Partial, 0.5, sentence);
    }
}

/// Whether the sentence names a person or speaks for the speaker ("I", "Maria").
fn names_someone(text: &str) -> bool {
    let found = words(text);
    found.iter().enumerate().any(|(i, (span, w))| {
        w == "i"
            || (i > 0
                && text[span.start..].starts_with(|c: char| c.is_uppercase())
                && !text[..span.start].trim_end().ends_with(['.', '!', '?']))
    })
}

fn need(sentence: &Sentence, found: &[(Span, String)], element: &mut Element) {
    let text = &sentence.text;
    if let Some(cue) = find_word(found, NEED_WORDS) {
        if sentence.question {
            element.consider(Status::Partial, 0.5, sentence);
        } else if is_negated(text, cue)
            && !matches!(
                text[cue.start..cue.end].to_lowercase().as_str(),
                "can't" | "cannot"
            )
        {
            element.consider(Status::NotMet, 0.7, sentence);
        } else {
            // A concrete pain has specifics: a number, an amount or a time.
            let specific = text.bytes().any(|b| b.is_ascii_digit()) || !dates(text).is_empty();
            element.consider(Status::Met, if specific { 0.85 } else { 0.7 }, sentence);
        }
    } else if find_word(found, NEED_VAGUE).is_some() && !sentence.question {
        element.consider(Status::Partial, 0.5, sentence);
    }
}

fn timeline(sentence: &Sentence, found: &[(Span, String)], element: &mut Element) {
    let text = &sentence.text;
    if !sentence.question && crate::find_phrase(found, NO_TIMELINE).is_some() {
        element.consider(Status::NotMet, 0.75, sentence);
        return;
    }
    // "last quarter", "two years ago": the past sets no deadline.
    let mentions: Vec<_> = dates(text)
        .into_iter()
        .filter(|d| !in_the_past(text, d.span))
        .collect();
    let Some(first) = mentions.first() else {
        if find_word(found, &["timeline", "timeframe", "timing", "deadline"]).is_some() {
            // Timing talked about without a time named: in discussion, not established.
            element.consider(Status::Partial, 0.5, sentence);
        }
        return;
    };
    let deadline = find_word(found, DEADLINE_WORDS).is_some();
    if sentence.question {
        element.consider(Status::Partial, 0.55, sentence);
    } else if is_negated(text, first.span) {
        element.consider(Status::NotMet, 0.7, sentence);
    } else if deadline {
        element.consider(Status::Met, 0.85, sentence);
    } else {
        element.consider(Status::Partial, 0.5, sentence);
    }
}

/// Whether a date mention looks back ("last month", "in the past year", "two weeks ago").
fn in_the_past(text: &str, span: Span) -> bool {
    let before: Vec<String> = words(&text[..span.start])
        .into_iter()
        .rev()
        .take(2)
        .map(|(_, w)| w)
        .collect();
    let mention = text[span.start..span.end].to_lowercase();
    let after = words(&text[span.end..]).into_iter().next().map(|(_, w)| w);
    before
        .iter()
        .any(|w| matches!(w.as_str(), "last" | "past" | "previous" | "since" | "ago"))
        || mention.starts_with("last ")
        || mention.starts_with("past ")
        || after.as_deref() == Some("ago")
}

impl Bant {
    /// Nothing discussed yet.
    fn unknown() -> Self {
        Self {
            budget: Element::unknown(),
            authority: Element::unknown(),
            need: Element::unknown(),
            timeline: Element::unknown(),
        }
    }
}

/// Whether a reply opens with a plain no ("No.", "Not really, …", "Nope", "Not yet").
fn answers_no(found: &[(Span, String)]) -> bool {
    let first: Vec<&str> = found.iter().take(2).map(|(_, w)| w.as_str()).collect();
    matches!(
        first.as_slice(),
        ["no", ..] | ["nope", ..] | ["not", "really" | "yet" | "at"] | ["none", ..]
    )
}

/// BANT over a conversation's sentences. What sellers say (see [`crate::sides`]) only puts an
/// element in discussion.
pub fn bant_with_sellers(sentences: &[Sentence], sellers: &[String]) -> Bant {
    let mut out = Bant::unknown();
    // The elements the last question touched, for a short "no" that answers it.
    let mut asked: Vec<usize> = Vec::new();
    for sentence in sentences {
        let selling = sentence
            .speaker
            .as_ref()
            .is_some_and(|s| sellers.contains(s));
        // What a seller states about their own offer says nothing of the buyer's situation.
        if selling && !sentence.question {
            continue;
        }
        let found = &sentence.words;
        if !sentence.question && !asked.is_empty() && answers_no(found) {
            let elements = [
                &mut out.budget,
                &mut out.authority,
                &mut out.need,
                &mut out.timeline,
            ];
            for (k, element) in elements.into_iter().enumerate() {
                if asked.contains(&k) {
                    element.consider(Status::NotMet, 0.7, sentence);
                }
            }
            asked.clear();
            continue;
        }
        let mut seen = Bant::unknown();
        budget(sentence, found, &mut seen.budget);
        authority(sentence, &mut seen.authority);
        need(sentence, found, &mut seen.need);
        timeline(sentence, found, &mut seen.timeline);
        if sentence.question {
            asked = [&seen.budget, &seen.authority, &seen.need, &seen.timeline]
                .iter()
                .enumerate()
                .filter(|(_, e)| e.status != Status::Unknown)
                .map(|(k, _)| k)
                .collect();
        } else {
            asked.clear();
        }
        for (element, verdict) in [
            (&mut out.budget, seen.budget),
            (&mut out.authority, seen.authority),
            (&mut out.need, seen.need),
            (&mut out.timeline, seen.timeline),
        ] {
            let status = match verdict.status {
                Status::Met | Status::NotMet if selling => Status::Partial,
                other => other,
            };
            if status != Status::Unknown {
                element.consider(status, verdict.confidence, sentence);
            }
        }
    }
    out
}

/// BANT over a conversation's sentences, with sellers found by [`crate::sides::sellers`].
pub fn bant(sentences: &[Sentence]) -> Bant {
    bant_with_sellers(sentences, &crate::sides::sellers(sentences, &[]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::sentences_of;

    fn run(text: &str) -> Bant {
        bant(&sentences_of([(None, text, 0)]))
    }

    #[test]
    fn what_the_seller_states_says_nothing_of_the_buyer() {
        let turns = [
            (Some("Rep"), "We can have you live by March 1st.", 0),
            (Some("Rep"), "Our budget tier costs $20k a year.", 40),
            (Some("Jane"), "Okay.", 80),
        ];
        let b = bant(&sentences_of(turns));
        assert_eq!(b.timeline.status, Status::Unknown);
        assert_eq!(b.budget.status, Status::Unknown);
    }

    #[test]
    fn a_qualified_call() {
        let text = "Rep: What budget do you have?\nJane: We have 200k EUR approved for this.\n\
                    Jane: Our CFO Maria signs off on anything above 50k.\n\
                    Jane: Our network outages cost us 3 hours a week.\n\
                    Jane: We need it live by the end of Q3.";
        let b = run(text);
        assert_eq!(b.budget.status, Status::Met);
        assert_eq!(b.authority.status, Status::Met);
        assert_eq!(b.need.status, Status::Met);
        assert_eq!(b.timeline.status, Status::Met);
        for element in [&b.budget, &b.authority, &b.need, &b.timeline] {
            for e in &element.evidence {
                let chars: Vec<char> = text.chars().collect();
                let quoted: String = chars[e.start..e.end].iter().collect();
                assert_eq!(quoted, e.quote, "evidence is verbatim at its offsets");
            }
        }
        assert!(b.budget.evidence[0].quote.contains("200k EUR approved"));
    }

    #[test]
    fn negations_questions_and_small_talk() {
        let no = run("There is no budget this year. Nothing is planned until next year, honestly.");
        assert_eq!(no.budget.status, Status::NotMet);
        let asked = run("What is your budget? When would you want to start?");
        assert_eq!(asked.budget.status, Status::Partial);
        assert_eq!(asked.timeline.status, Status::Unknown, "no time is named");
        let chat = run("I paid $5 for coffee this morning. The weather in May was lovely.");
        assert_eq!(chat.budget.status, Status::Unknown);
        assert_eq!(chat.authority.status, Status::Unknown);
        assert_eq!(chat.need.status, Status::Unknown);
    }
}
