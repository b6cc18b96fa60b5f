//! Offers: what non-price gives are worth as a percent of the deal value ([`Equivalence`]), and
//! an explicit offer request turned into the `offer_discount` action to propose
//! ([`propose_offer`]), with every part counted toward the discount bands. The runtime values a
//! proposed action the same way ([`package_percent`]) before the guardrails read the bands.
//! Pure.

use domain::action::{Action, DiscountOffer};
use domain::catalog::{Approver, BandVerdict, DiscountBand};
use domain::opportunity::Opportunity;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Level;
use super::markdown::verdict_text;
use super::plan::level;

/// Most characters of a request's note.
const MAX_NOTE_CHARS: usize = 2000;

/// How non-price gives become a percentage of the deal value for the band check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Equivalence {
    /// Months the deal value pays for: a free month is worth `100 / term_months` percent.
    pub term_months: u32,
    /// Annual cost of money in percent: a day of extra payment terms is worth
    /// `annual_cost_of_money_percent / 365` percent of the deal value.
    pub annual_cost_of_money_percent: Decimal,
}

impl Default for Equivalence {
    /// A 12-month term and money at 8 % a year.
    fn default() -> Self {
        let annual_cost_of_money_percent = Decimal::from(8);
        Self {
            term_months: 12,
            annual_cost_of_money_percent,
        }
    }
}

impl Equivalence {
    /// Percent of the deal value that `months` free months give away.
    pub fn free_months_percent(&self, months: u32) -> Decimal {
        let months = Decimal::from(months).saturating_mul(Decimal::ONE_HUNDRED);
        months / Decimal::from(self.term_months.max(1))
    }

    /// Percent of the deal value that `days` of later payment cost.
    pub fn payment_days_percent(&self, days: u32) -> Decimal {
        Decimal::from(days).saturating_mul(self.annual_cost_of_money_percent) / Decimal::from(365)
    }
}

/// A discount someone asks to offer: everything given away together. Fees and credits are in
/// the deal's currency; payment days are beyond the standard 30.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OfferRequest {
    /// Percent off, 0 to 100.
    #[schemars(with = "String")]
    pub percent: Decimal,
    pub free_months: u32,
    /// Fees waived, in the deal's currency.
    #[schemars(with = "String")]
    pub waived_fees: Decimal,
    /// Credits granted, in the deal's currency.
    #[schemars(with = "String")]
    pub credits: Decimal,
    /// Payment days beyond the standard 30.
    pub extra_payment_days: u32,
    pub note: Option<String>,
}

/// Why an offer request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferError {
    /// A part of the request is out of range.
    #[error("{field}: {detail}")]
    Invalid { field: &'static str, detail: String },
}

/// The action to propose for an offer and what the bands say of it: `effective` is every part
/// as one percent of the deal value ([`Equivalence`], two decimals) with the net amount, the
/// verdict and the reasons; `bands_need_approval` when the approver is not `none` or the
/// package is past every band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferProposal {
    /// Always `Action::OfferDiscount`; it still goes through the guardrails.
    pub action: Action,
    pub effective: Level,
    pub bands_need_approval: bool,
}

/// The parts of a package, before they are valued.
struct Package {
    percent: Decimal,
    free_months: u32,
    waived_fees: Decimal,
    credits: Decimal,
    extra_payment_days: u32,
}

impl Package {
    /// Each part given as a percent of `value` with what it is, the percent off first. Fees
    /// and credits on a deal without value weigh `Decimal::MAX` (more than any band); nothing
    /// overflows.
    fn valued(&self, value: Decimal, eq: &Equivalence) -> Vec<(Decimal, String)> {
        let mut parts = vec![(self.percent, "off".to_owned())];
        for (field, amount) in [("waived_fees", self.waived_fees), ("credits", self.credits)] {
            if amount.is_zero() {
                continue;
            }
            let share = match value > Decimal::ZERO {
                true => amount
                    .saturating_mul(Decimal::ONE_HUNDRED)
                    .checked_div(value)
                    .unwrap_or(Decimal::MAX),
                false => Decimal::MAX,
            };
            parts.push((share, format!("{amount} {field}")));
        }
        if self.free_months > 0 {
            let what = format!("{} free months of {}", self.free_months, eq.term_months);
            parts.push((eq.free_months_percent(self.free_months), what));
        }
        if self.extra_payment_days > 0 {
            let what = format!("{} extra payment days", self.extra_payment_days);
            parts.push((eq.payment_days_percent(self.extra_payment_days), what));
        }
        parts
    }
}

/// The sum of valued parts, saturating, to two decimals.
fn total(parts: &[(Decimal, String)]) -> Decimal {
    (parts
        .iter()
        .fold(Decimal::ZERO, |sum, (p, _)| sum.saturating_add(*p)))
    .round_dp(2)
}

/// Everything an `offer_discount` action gives away as one percent of `deal_value`: percent
/// off, free months and extra payment days by `eq`, fees and credits as their share of the
/// value. This, not the percent alone, is what the discount bands judge. Negative parts count
/// as nothing (they never make a package look smaller); fees or credits on a deal without value
/// count as more than any band.
pub fn package_percent(offer: &DiscountOffer, deal_value: Decimal, eq: &Equivalence) -> Decimal {
    let package = Package {
        percent: offer.percent.max(Decimal::ZERO),
        free_months: offer.free_months,
        waived_fees: offer.waived_fees.max(Decimal::ZERO),
        credits: offer.credits.max(Decimal::ZERO),
        extra_payment_days: offer.extra_payment_days,
    };
    total(&package.valued(deal_value, eq))
}

/// Turns an explicit request into the `offer_discount` action to propose, counting every part
/// toward the bands. Refuses negative parts, amounts on a deal without value, packages worth
/// more than the deal, and notes over 2,000 characters.
pub fn propose_offer(
    deal: &Opportunity,
    bands: &[DiscountBand],
    request: &OfferRequest,
    eq: &Equivalence,
) -> Result<OfferProposal, OfferError> {
    let invalid = |field, detail: &str| OfferError::Invalid {
        field,
        detail: detail.into(),
    };
    if !deal.stage.is_open() {
        return Err(invalid(
            "opportunity",
            "the deal is closed: a discount is offered on an open deal",
        ));
    }
    if request.percent.is_sign_negative() || request.percent > Decimal::ONE_HUNDRED {
        return Err(invalid("percent", "a discount is 0 to 100 percent"));
    }
    if (request.note.as_deref()).is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(invalid("note", "at most 2000 characters"));
    }
    let value = deal.amount.amount();
    for (field, amount) in [
        ("waived_fees", request.waived_fees),
        ("credits", request.credits),
    ] {
        if amount.is_sign_negative() {
            return Err(invalid(field, "cannot be negative"));
        }
        if !amount.is_zero() && value <= Decimal::ZERO {
            return Err(invalid(field, "the deal has no value to weigh it against"));
        }
    }
    let package = Package {
        percent: request.percent,
        free_months: request.free_months,
        waived_fees: request.waived_fees,
        credits: request.credits,
        extra_payment_days: request.extra_payment_days,
    };
    let parts = package.valued(value, eq);
    let percent = total(&parts);
    if percent > Decimal::ONE_HUNDRED {
        return Err(invalid(
            "percent",
            "the package gives away more than the deal is worth",
        ));
    }
    let sum: Vec<String> = parts
        .iter()
        .map(|(p, what)| format!("{}% {what}", p.round_dp(2)))
        .collect();
    let mut effective = level(deal, bands, percent, Vec::new());
    let bands_need_approval = !matches!(
        effective.verdict,
        None | Some(BandVerdict::Band {
            approval: Approver::None,
            ..
        })
    );
    effective.reasons = vec![
        format!("Worth {percent}% of {}: {}", deal.amount, sum.join(" + ")),
        format!("Bands: {}", verdict_text(effective.verdict)),
    ];
    if parts.len() > 1 {
        let why = "Free months, fees, credits and longer terms also wait for a human under the guardrail policy";
        effective.reasons.push(why.into());
    }
    let summary = format!(
        "Effective {percent}% of {}, counted on the whole package",
        deal.amount
    );
    let note = match request.note.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => format!("{n}\n{summary}"),
        _ => summary,
    };
    let action = Action::OfferDiscount(DiscountOffer {
        opportunity_id: deal.id,
        percent: request.percent,
        free_months: request.free_months,
        waived_fees: request.waived_fees,
        credits: request.credits,
        extra_payment_days: request.extra_payment_days,
        note: Some(note),
    });
    Ok(OfferProposal {
        action,
        effective,
        bands_need_approval,
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{bands, deal};
    use super::*;
    use domain::id::ProductId;

    #[test]
    fn offers_count_every_give_toward_the_bands() {
        let deal = deal(&[ProductId::generate()], Some("EMEA"));
        let eq = Equivalence::default();
        let ask = |percent: i64, months: u32, credits: i64| OfferRequest {
            percent: Decimal::from(percent),
            free_months: months,
            credits: Decimal::from(credits),
            ..OfferRequest::default()
        };
        let small = propose_offer(&deal, &bands(), &ask(5, 0, 0), &eq).unwrap();
        assert!(!small.bands_need_approval);
        let month = propose_offer(&deal, &bands(), &ask(8, 1, 0), &eq).unwrap();
        assert_eq!(month.effective.percent, Decimal::new(1633, 2));
        assert!(
            month.bands_need_approval,
            "8% alone is free, with a month it is not"
        );
        let Action::OfferDiscount(offer) = &month.action else {
            panic!("{:?}", month.action)
        };
        assert_eq!(
            (offer.percent, offer.free_months, offer.opportunity_id),
            (Decimal::from(8), 1, deal.id)
        );
        let credits = propose_offer(&deal, &bands(), &ask(20, 0, 15_000), &eq).unwrap();
        assert_eq!(
            credits.effective.verdict,
            Some(BandVerdict::Beyond {
                max_percent: Decimal::from(30)
            })
        );
        assert!(propose_offer(&deal, &bands(), &ask(5, 0, -1), &eq).is_err());
        assert!(propose_offer(&deal, &bands(), &ask(101, 0, 0), &eq).is_err());
        assert!(
            propose_offer(&deal, &bands(), &ask(50, 12, 0), &eq).is_err(),
            "over 100%"
        );
        let huge = OfferRequest {
            credits: Decimal::MAX,
            free_months: u32::MAX,
            ..OfferRequest::default()
        };
        assert!(
            propose_offer(&deal, &bands(), &huge, &eq).is_err(),
            "refused, no overflow"
        );
    }

    fn offer(percent: i64, months: u32, fees: i64, credits: i64, days: u32) -> DiscountOffer {
        DiscountOffer {
            opportunity_id: domain::id::OpportunityId::generate(),
            percent: Decimal::from(percent),
            free_months: months,
            waived_fees: Decimal::from(fees),
            credits: Decimal::from(credits),
            extra_payment_days: days,
            note: None,
        }
    }

    #[test]
    fn a_closed_deal_takes_no_offer() {
        let mut deal = deal(&[ProductId::generate()], Some("EMEA"));
        deal.stage = domain::stage::Stage::ClosedWon;
        let request = OfferRequest {
            percent: Decimal::from(5),
            ..OfferRequest::default()
        };
        let refused = propose_offer(&deal, &bands(), &request, &Equivalence::default());
        assert!(
            matches!(
                refused,
                Err(OfferError::Invalid {
                    field: "opportunity",
                    ..
                })
            ),
            "{refused:?}"
        );
    }

    #[test]
    fn a_package_is_valued_as_one_percent_of_the_deal() {
        let (eq, value) = (Equivalence::default(), Decimal::from(100_000));
        let of = |o: &DiscountOffer| package_percent(o, value, &eq);
        assert_eq!(of(&offer(5, 0, 0, 0, 0)), Decimal::from(5));
        // 5 % and three free months of twelve: 5 + 25.
        assert_eq!(of(&offer(5, 3, 0, 0, 0)), Decimal::from(30));
        // 2,000 of fees and 3,000 of credits are 5 %; 365 extra days at 8 % a year are 8 %.
        assert_eq!(of(&offer(0, 0, 2_000, 3_000, 365)), Decimal::from(13));
        // Negative parts never make a package look smaller.
        assert_eq!(of(&offer(10, 0, -50_000, -1, 0)), Decimal::from(10));
        // The same valuation as an explicit request.
        let deal = deal(&[ProductId::generate()], Some("EMEA"));
        let request = OfferRequest {
            percent: Decimal::from(8),
            free_months: 1,
            extra_payment_days: 30,
            ..OfferRequest::default()
        };
        let proposal = propose_offer(&deal, &bands(), &request, &eq).unwrap();
        let Action::OfferDiscount(proposed) = &proposal.action else {
            panic!("{:?}", proposal.action)
        };
        assert_eq!(of(proposed), proposal.effective.percent);
        // Fees or credits on a deal without value weigh more than any band; nothing overflows.
        let nothing = package_percent(&offer(1, 0, 1, 0, 0), Decimal::ZERO, &eq);
        assert!(nothing > Decimal::ONE_HUNDRED);
        let huge = DiscountOffer {
            credits: Decimal::MAX,
            free_months: u32::MAX,
            extra_payment_days: u32::MAX,
            ..offer(100, 0, 0, 0, 0)
        };
        assert!(package_percent(&huge, value, &eq) > Decimal::ONE_HUNDRED);
    }
}
