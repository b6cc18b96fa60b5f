//! MEDDICC: metrics, economic buyer, decision criteria, decision process, paper process,
//! identified pain, champion and competition, read from stated sentences like BANT. Competitors
//! are recognised by name from a list the caller gives (the knowledge base's competitor
//! documents) and by comparison language.

use crate::bant::Bant;
use crate::dates::dates;
use crate::evidence::{Element, Sentence, Status};
use crate::money::money;
use crate::negation::is_negated;
use crate::roles::{DecisionCue, PersonaLevel, decision_cues, roles};
use crate::{Span, find_phrase, find_word};

/// MEDDICC's eight verdicts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Meddicc {
    pub metrics: Element,
    pub economic_buyer: Element,
    pub decision_criteria: Element,
    pub decision_process: Element,
    pub paper_process: Element,
    pub identify_pain: Element,
    pub champion: Element,
    pub competition: Element,
}

const IMPROVE: &[&str] = &[
    "reduce",
    "reduced",
    "cut",
    "save",
    "saving",
    "savings",
    "increase",
    "improve",
    "faster",
    "lower",
    "roi",
    "payback",
    "kpi",
    "target",
    "metric",
    "metrics",
    "sla",
    "cost",
    "costs",
    "lost",
    "lose",
    "losing",
    "outages",
    "waste",
    "wasted",
    "revenue",
    "productivity",
    "missed",
    "spend",
    "spends",
];
/// Numbers written as words, which count as measures too.
const NUMBER_WORDS: &[&str] = &[
    "thirteen",
    "fourteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "fifteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "hundred",
    "thousand",
    "million",
    "half",
    "dozen",
    "double",
    "twice",
];
const CRITERIA: &[&str] = &[
    "criteria",
    "requirement",
    "requirements",
    "priority",
    "priorities",
    "evaluate",
    "compliance",
    "integrate",
    "integrates",
    "dealbreaker",
    "shortlisted",
];
const CRITERIA_PHRASES: &[&[&str]] = &[
    &["must", "have"],
    &["must", "haves"],
    &["non", "negotiable"],
    &["deal", "breaker"],
    &["has", "to", "support"],
    &["have", "to", "support"],
    &["needs", "to", "support"],
    &["important", "to", "us"],
    &["we", "care", "about"],
];
const PROCESS: &[&str] = &[
    "process",
    "steps",
    "step",
    "committee",
    "evaluation",
    "poc",
    "pilot",
    "proof",
    "shortlist",
    "workshop",
    "demo",
    "review",
    "board",
    "stakeholders",
];
const PAPER: &[&str] = &[
    "legal",
    "contract",
    "contracts",
    "msa",
    "redlines",
    "redline",
    "procurement",
    "purchasing",
    "po",
    "signature",
    "dpa",
    "nda",
    "terms",
    "paperwork",
    "invoice",
    "vendor",
];
const CHAMPION: &[&[&str]] = &[
    &["i'll", "push"],
    &["i", "will", "push"],
    &["i'll", "champion"],
    &["i'll", "advocate"],
    &["i'll", "sell", "this"],
    &["i'll", "make", "the", "case"],
    &["i'll", "present", "this"],
    &["i'll", "set", "up"],
    &["i'll", "introduce"],
    &["i'll", "get", "you"],
    &["i'm", "pushing"],
    &["i'm", "championing"],
    &["internal", "sponsor"],
    &["i", "can", "introduce"],
    &["i", "can", "get", "you"],
];
const COMPARE: &[&str] = &[
    "competitor",
    "competitors",
    "alternative",
    "alternatives",
    "incumbent",
    "versus",
    "vs",
];

/// Stated by the buyer's side and not negated: met; asked, negated or said by a seller: partial.
fn weigh(
    element: &mut Element,
    sentence: &Sentence,
    selling: bool,
    cue: Span,
    met_confidence: f32,
) {
    if sentence.question || is_negated(&sentence.text, cue) || selling {
        element.consider(Status::Partial, 0.5, sentence);
    } else {
        element.consider(Status::Met, met_confidence, sentence);
    }
}

/// MEDDICC over a conversation's sentences; `competitors` are known competitor names, and
/// `bant` (already read) gives the pain. What sellers say only puts an element in discussion.
pub fn meddicc(sentences: &[Sentence], competitors: &[String], bant: &Bant) -> Meddicc {
    let sellers = crate::sides::sellers(sentences, &[]);
    meddicc_with_sellers(sentences, competitors, bant, &sellers)
}

/// As [`meddicc`], with the selling speakers given.
pub fn meddicc_with_sellers(
    sentences: &[Sentence],
    competitors: &[String],
    bant: &Bant,
    sellers: &[String],
) -> Meddicc {
    let mut out = Meddicc {
        metrics: Element::unknown(),
        economic_buyer: Element::unknown(),
        decision_criteria: Element::unknown(),
        decision_process: Element::unknown(),
        paper_process: Element::unknown(),
        identify_pain: bant.need.clone(),
        champion: Element::unknown(),
        competition: Element::unknown(),
    };
    let competitors: Vec<String> = competitors.iter().map(|c| c.to_lowercase()).collect();
    for sentence in sentences {
        let selling = sentence
            .speaker
            .as_ref()
            .is_some_and(|s| sellers.contains(s));
        // What a seller states about their own offer says nothing of the buyer's situation.
        if selling && !sentence.question {
            continue;
        }
        let text = &sentence.text;
        let found = &sentence.words;
        // Metrics: a measurable outcome, a number with an improvement or a measure.
        if let Some(cue) = find_word(found, IMPROVE) {
            let measured = text.contains('%')
                || !money(text).is_empty()
                || found.iter().any(|(_, w)| {
                    w.bytes().any(|b| b.is_ascii_digit()) || NUMBER_WORDS.contains(&w.as_str())
                });
            if measured {
                weigh(&mut out.metrics, sentence, selling, cue, 0.8);
            }
        }
        // Economic buyer: an executive who decides or holds the budget.
        let titles = roles(text);
        let cues = decision_cues(text);
        let money_power = cues
            .iter()
            .find(|(_, c)| matches!(c, DecisionCue::HoldsBudget | DecisionCue::Decides));
        let senior = titles.iter().find(|r| r.level >= PersonaLevel::Director);
        match (senior, money_power) {
            (Some(_), Some((span, _))) => {
                weigh(&mut out.economic_buyer, sentence, selling, *span, 0.85)
            }
            (Some(role), None) if found.iter().any(|(_, w)| w.starts_with("budget")) => {
                weigh(&mut out.economic_buyer, sentence, selling, role.span, 0.7);
            }
            // Whoever holds the budget is the economic buyer.
            (None, Some((span, DecisionCue::HoldsBudget))) => {
                weigh(&mut out.economic_buyer, sentence, selling, *span, 0.8);
            }
            _ => {}
        }
        if let Some(cue) =
            find_word(found, CRITERIA).or_else(|| find_phrase(found, CRITERIA_PHRASES))
        {
            weigh(&mut out.decision_criteria, sentence, selling, cue, 0.7);
        }
        let sequenced = found
            .iter()
            .any(|(_, w)| matches!(w.as_str(), "then" | "after" | "once" | "next"));
        let process = find_word(found, PROCESS)
            .or_else(|| {
                find_phrase(
                    found,
                    &[&["bake", "off"], &["goes", "to"], &["sign", "off"]],
                )
            })
            .or_else(|| {
                cues.iter()
                    .find(|(_, c)| *c == DecisionCue::Decides)
                    .filter(|_| sequenced)
                    .map(|(s, _)| *s)
            })
            .or_else(|| {
                cues.iter()
                    .find(|(_, c)| *c == DecisionCue::Process)
                    .map(|(s, _)| *s)
            });
        if let Some(cue) = process {
            let concrete = !dates(text).is_empty()
                || !titles.is_empty()
                || found.iter().any(|(_, w)| {
                    matches!(w.as_str(), "then" | "after" | "first" | "next" | "once")
                });
            if concrete {
                weigh(&mut out.decision_process, sentence, selling, cue, 0.75);
            } else {
                out.decision_process
                    .consider(Status::Partial, 0.5, sentence);
            }
        }
        if let Some(cue) = find_word(found, PAPER) {
            weigh(&mut out.paper_process, sentence, selling, cue, 0.75);
        }
        if let Some(cue) = find_phrase(found, CHAMPION) {
            weigh(&mut out.champion, sentence, selling, cue, 0.7);
        }
        let lower = text.to_lowercase();
        let named = competitors
            .iter()
            .find(|c| !c.is_empty() && contains_word(&lower, c));
        if let Some(name) = named {
            let start = lower.find(name.as_str()).unwrap_or(0);
            weigh(
                &mut out.competition,
                sentence,
                selling,
                Span {
                    start,
                    end: start + name.len(),
                },
                0.85,
            );
        } else if let Some(cue) = find_word(found, COMPARE) {
            weigh(&mut out.competition, sentence, selling, cue, 0.6);
        }
    }
    out
}

fn contains_word(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().last();
        let after = haystack[i + needle.len()..].chars().next();
        before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bant::bant;
    use crate::evidence::sentences_of;

    fn run(text: &str) -> Meddicc {
        let sentences = sentences_of([(None, text, 0)]);
        let b = bant(&sentences);
        meddicc(&sentences, &["Jigtree".to_owned(), "NetCo".to_owned()], &b)
    }

    #[test]
    fn a_qualified_enterprise_call() {
        let m = run("We want to cut ticket volume by 30%.\n\
                     Our CFO owns the budget and has the final say.\n\
                     Security and SSO integration are must-haves for us.\n\
                     First a pilot in May, then the steering committee decides.\n\
                     Legal will want redlines on the MSA.\n\
                     I'll push this internally.\n\
                     We're also talking to Jigtree.\n\
                     Outages cost us 4 hours a week.");
        for (name, element) in [
            ("metrics", &m.metrics),
            ("economic_buyer", &m.economic_buyer),
            ("decision_criteria", &m.decision_criteria),
            ("decision_process", &m.decision_process),
            ("paper_process", &m.paper_process),
            ("identify_pain", &m.identify_pain),
            ("champion", &m.champion),
            ("competition", &m.competition),
        ] {
            assert_eq!(element.status, Status::Met, "{name}: {element:?}");
        }
        assert!(m.competition.evidence[0].quote.contains("Jigtree"));
    }

    #[test]
    fn small_talk_stays_unknown() {
        let m = run("How was your weekend? Great, we went hiking. The kids loved it.");
        for element in [
            &m.metrics,
            &m.economic_buyer,
            &m.paper_process,
            &m.champion,
            &m.competition,
        ] {
            assert_eq!(element.status, Status::Unknown, "{element:?}");
        }
    }
}
