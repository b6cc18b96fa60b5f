//! Chris Voss calibrated questions ("how" and "what", never "why") and a label for the deal's
//! most pressing situation. Slots are filled from the deal; a competitor's name goes in last,
//! so its text is never taken for a slot. Pure.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::{Signals, status};

/// Most questions the guidance asks.
const MAX_QUESTIONS: usize = 6;

/// A situation of the deal; it chooses the questions and the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Situation {
    PriceObjection,
    BudgetGap,
    Competitor,
    Timeline,
    PaperProcess,
    EconomicBuyer,
    DecisionProcess,
    /// Always present: open questions that keep the buyer talking.
    Open,
}

/// A calibrated question and the situation that chose it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibratedQuestion {
    pub question: String,
    pub because: Situation,
}

/// Calibrated questions for a situation; `{rival}`, `{close}`, `{budget}` and `{value}` are
/// filled from the deal.
fn templates(situation: Situation) -> &'static [&'static str] {
    match situation {
        Situation::PriceObjection => &[
            "How am I supposed to lower the price without taking out something you asked for?",
            "What about the price concerns you most: the total, the payment timing or the comparison?",
        ],
        Situation::BudgetGap => &[
            "How does the gap between the {budget} set aside and the {value} proposal affect you?",
            "What would it take to fund the rest of the scope?",
        ],
        Situation::Competitor => &[
            "What about the offer from {rival} is most important to you?",
            "How does choosing {rival} affect the result you told us you need?",
        ],
        Situation::Timeline => &[
            "What happens on your side if this is not in place by {close}?",
            "How does the approval path fit before {close}?",
        ],
        Situation::PaperProcess => {
            &["How does a purchase like this usually get through procurement and legal?"]
        }
        Situation::EconomicBuyer => &["How does this affect the person who owns the budget?"],
        Situation::DecisionProcess => {
            &["How will the decision be made, and who else needs to be comfortable with it?"]
        }
        Situation::Open => &[
            "What about this is important to you?",
            "How does this affect the rest of your team?",
            "What is the biggest challenge you face in getting this approved?",
        ],
    }
}

/// The questions of the situations in order, at most [`MAX_QUESTIONS`].
pub(super) fn questions(
    s: &Signals,
    value: Decimal,
    currency: &str,
    close: &str,
) -> Vec<CalibratedQuestion> {
    let rival = (s.competitors_named.first()).map_or("the alternative you are weighing", |r| r);
    let budget = format!("{currency} {}", s.budget_figure.unwrap_or_default());
    let value = format!("{currency} {value}");
    let mut out = Vec::new();
    for &because in &s.situations {
        for template in templates(because) {
            // The competitor's name goes in last, so its text is never taken for a slot.
            let question = (template
                .replace("{close}", close)
                .replace("{budget}", &budget))
            .replace("{value}", &value)
            .replace("{rival}", rival);
            out.push(CalibratedQuestion { question, because });
        }
    }
    out.truncate(MAX_QUESTIONS);
    out
}

/// A label ("It seems like …") for the most pressing situation.
pub(super) fn label(s: &Signals, card: Option<&Value>, close: &str) -> String {
    match (s.situations.first(), s.competitors_named.first()) {
        (Some(Situation::PriceObjection), _)
            if status(card, "voss", "accusation_audit") != "met" =>
        {
            "You probably feel we will hold firm on price whatever you say.".into()
        }
        (Some(Situation::PriceObjection), _) => {
            "It seems like the price feels out of line with what you expect to get.".into()
        }
        (Some(Situation::BudgetGap), _) => {
            "It seems like the budget was set before the full scope was clear.".into()
        }
        (Some(Situation::Competitor), Some(rival)) => {
            format!("It sounds like {rival} has given you something to compare.")
        }
        (Some(Situation::Competitor), None) => "It sounds like you have other options.".into(),
        (Some(Situation::Timeline), _) => format!("It sounds like {close} really matters to you."),
        _ => "It seems like getting this right matters more to you than getting it fast.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(situations: &[Situation], rivals: &[&str]) -> Signals {
        Signals {
            competitors_named: rivals.iter().map(|r| (*r).to_owned()).collect(),
            competition: "unknown".into(),
            budget: "unknown".into(),
            decision_process: "unknown".into(),
            paper_process: "unknown".into(),
            budget_figure: None,
            champion_met: false,
            economic_buyer_met: false,
            price_objection: None,
            days_to_close: 90,
            situations: situations.to_vec(),
        }
    }

    #[test]
    fn a_competitor_named_like_a_slot_stays_text_and_questions_are_capped() {
        let s = signals(
            &[Situation::Competitor, Situation::Timeline, Situation::Open],
            &["{close} Corp"],
        );
        let asked = questions(&s, Decimal::from(1000), "EUR", "2027-06-30");
        assert_eq!(asked.len(), MAX_QUESTIONS);
        assert_eq!(
            asked[0].question,
            "What about the offer from {close} Corp is most important to you?"
        );
        assert_eq!(asked[2].because, Situation::Timeline);
        assert!(
            asked
                .iter()
                .all(|q| !q.question.to_lowercase().contains("why"))
        );
        let price = signals(&[Situation::PriceObjection, Situation::Open], &[]);
        let audited = serde_json::json!({"voss": {"accusation_audit": {"status": "met"}}});
        assert!(label(&price, None, "soon").starts_with("You probably feel"));
        assert!(label(&price, Some(&audited), "soon").starts_with("It seems like the price"));
    }
}
