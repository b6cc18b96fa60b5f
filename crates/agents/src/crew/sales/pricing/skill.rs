//! [`ProposeDiscount`]: an explicit discount request on a deal as a proposed `offer_discount`
//! action, so that an offer goes through the runtime like any agent action: the guardrails
//! judge the whole package against the discount bands (`crate::runner::discount_band` values it
//! with [`super::package_percent`]), and an approval waits for a human when the bands or the
//! policy say so. Rules only: no model is asked, and the offer proposed is the request.

use async_trait::async_trait;
use domain::action::{Action, ActionKind, DiscountOffer};
use domain::agent::AgentRole;
use domain::id::OpportunityId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OfferRequest;
use crate::skill::StructuredSkill;

/// Most characters of an offer's note (the request's note and the package summary).
const MAX_NOTE_CHARS: usize = 4000;

/// A discount to offer on a deal: the skill's input, and its output as proposed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscountRequest {
    #[schemars(with = "String")]
    pub opportunity_id: OpportunityId,
    pub offer: OfferRequest,
}

/// Proposes a discount a person asked for (`POST /api/v1/opportunities/{id}/discount-offers`)
/// as an `offer_discount` action. It never calls a model.
pub struct ProposeDiscount;

#[async_trait]
impl StructuredSkill for ProposeDiscount {
    type Input = DiscountRequest;
    type Output = DiscountRequest;

    const NAME: &'static str = "propose_discount";
    const ROLE: AgentRole = AgentRole::Sales;
    const DESCRIPTION: &'static str = "Proposes a requested discount (percent, free months, waived fees, credits, extra payment days) on a deal as an offer_discount action; the discount bands judge the whole package.";
    const ALLOWED: &'static [ActionKind] = &[ActionKind::OfferDiscount];
    const USES_MODEL: bool = false;
    const MANUAL: bool = false;

    fn instructions(&self) -> &'static str {
        "Repeat the requested discount exactly as given. Reply in the JSON schema given."
    }

    fn request(&self, input: &Self::Input) -> String {
        let note = input.offer.note.as_deref().unwrap_or_default();
        format!(
            "Discount requested on opportunity {}.\n{}",
            input.opportunity_id,
            crate::prompt::fence("note", note)
        )
    }

    /// The note is the requester's free text: links in it are copied, not composed.
    fn untrusted(&self, input: &Self::Input) -> String {
        input.offer.note.clone().unwrap_or_default()
    }

    fn offline(&self, input: &Self::Input) -> Self::Output {
        let note = (input.offer.note.as_deref().map(str::trim))
            .filter(|n| !n.is_empty())
            .map(|n| super::super::clip(n, MAX_NOTE_CHARS));
        DiscountRequest {
            opportunity_id: input.opportunity_id,
            offer: OfferRequest {
                note,
                ..input.offer.clone()
            },
        }
    }

    /// The offer is the request, whoever answered.
    fn settle(&self, input: &Self::Input, _output: Self::Output) -> Self::Output {
        self.offline(input)
    }

    fn actions(&self, _input: &Self::Input, output: &Self::Output) -> Vec<Action> {
        let offer = &output.offer;
        vec![Action::OfferDiscount(DiscountOffer {
            opportunity_id: output.opportunity_id,
            percent: offer.percent,
            free_months: offer.free_months,
            waived_fees: offer.waived_fees,
            credits: offer.credits,
            extra_payment_days: offer.extra_payment_days,
            note: offer.note.clone(),
        })]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn the_request_becomes_one_offer_and_a_model_cannot_change_it() {
        let input = DiscountRequest {
            opportunity_id: OpportunityId::generate(),
            offer: OfferRequest {
                percent: Decimal::from(5),
                free_months: 3,
                note: Some("  Match the renewal.  ".into()),
                ..OfferRequest::default()
            },
        };
        let answer = ProposeDiscount.offline(&input);
        assert_eq!(answer.offer.note.as_deref(), Some("Match the renewal."));
        let tampered = DiscountRequest {
            offer: OfferRequest {
                percent: Decimal::from(90),
                ..input.offer.clone()
            },
            ..input.clone()
        };
        let settled = ProposeDiscount.settle(&input, tampered);
        assert_eq!(settled, answer);
        let actions = ProposeDiscount.actions(&input, &settled);
        let [Action::OfferDiscount(offer)] = actions.as_slice() else {
            panic!("one offer: {actions:?}")
        };
        assert_eq!(
            (offer.opportunity_id, offer.percent, offer.free_months),
            (input.opportunity_id, Decimal::from(5), 3)
        );
        let unknown = serde_json::json!({"opportunity_id": input.opportunity_id,
            "offer": {"percent": "5", "free_months": 1, "bonus": true}});
        assert!(serde_json::from_value::<DiscountRequest>(unknown).is_err());
    }
}
