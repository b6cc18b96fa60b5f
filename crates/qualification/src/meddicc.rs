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
    &["i'll", "pitch"],
    &["i'll", "take", "it", "to"],
    &["i'll", "put", "my", "name"],
    &["fully", "behind"],
    &["i'm", "behind", "this"],
    &["i'll", "back"],
    &["pushed", "for", "this"],
    &["banging", "this", "drum"],
    &["driving", "this"],
    &["walk", "it", "through", "with"],
    &["present", "it", "herself"],
    &["present", "it", "himself"],
    &["present", "it", "myself"],
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

/// Phrases that say nothing is measured.
const NO_METRICS: &[&[&str]] = &[
    &["don't", "measure"],
    &["not", "measured"],
    &["haven't", "measured"],
    &["no", "baseline"],
    &["no", "number"],
    &["no", "numbers"],
    &["don't", "track"],
    &["no", "metrics"],
];
/// Phrases of someone declining to back the deal.
const NO_CHAMPION: &[&[&str]] = &[
    &["not", "going", "to", "champion"],
    &["won't", "champion"],
    &["won't", "be", "the", "one", "pushing"],
    &["not", "going", "to", "push"],
    &["won't", "push"],
    &["not", "my", "project"],
];
/// Phrases that say no other vendor is in play.
const NO_COMPETITION: &[&[&str]] = &[
    &["not", "talking", "to", "anyone"],
    &["not", "talking", "to", "anybody"],
    &["not", "looking", "at", "anyone"],
    &["not", "speaking", "to", "anyone"],
    &["the", "only", "ones", "we've"],
    &["the", "only", "vendor"],
    &["no", "other", "vendors"],
    &["not", "evaluating", "anyone"],
];
/// Competitive language that names a rival nearby.
const RIVALRY_STRONG: &[&[&str]] = &[
    &["incumbent"],
    &["pitching"],
    &["bidding"],
    &["quoting"],
    &["quoted", "us"],
    &["cheaper"],
    &["pricier"],
    &["proof", "of", "concept"],
    &["paying"],
    &["was", "here"],
    &["were", "here"],
    &["currently", "use"],
    &["currently", "using"],
    &["switch", "from"],
    &["moving", "off"],
];
/// Contact language that names a rival only with "also", "other" and the like.
const RIVALRY_WEAK: &[&[&str]] = &[
    &["speaking", "with"],
    &["talking", "to"],
    &["looking", "at"],
    &["meeting", "with"],
];
/// Capitalised words that are not vendor names.
const NOT_NAMES: &[&str] = &[
    "the",
    "and",
    "but",
    "our",
    "we",
    "you",
    "they",
    "them",
    "their",
    "your",
    "his",
    "her",
    "she",
    "him",
    "who",
    "what",
    "that",
    "this",
    "also",
    "yeah",
    "yes",
    "okay",
    "look",
    "honestly",
    "anyone",
    "someone",
    "everyone",
    "nobody",
    "other",
    "others",
    "another",
    "else",
    "which",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sir",
    "team",
    "board",
    "finance",
    "legal",
    "procurement",
    "it",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "group",
    "company",
    "ltd",
    "inc",
    "plc",
    "new",
    "old",
    "all",
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
        // Metrics: a measurable outcome, a number with an improvement or a measure; or a rate
        // ("fourteen percent", "twenty hours a week").
        if find_phrase(found, NO_METRICS).is_some() {
            if !sentence.question && !selling {
                out.metrics.consider(Status::NotMet, 0.65, sentence);
            }
        } else if let Some(cue) = rate(found) {
            weigh(&mut out.metrics, sentence, selling, cue, 0.75);
        } else if let Some(cue) = find_word(found, IMPROVE) {
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
        // Holding the budget says more than deciding: look for it first.
        let money_power = cues
            .iter()
            .find(|(_, c)| *c == DecisionCue::HoldsBudget)
            .or_else(|| cues.iter().find(|(_, c)| *c == DecisionCue::Decides));
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
        if find_phrase(found, NO_CHAMPION).is_some() {
            if !sentence.question && !selling {
                out.champion.consider(Status::NotMet, 0.65, sentence);
            }
        } else if let Some(cue) = find_phrase(found, CHAMPION) {
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
        } else if find_phrase(found, NO_COMPETITION).is_some() {
            if !sentence.question && !selling {
                out.competition.consider(Status::NotMet, 0.6, sentence);
            }
        } else if let Some(cue) = rival(sentence, sellers) {
            weigh(&mut out.competition, sentence, selling, cue, 0.65);
        } else if let Some(cue) = find_word(found, COMPARE) {
            weigh(&mut out.competition, sentence, selling, cue, 0.6);
        }
    }
    out
}

/// A rate: a number with "percent", or a time or count per period ("20 hours a week").
fn rate(found: &[(Span, String)]) -> Option<Span> {
    let number = |w: &str| w.bytes().any(|b| b.is_ascii_digit()) || NUMBER_WORDS.contains(&w);
    found.windows(2).enumerate().find_map(|(i, pair)| {
        let (value, unit) = (&pair[0].1, &pair[1].1);
        if !number(value) {
            return None;
        }
        let per_period = || {
            matches!(
                unit.as_str(),
                "hours" | "days" | "minutes" | "weeks" | "times"
            ) && matches!(
                found.get(i + 2).map(|(_, w)| w.as_str()),
                Some("a" | "per" | "every" | "each")
            ) && matches!(
                found.get(i + 3).map(|(_, w)| w.as_str()),
                Some("day" | "week" | "month" | "quarter" | "year")
            )
        };
        (matches!(unit.as_str(), "percent" | "per-cent" | "percentage") || per_period()).then(
            || Span {
                start: pair[0].0.start,
                end: pair[1].0.end,
            },
        )
    })
}

/// Vendors named beside competitive language ("Globex was here two weeks ago", "we're speaking
/// with Initech also", "what we're paying Contoso"): the rival's name. Names are capitalised
/// words that are not the sentence's first word, a speaker, a title or a month; in text written
/// all in lower case, the word after "with", "to" or "at".
fn rival(sentence: &Sentence, sellers: &[String]) -> Option<Span> {
    let found = &sentence.words;
    let strong = find_phrase(found, RIVALRY_STRONG);
    let weak = find_phrase(found, RIVALRY_WEAK).filter(|_| {
        found
            .iter()
            .any(|(_, w)| matches!(w.as_str(), "also" | "too" | "else" | "other" | "another"))
    });
    let cue = strong.or(weak)?;
    let text = &sentence.text;
    let lowercase = !text.chars().any(char::is_uppercase);
    let titles = roles(text);
    let speaker_names: Vec<String> = sentence
        .speaker
        .iter()
        .chain(sellers)
        .flat_map(|s| {
            s.split_whitespace()
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .collect();
    let candidate = |i: usize| -> bool {
        let (span, word) = &found[i];
        let raw = &text[span.start..span.end];
        !NOT_NAMES.contains(&word.as_str())
            && !speaker_names.contains(word)
            && !titles
                .iter()
                .any(|t| t.span.start <= span.start && span.end <= t.span.end)
            && dates(raw).is_empty()
            && word.chars().all(|c| c.is_alphabetic() || c == '-')
            && word.chars().count() > 2
    };
    let name = if lowercase {
        (0..found.len()).find(|&i| {
            i > 0
                && matches!(found[i - 1].1.as_str(), "with" | "to" | "at")
                && found[i - 1].0.start >= cue.start
                && candidate(i)
        })
    } else {
        (1..found.len()).find(|&i| {
            let (span, _) = &found[i];
            text[span.start..].starts_with(char::is_uppercase)
                && !text[..span.start]
                    .trim_end()
                    .ends_with(['.', '!', '?', ':'])
                && candidate(i)
        })
    }?;
    Some(found[name].0)
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
