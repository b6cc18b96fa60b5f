//! Stage-move proposals from qualification. A deal moves one stage at a time, when the
//! scorecard meets the exit criteria of the stage it is in. The proposal carries the quotes it
//! rests on. It is made only by the activity that first meets the criteria, so later activities
//! do not repeat it. Nothing is proposed past Negotiation: closing stays human, and the
//! guardrails forbid it anyway.

use domain::action::StageMoveDraft;
use domain::id::OpportunityId;
use domain::stage::Stage;
use serde_json::Value;

/// Whether an element of a scorecard (as stored: `{"bant": {"budget": {"status": …}}}`) is at
/// least `partial` (`met` when `established`).
fn reached(card: &Value, framework: &str, element: &str, established: bool) -> bool {
    let status = card[framework][element]["status"]
        .as_str()
        .unwrap_or("unknown");
    match status {
        "met" => true,
        "partial" => !established,
        _ => false,
    }
}

fn denied(card: &Value, framework: &str, element: &str) -> bool {
    card[framework][element]["status"].as_str() == Some("not_met")
}

/// The elements a stage's exit needs: (framework, element, must be met).
fn exit_criteria(stage: Stage) -> &'static [(&'static str, &'static str, bool)] {
    match stage {
        Stage::Prospecting => &[("bant", "need", true)],
        Stage::Qualification => &[
            ("bant", "need", true),
            ("bant", "budget", false),
            ("bant", "authority", false),
        ],
        Stage::Discovery => &[
            ("meddicc", "identify_pain", true),
            ("meddicc", "metrics", false),
            ("meddicc", "decision_criteria", false),
            ("meddicc", "economic_buyer", false),
        ],
        Stage::Solution => &[
            ("bant", "budget", true),
            ("bant", "authority", true),
            ("bant", "timeline", true),
            ("meddicc", "decision_process", false),
        ],
        Stage::Proposal => &[
            ("meddicc", "economic_buyer", true),
            ("meddicc", "paper_process", false),
            ("bant", "budget", true),
        ],
        Stage::Negotiation | Stage::ClosedWon | Stage::ClosedLost => &[],
    }
}

/// The stage after `stage` on the open path, never a closed one.
fn next(stage: Stage) -> Option<Stage> {
    match stage {
        Stage::Prospecting => Some(Stage::Qualification),
        Stage::Qualification => Some(Stage::Discovery),
        Stage::Discovery => Some(Stage::Solution),
        Stage::Solution => Some(Stage::Proposal),
        Stage::Proposal => Some(Stage::Negotiation),
        Stage::Negotiation | Stage::ClosedWon | Stage::ClosedLost => None,
    }
}

/// Whether the scorecard meets the exit criteria of `stage` (and nothing is denied outright).
fn meets(stage: Stage, card: &Value) -> bool {
    let criteria = exit_criteria(stage);
    !criteria.is_empty()
        && !denied(card, "bant", "budget")
        && !denied(card, "bant", "need")
        && criteria.iter().all(|(framework, element, established)| {
            reached(card, framework, element, *established)
        })
}

/// The move to propose now: the deal is in `stage`, the scorecard was `before` and is `after`
/// this activity. Only the activity that first meets the criteria proposes it.
pub fn propose(
    opportunity: OpportunityId,
    stage: Stage,
    before: Option<&Value>,
    after: &Value,
) -> Option<StageMoveDraft> {
    let target = next(stage)?;
    if !meets(stage, after) || before.is_some_and(|b| meets(stage, b)) {
        return None;
    }
    let evidence: Vec<String> = exit_criteria(stage)
        .iter()
        .map(|(framework, element, _)| {
            let entry = &after[framework][element];
            let status = entry["status"].as_str().unwrap_or("unknown");
            match entry["evidence"][0]["quote"].as_str() {
                Some(quote) => {
                    let short: String = quote.chars().take(160).collect();
                    format!("{framework}.{element} {status} (\"{short}\")")
                }
                None => format!("{framework}.{element} {status}"),
            }
        })
        .collect();
    Some(StageMoveDraft {
        opportunity_id: opportunity,
        stage: target,
        reason: Some(format!(
            "exit criteria of {} met: {}",
            stage.as_str(),
            evidence.join("; ")
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn card(budget: &str, authority: &str, need: &str, timeline: &str, process: &str) -> Value {
        json!({
            "bant": {
                "budget": {"status": budget, "evidence": [{"quote": "We approved 200k."}]},
                "authority": {"status": authority, "evidence": []},
                "need": {"status": need, "evidence": []},
                "timeline": {"status": timeline, "evidence": []},
            },
            "meddicc": {"decision_process": {"status": process, "evidence": []}},
        })
    }

    #[test]
    fn proposes_the_next_stage_once_with_its_evidence() {
        let opp = OpportunityId::generate();
        let before = card("partial", "met", "met", "partial", "unknown");
        let after = card("met", "met", "met", "met", "partial");
        let moved = propose(opp, Stage::Solution, Some(&before), &after).unwrap();
        assert_eq!(moved.stage, Stage::Proposal);
        assert!(moved.reason.unwrap().contains("We approved 200k."));
        // Already met before this activity: no repeat.
        assert!(propose(opp, Stage::Solution, Some(&after), &after).is_none());
        // First activity of a deal may propose.
        assert!(propose(opp, Stage::Solution, None, &after).is_some());
    }

    #[test]
    fn never_past_negotiation_and_not_with_a_denied_budget() {
        let opp = OpportunityId::generate();
        let all = card("met", "met", "met", "met", "met");
        assert!(propose(opp, Stage::Negotiation, None, &all).is_none());
        assert!(propose(opp, Stage::ClosedWon, None, &all).is_none());
        let no_money = card("not_met", "met", "met", "met", "met");
        assert!(propose(opp, Stage::Prospecting, None, &no_money).is_none());
        let early = card("unknown", "unknown", "met", "unknown", "unknown");
        assert_eq!(
            propose(opp, Stage::Prospecting, None, &early).map(|m| m.stage),
            Some(Stage::Qualification)
        );
        assert!(propose(opp, Stage::Qualification, None, &early).is_none());
    }
}
