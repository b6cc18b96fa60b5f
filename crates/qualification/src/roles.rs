//! People's roles and decision language: job titles with their persona level (`CFO`, `VP of
//! Engineering`, `Head of IT`, `procurement`), and phrases that place a decision (`signs off`,
//! `has the final say`, `owns the budget`, `decision maker`).

use crate::{Span, words};

/// How senior a title is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonaLevel {
    Individual,
    Manager,
    Director,
    VicePresident,
    Executive,
}

/// A title found in text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RoleMention {
    pub span: Span,
    pub level: PersonaLevel,
    /// A department named with the title ("finance", "procurement"), lower-cased.
    pub function: Option<String>,
}

/// What a decision phrase says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionCue {
    /// Someone decides or signs: "signs off", "final say", "decision maker".
    Decides,
    /// Someone holds the money: "owns the budget", "budget holder".
    HoldsBudget,
    /// A formal step: "approval", "committee", "procurement process", "legal review".
    Process,
}

const EXECUTIVE: &[&str] = &[
    "ceo",
    "cfo",
    "cio",
    "cto",
    "coo",
    "ciso",
    "cro",
    "cmo",
    "cpo",
    "cdo",
    "cso",
    "president",
    "founder",
    "co-founder",
    "cofounder",
    "owner",
    "chairman",
    "chairwoman",
    "board",
    "md",
    "evp",
    "svp",
];
const FUNCTIONS: &[&str] = &[
    "finance",
    "procurement",
    "purchasing",
    "legal",
    "it",
    "engineering",
    "security",
    "operations",
    "sales",
    "marketing",
    "infrastructure",
    "networking",
    "network",
    "data",
    "product",
    "hr",
    "people",
    "customer",
    "support",
    "strategy",
    "technology",
    "digital",
    "risk",
];

fn level_of(word: &str) -> Option<PersonaLevel> {
    match word {
        w if EXECUTIVE.contains(&w) => Some(PersonaLevel::Executive),
        "vp" | "vice" => Some(PersonaLevel::VicePresident),
        "director" | "head" => Some(PersonaLevel::Director),
        "manager" | "lead" | "supervisor" => Some(PersonaLevel::Manager),
        "engineer" | "analyst" | "architect" | "administrator" | "admin" | "specialist"
        | "consultant" | "developer" | "buyer" => Some(PersonaLevel::Individual),
        _ => None,
    }
}

/// Every title in the text, in order.
pub fn roles(text: &str) -> Vec<RoleMention> {
    let found = words(text);
    let w = |i: usize| found.get(i).map_or("", |(_, w)| w.as_str());
    let mut out = Vec::new();
    let mut i = 0;
    while i < found.len() {
        let word = w(i);
        // "chief financial officer"
        if word == "chief" && w(i + 2) == "officer" {
            out.push(RoleMention {
                span: Span {
                    start: found[i].0.start,
                    end: found[i + 2].0.end,
                },
                level: PersonaLevel::Executive,
                function: Some(w(i + 1).to_owned()),
            });
            i += 3;
            continue;
        }
        let Some(mut level) = level_of(word) else {
            i += 1;
            continue;
        };
        let start = found[i].0.start;
        let mut last = i;
        if word == "vice" {
            if w(i + 1) != "president" {
                i += 1;
                continue;
            }
            last = i + 1;
        }
        // "senior director", "general manager", "managing director"
        if i > 0 && w(i - 1) == "managing" && word == "director" {
            level = PersonaLevel::Executive;
        }
        // "head of IT", "VP of Engineering", "director, finance", "IT manager"
        let mut function = None;
        if matches!(w(last + 1), "of" | "for") && FUNCTIONS.contains(&w(last + 2)) {
            function = Some(w(last + 2).to_owned());
            last += 2;
        } else if FUNCTIONS.contains(&w(last + 1)) && matches!(word, "vp" | "director" | "head") {
            function = Some(w(last + 1).to_owned());
            last += 1;
        }
        let mut begin = start;
        if function.is_none()
            && i > 0
            && FUNCTIONS.contains(&w(i - 1))
            && level <= PersonaLevel::Director
        {
            function = Some(w(i - 1).to_owned());
            begin = found[i - 1].0.start;
        }
        // "head" alone is a body part or a verb; it needs "of".
        if word == "head" && function.is_none() {
            i += 1;
            continue;
        }
        out.push(RoleMention {
            span: Span {
                start: begin,
                end: found[last].0.end,
            },
            level,
            function,
        });
        i = last + 1;
    }
    // Procurement, legal and finance teams named as a party.
    for (span, word) in &found {
        if matches!(word.as_str(), "procurement" | "purchasing")
            && !out
                .iter()
                .any(|r| r.span.start <= span.start && span.end <= r.span.end)
        {
            out.push(RoleMention {
                span: *span,
                level: PersonaLevel::Individual,
                function: Some(word.clone()),
            });
        }
    }
    out.sort_by_key(|r| r.span.start);
    out
}

const PHRASES: &[(&[&str], DecisionCue)] = &[
    (&["sign", "off"], DecisionCue::Decides),
    (&["signs", "off"], DecisionCue::Decides),
    (&["signed", "off"], DecisionCue::Decides),
    (&["sign", "the", "contract"], DecisionCue::Decides),
    (&["final", "say"], DecisionCue::Decides),
    (&["final", "decision"], DecisionCue::Decides),
    (&["final", "call"], DecisionCue::Decides),
    (&["makes", "the", "call"], DecisionCue::Decides),
    (&["make", "the", "call"], DecisionCue::Decides),
    (&["decision", "maker"], DecisionCue::Decides),
    (&["decision", "makers"], DecisionCue::Decides),
    (&["green", "light"], DecisionCue::Decides),
    (&["signatory"], DecisionCue::Decides),
    (&["decides"], DecisionCue::Decides),
    (&["decide"], DecisionCue::Decides),
    (&["signs"], DecisionCue::Decides),
    (&["approves"], DecisionCue::Decides),
    (&["that", "would", "be", "me"], DecisionCue::Decides),
    (&["i", "sign"], DecisionCue::Decides),
    (&["i", "approve"], DecisionCue::Decides),
    (&["i", "decide"], DecisionCue::Decides),
    (&["one", "signing"], DecisionCue::Decides),
    (&["the", "decision", "is", "mine"], DecisionCue::Decides),
    (&["that's", "me"], DecisionCue::Decides),
    (&["goes", "to", "our"], DecisionCue::Decides),
    (&["go", "to", "our"], DecisionCue::Decides),
    (&["go", "up", "to"], DecisionCue::Decides),
    (&["goes", "up", "to"], DecisionCue::Decides),
    (&["escalates", "to"], DecisionCue::Decides),
    (&["can", "sign"], DecisionCue::Decides),
    (&["sign", "anything"], DecisionCue::Decides),
    (&["i'll", "sign"], DecisionCue::Decides),
    (&["his", "decision"], DecisionCue::Decides),
    (&["her", "decision"], DecisionCue::Decides),
    (&["their", "decision"], DecisionCue::Decides),
    (&["his", "call"], DecisionCue::Decides),
    (&["her", "call"], DecisionCue::Decides),
    (&["final", "approval"], DecisionCue::Decides),
    (&["his", "budget"], DecisionCue::HoldsBudget),
    (&["her", "budget"], DecisionCue::HoldsBudget),
    (&["owns", "the", "budget"], DecisionCue::HoldsBudget),
    (&["controls", "the", "budget"], DecisionCue::HoldsBudget),
    (&["budget", "holder"], DecisionCue::HoldsBudget),
    (&["budget", "owner"], DecisionCue::HoldsBudget),
    (
        &["holds", "the", "purse", "strings"],
        DecisionCue::HoldsBudget,
    ),
    (&["approval"], DecisionCue::Process),
    (&["approvals"], DecisionCue::Process),
    (&["committee"], DecisionCue::Process),
    (&["legal", "review"], DecisionCue::Process),
    (&["security", "review"], DecisionCue::Process),
    (&["procurement", "process"], DecisionCue::Process),
    (&["purchase", "order"], DecisionCue::Process),
    (&["rfp"], DecisionCue::Process),
    (&["vendor", "onboarding"], DecisionCue::Process),
];

/// Every decision phrase in the text, in order.
pub fn decision_cues(text: &str) -> Vec<(Span, DecisionCue)> {
    let found = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < found.len() {
        let matched = PHRASES.iter().find(|(phrase, _)| {
            phrase
                .iter()
                .enumerate()
                .all(|(k, p)| found.get(i + k).is_some_and(|(_, w)| w == p))
        });
        // "owns the support budget", "controls our IT budget": a holding verb, then "budget"
        // within three words.
        let holds = matches!(
            found[i].1.as_str(),
            "own"
                | "owns"
                | "control"
                | "controls"
                | "hold"
                | "holds"
                | "manage"
                | "manages"
                | "his"
                | "her"
        );
        if matched.is_none()
            && holds
            && let Some(k) = (1..=3).find(|k| found.get(i + k).is_some_and(|(_, w)| w == "budget"))
        {
            out.push((
                Span {
                    start: found[i].0.start,
                    end: found[i + k].0.end,
                },
                DecisionCue::HoldsBudget,
            ));
            i += k + 1;
            continue;
        }
        match matched {
            Some((phrase, cue)) => {
                let last = i + phrase.len() - 1;
                out.push((
                    Span {
                        start: found[i].0.start,
                        end: found[last].0.end,
                    },
                    *cue,
                ));
                i = last + 1;
            }
            None => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(text: &str) -> Vec<(&str, PersonaLevel, Option<String>)> {
        roles(text)
            .into_iter()
            .map(|r| (r.span.of(text), r.level, r.function))
            .collect()
    }

    #[test]
    fn titles_carry_level_and_function() {
        use PersonaLevel::*;
        assert_eq!(titles("Our CFO signs."), [("CFO", Executive, None)]);
        assert_eq!(
            titles("Maria, the Chief Financial Officer, and the VP of Engineering"),
            [
                (
                    "Chief Financial Officer",
                    Executive,
                    Some("financial".into())
                ),
                (
                    "VP of Engineering",
                    VicePresident,
                    Some("engineering".into())
                )
            ]
        );
        assert_eq!(
            titles("the Head of IT and an IT manager"),
            [
                ("Head of IT", Director, Some("it".into())),
                ("IT manager", Manager, Some("it".into()))
            ]
        );
        assert_eq!(
            titles("the managing director"),
            [("director", Executive, None)]
        );
        assert_eq!(
            titles("Vice President of Sales"),
            [(
                "Vice President of Sales",
                VicePresident,
                Some("sales".into())
            )]
        );
        assert_eq!(
            titles("it goes to procurement"),
            [("procurement", Individual, Some("procurement".into()))]
        );
        assert!(titles("we will head out; my head hurts").is_empty());
    }

    #[test]
    fn decision_language() {
        let text = "Maria signs off, she has the final say and owns the budget; then legal review.";
        let cues: Vec<(&str, DecisionCue)> = decision_cues(text)
            .into_iter()
            .map(|(s, c)| (s.of(text), c))
            .collect();
        assert_eq!(
            cues,
            [
                ("signs off", DecisionCue::Decides),
                ("final say", DecisionCue::Decides),
                ("owns the budget", DecisionCue::HoldsBudget),
                ("legal review", DecisionCue::Process)
            ]
        );
    }
}
