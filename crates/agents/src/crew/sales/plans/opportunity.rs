//! The opportunity plan: a mutual action plan from where the deal stands to a signature, its
//! risks, the next steps and the close plan. Built from the deal, its scorecard, the account's
//! political map and intelligence; every item says what it rests on.
//!
//! Due dates spread the steps evenly from the deal's creation to its close date, so they move
//! only when the close date does, and a plan rebuilt on another day is the same plan.

use std::fmt::Write as _;

use domain::id::OpportunityId;
use domain::opportunity::Opportunity;
use domain::stage::Stage;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Item, md};
use crate::crew::sales::briefing::{quote, status};
use crate::crew::sales::intelligence::{AccountIntelligence, CommitmentStatus, Side};
use crate::crew::sales::political_map::PoliticalMap;

/// Who does a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    Buyer,
    Seller,
    Both,
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Done,
    Open,
    Overdue,
}

/// One step of the mutual action plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub key: String,
    pub step: String,
    pub owner: Owner,
    pub due: Date,
    pub status: StepStatus,
    /// The buyer's words that show it done, verbatim.
    pub evidence: Option<String>,
    pub why: String,
}

/// How the deal is forecast, from its stage and what is established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastCategory {
    Pipeline,
    BestCase,
    Commit,
    Closed,
}

/// How the deal gets to a signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClosePlan {
    pub close_date: Date,
    /// Negative once the date has passed.
    pub days_to_close: i64,
    pub forecast_category: ForecastCategory,
    pub steps_remaining: usize,
    pub why: String,
}

/// The plan of one opportunity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpportunityPlan {
    pub opportunity_id: OpportunityId,
    pub name: String,
    pub stage: Stage,
    pub amount: String,
    pub mutual_action_plan: Vec<Step>,
    pub risks: Vec<Item>,
    pub next_steps: Vec<Item>,
    pub close_plan: ClosePlan,
}

/// A step of the plan: key, what, who, the element that shows it done (or the stage past which
/// it is done), and why it matters.
struct StepDef {
    key: &'static str,
    step: &'static str,
    owner: Owner,
    done_by: Done,
    why: &'static str,
}

enum Done {
    Element(&'static str, &'static str),
    PastStage(Stage),
}

const STEPS: &[StepDef] = &[
    StepDef {
        key: "pain",
        step: "Agree the problem and what it costs to leave it",
        owner: Owner::Both,
        done_by: Done::Element("meddicc", "identify_pain"),
        why: "a deal without a concrete pain stalls at the first budget review",
    },
    StepDef {
        key: "metrics",
        step: "Agree how success will be measured",
        owner: Owner::Both,
        done_by: Done::Element("meddicc", "metrics"),
        why: "measurable outcomes are what the economic buyer signs for",
    },
    StepDef {
        key: "budget",
        step: "Confirm the budget and where it comes from",
        owner: Owner::Buyer,
        done_by: Done::Element("bant", "budget"),
        why: "without funded budget the close date is a hope",
    },
    StepDef {
        key: "economic_buyer",
        step: "Meet the economic buyer",
        owner: Owner::Seller,
        done_by: Done::Element("meddicc", "economic_buyer"),
        why: "only the economic buyer can say yes when others can say no",
    },
    StepDef {
        key: "decision_criteria",
        step: "Agree the decision criteria",
        owner: Owner::Buyer,
        done_by: Done::Element("meddicc", "decision_criteria"),
        why: "criteria we shaped are criteria we can meet",
    },
    StepDef {
        key: "decision_process",
        step: "Map the decision steps and dates",
        owner: Owner::Buyer,
        done_by: Done::Element("meddicc", "decision_process"),
        why: "each step of the decision is a date the close plan depends on",
    },
    StepDef {
        key: "validation",
        step: "Technical validation of the solution",
        owner: Owner::Both,
        done_by: Done::PastStage(Stage::Solution),
        why: "the technical team must confirm fit before a proposal is credible",
    },
    StepDef {
        key: "proposal",
        step: "Deliver and review the proposal",
        owner: Owner::Seller,
        done_by: Done::PastStage(Stage::Proposal),
        why: "the proposal turns agreed value into a price",
    },
    StepDef {
        key: "paper_process",
        step: "Legal and procurement review",
        owner: Owner::Buyer,
        done_by: Done::Element("meddicc", "paper_process"),
        why: "paper processes take weeks and are the commonest reason a close date slips",
    },
    StepDef {
        key: "signature",
        step: "Signature, and the close recorded by a human",
        owner: Owner::Both,
        done_by: Done::PastStage(Stage::Negotiation),
        why: "closing is a human decision: the agent never closes a deal",
    },
];

/// The due date of step `index` of `count`, spread evenly from `from` to `to`.
fn due(from: Date, to: Date, index: usize, count: usize) -> Date {
    if to <= from || count == 0 {
        return to;
    }
    let days = from.until(to).map_or(0, |s| s.get_days());
    let offset = i64::from(days) * (index as i64 + 1) / count as i64;
    from.checked_add(jiff::Span::new().days(offset))
        .unwrap_or(to)
}

fn is_done(def: &StepDef, deal: &Opportunity, card: Option<&Value>) -> (bool, Option<String>) {
    match def.done_by {
        Done::Element(framework, element) => {
            let met = status(card, framework, element) == "met";
            (met, met.then(|| quote(card, framework, element)).flatten())
        }
        Done::PastStage(stage) => (
            deal.stage.rank() > stage.rank() && deal.stage != Stage::ClosedLost,
            None,
        ),
    }
}

fn mutual_action_plan(deal: &Opportunity, card: Option<&Value>, today: Date) -> Vec<Step> {
    let start = deal.created_at.to_zoned(jiff::tz::TimeZone::UTC).date();
    STEPS
        .iter()
        .enumerate()
        .map(|(i, def)| {
            let (done, evidence) = is_done(def, deal, card);
            let due = due(start, deal.close_date, i, STEPS.len());
            let status = if done {
                StepStatus::Done
            } else if due < today {
                StepStatus::Overdue
            } else {
                StepStatus::Open
            };
            Step {
                key: def.key.to_owned(),
                step: def.step.to_owned(),
                owner: def.owner,
                due,
                status,
                evidence,
                why: def.why.to_owned(),
            }
        })
        .collect()
}

/// Elements whose denial is a risk, with how to say it.
const DENIALS: &[(&str, &str, &str)] = &[
    ("bant", "budget", "Budget denied"),
    ("bant", "need", "Need denied"),
    ("bant", "timeline", "No timeline"),
    ("bant", "authority", "Authority unclear or denied"),
    ("meddicc", "champion", "No champion"),
    ("meddicc", "economic_buyer", "Economic buyer out of reach"),
];

fn risks(
    deal: &Opportunity,
    card: Option<&Value>,
    map: &PoliticalMap,
    intel: &AccountIntelligence,
    today: Date,
) -> Vec<Item> {
    let mut out = Vec::new();
    for (framework, element, title) in DENIALS {
        if status(card, framework, element) == "not_met" {
            let said = quote(card, framework, element)
                .map(|q| format!("the buyer said \"{q}\""))
                .unwrap_or_else(|| "the conversation denied it".into());
            out.push(Item::new(
                format!("denied:{framework}.{element}"),
                (*title).to_owned(),
                format!("{framework}.{element} is not met: {said}"),
            ));
        }
    }
    for gap in &map.gaps {
        // One gap code may repeat per person: the detail names them.
        out.push(Item::new(
            format!("gap:{}:{}", gap.code, short_key(&gap.detail)),
            gap.detail.clone(),
            "a coverage gap in the buying committee (political map)".into(),
        ));
    }
    if intel.going_dark.dark {
        out.push(Item::new(
            "going_dark".into(),
            "The buyer has gone quiet".into(),
            intel.going_dark.reason.clone(),
        ));
    }
    for objection in intel.objections.iter().filter(|o| o.recurring) {
        out.push(Item::new(
            format!("objection:{}", objection.kind),
            format!("Recurring {} objection", objection.kind),
            format!("raised in {} activities", objection.activities),
        ));
    }
    for competitor in &intel.competitors {
        out.push(Item::new(
            format!("competitor:{}", competitor.name.to_lowercase()),
            format!("{} is in the deal", competitor.name),
            format!(
                "named {} times in the account's conversations",
                competitor.mentions.len()
            ),
        ));
    }
    for c in intel
        .commitments
        .iter()
        .filter(|c| c.status == CommitmentStatus::Overdue)
    {
        let who = if c.side == Side::Seller {
            "we"
        } else {
            "the buyer"
        };
        out.push(Item::new(
            format!("overdue:{}", short_key(&c.said.quote)),
            format!("Overdue commitment: \"{}\"", c.said.quote),
            format!("{who} promised it and it has not been kept"),
        ));
    }
    if deal.stage.is_open() {
        let days = days_between(today, deal.close_date);
        if days < 0 {
            out.push(Item::new(
                "close_date_past".into(),
                format!("The close date {} has passed", deal.close_date),
                "an open deal past its close date needs a new date or a decision".into(),
            ));
        } else if days <= 30 && deal.stage.rank() < Stage::Proposal.rank() {
            out.push(Item::new(
                "close_date_early_stage".into(),
                format!(
                    "The close date {} is less than a month away while still in {}",
                    deal.close_date, deal.stage
                ),
                "the deal has not reached a proposal a month before its close date".into(),
            ));
        }
    }
    out
}

/// A stable key from text: its first words, lower-cased.
pub(crate) fn short_key(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

fn days_between(from: Date, to: Date) -> i64 {
    from.until(to).map_or(0, |s| i64::from(s.get_days()))
}

fn forecast(deal: &Opportunity, card: Option<&Value>) -> (ForecastCategory, String) {
    if !deal.stage.is_open() {
        return (
            ForecastCategory::Closed,
            format!("the deal is {}", deal.stage),
        );
    }
    let met = |f, e| status(card, f, e) == "met";
    if deal.stage == Stage::Negotiation && met("bant", "budget") && met("meddicc", "economic_buyer")
    {
        return (
            ForecastCategory::Commit,
            "in negotiation with budget and economic buyer established".into(),
        );
    }
    if deal.stage.rank() >= Stage::Proposal.rank() {
        return (
            ForecastCategory::BestCase,
            format!(
                "in {} but budget or economic buyer not yet established",
                deal.stage
            ),
        );
    }
    (
        ForecastCategory::Pipeline,
        format!("still in {}", deal.stage),
    )
}

/// Builds the plan of a deal.
pub fn build(
    deal: &Opportunity,
    card: Option<&Value>,
    map: &PoliticalMap,
    intel: &AccountIntelligence,
    now: Timestamp,
) -> OpportunityPlan {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let mutual_action_plan = mutual_action_plan(deal, card, today);
    let mut next_steps: Vec<Item> = mutual_action_plan
        .iter()
        .filter(|s| s.status != StepStatus::Done)
        .take(3)
        .map(|s| {
            Item::new(
                format!("step:{}", s.key),
                format!("{} (by {})", s.step, s.due),
                s.why.clone(),
            )
        })
        .collect();
    for c in intel
        .commitments
        .iter()
        .filter(|c| c.side == Side::Seller && c.status != CommitmentStatus::Kept)
        .take(3)
    {
        next_steps.push(Item::new(
            format!("promise:{}", short_key(&c.said.quote)),
            format!("Keep our word: \"{}\"", c.said.quote),
            "a commitment we made in a conversation and have not yet kept".into(),
        ));
    }
    let (forecast_category, why) = forecast(deal, card);
    let steps_remaining = mutual_action_plan
        .iter()
        .filter(|s| s.status != StepStatus::Done)
        .count();
    OpportunityPlan {
        opportunity_id: deal.id,
        name: deal.name.clone(),
        stage: deal.stage,
        amount: deal.amount.to_string(),
        risks: risks(deal, card, map, intel, today),
        next_steps,
        close_plan: ClosePlan {
            close_date: deal.close_date,
            days_to_close: days_between(today, deal.close_date),
            forecast_category,
            steps_remaining,
            why,
        },
        mutual_action_plan,
    }
}

impl OpportunityPlan {
    /// Every item as `(section, key, text, why)`, for comparing versions.
    pub fn items(&self) -> Vec<(&'static str, String, String, String)> {
        let mut out = Vec::new();
        for s in &self.mutual_action_plan {
            let text = format!("{} — {:?}, due {}", s.step, s.status, s.due).to_lowercase();
            let why = match &s.evidence {
                Some(q) => format!("{}; the buyer said \"{q}\"", s.why),
                None => s.why.clone(),
            };
            out.push(("mutual_action_plan", s.key.clone(), text, why));
        }
        for (section, items) in [("risks", &self.risks), ("next_steps", &self.next_steps)] {
            for item in items {
                out.push((
                    section,
                    item.key.clone(),
                    item.text.clone(),
                    item.why.clone(),
                ));
            }
        }
        let c = &self.close_plan;
        out.push((
            "close_plan",
            "forecast".into(),
            format!("{:?}, close {}", c.forecast_category, c.close_date).to_lowercase(),
            c.why.clone(),
        ));
        out
    }

    /// The plan as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "# Opportunity plan: {}\n\n{} · {} · close {} ({} days) · forecast {:?}\n\n## Mutual action plan\n\n| Step | Owner | Due | Status |\n|---|---|---|---|\n",
            md(&self.name),
            self.stage,
            self.amount,
            self.close_plan.close_date,
            self.close_plan.days_to_close,
            self.close_plan.forecast_category,
        );
        for s in &self.mutual_action_plan {
            let _ = writeln!(
                out,
                "| {} | {:?} | {} | {:?} |",
                md(&s.step),
                s.owner,
                s.due,
                s.status
            );
        }
        for (title, items) in [("Risks", &self.risks), ("Next steps", &self.next_steps)] {
            let _ = writeln!(out, "\n## {title}\n");
            if items.is_empty() {
                out.push_str("- none\n");
            }
            for item in items {
                let _ = writeln!(out, "- {} ({})", md(&item.text), md(&item.why));
            }
        }
        let _ = writeln!(
            out,
            "\n## Close plan\n\n{} steps remain before {}; {}. Closing is a human decision.",
            self.close_plan.steps_remaining,
            self.close_plan.close_date,
            md(&self.close_plan.why)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_spread_from_creation_to_close() {
        let from = jiff::civil::date(2027, 1, 1);
        let to = jiff::civil::date(2027, 1, 11);
        assert_eq!(due(from, to, 0, 10), jiff::civil::date(2027, 1, 2));
        assert_eq!(due(from, to, 9, 10), to);
        assert_eq!(due(to, from, 3, 10), from, "a close date before the start");
    }

    #[test]
    fn keys_are_stable_words() {
        assert_eq!(
            short_key("I'll send the security questionnaire by Friday."),
            "i_ll_send_the_security_questionnaire_by_friday"
        );
    }
}
