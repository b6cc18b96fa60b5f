//! The negotiation plan of the guidance: the band ladder (per approver, the highest discount
//! the deal's strictest product allows), the opening discount inside the band that needs no
//! approval, and cumulative concessions with what to ask in return. Pure.

use domain::catalog::{Approver, BandVerdict, DiscountBand, band_verdict};
use domain::opportunity::Opportunity;
use domain::stage::Stage;
use jiff::ToSpan;
use rust_decimal::Decimal;

use super::{Concession, Equivalence, Level, PricingInput, Signals, has_competition};

/// Extra payment days the first concession gives (net 60 instead of net 30).
const TERMS_GIVE_DAYS: u32 = 30;

/// The deal at `percent` off, with the bands' verdict.
pub(super) fn level(
    deal: &Opportunity,
    bands: &[DiscountBand],
    percent: Decimal,
    why: Vec<String>,
) -> Level {
    let value = deal.amount.amount();
    let net_amount = value - value * percent / Decimal::ONE_HUNDRED;
    Level {
        percent,
        net_amount: net_amount.round_dp(deal.amount.currency().minor_units()),
        verdict: band_verdict(bands, &deal.product_ids, deal.region.as_ref(), percent),
        reasons: why,
    }
}

/// Per approver, the highest percent the deal's strictest product allows with it. Verdicts
/// change only at band ceilings, so the ceilings are the points to test.
pub(super) fn ladder(bands: &[DiscountBand], deal: &Opportunity) -> Vec<(Approver, Decimal)> {
    let mut ceilings: Vec<Decimal> = bands.iter().map(|b| b.up_to_percent).collect();
    ceilings.sort();
    ceilings.dedup();
    let mut out: Vec<(Approver, Decimal)> = Vec::new();
    for ceiling in ceilings {
        let verdict = band_verdict(bands, &deal.product_ids, deal.region.as_ref(), ceiling);
        let Some(BandVerdict::Band { approval, .. }) = verdict else {
            break;
        };
        match out.last_mut() {
            Some(last) if last.0 == approval => last.1 = ceiling,
            _ => out.push((approval, ceiling)),
        }
    }
    out
}

/// The opening percent, at most three quarters of the free band `free` (to the half percent,
/// rounded down), and why.
pub(super) fn opening(
    s: &Signals,
    free: Decimal,
    value: Decimal,
    stage: Stage,
) -> (Decimal, Vec<String>) {
    if free.is_zero() {
        let why = "No band allows a discount without approval here: open at list price";
        return (Decimal::ZERO, vec![why.into()]);
    }
    let quarter = free / Decimal::from(4);
    let mut percent = free / Decimal::TWO;
    let mut why = vec![format!(
        "Start at half of the {free}% that needs no approval"
    )];
    if has_competition(s) {
        percent += quarter;
        let named = s.competitors_named.join(", ");
        why.push(match named.is_empty() {
            true => "More room: the scorecard shows competition".into(),
            false => format!("More room: the buyer named {named}"),
        });
    } else if s.champion_met && s.economic_buyer_met {
        percent -= quarter;
        why.push("Less room: champion and economic buyer met, no competitor in play".into());
    }
    if let Some(figure) = s.budget_figure.filter(|f| *f < value) {
        let gap = ((value - figure) * Decimal::ONE_HUNDRED / value).round_dp(1);
        percent += quarter.min(gap);
        why.push(format!(
            "More room: the budget quoted ({figure}) is {gap}% below the deal value"
        ));
    }
    if s.budget == "not_met" {
        why.push("The budget is denied: a discount will not create one".into());
    }
    if s.price_objection.is_some() {
        why.push("The buyer objected to price: restate the value before naming a number".into());
    }
    if matches!(
        stage,
        Stage::Prospecting | Stage::Qualification | Stage::Discovery
    ) {
        why.push(format!(
            "The deal is in {}: hold price talk until the proposal",
            stage.as_str()
        ));
    }
    if percent > free - quarter {
        percent = free - quarter;
        why.push("Capped to keep a quarter of that band for concessions".into());
    }
    let percent = (percent.max(Decimal::ZERO) * Decimal::TWO).floor() / Decimal::TWO;
    (percent.normalize(), why)
}

/// What to ask in return, by how senior the approval of the package is.
fn ask(verdict: Option<BandVerdict>, sign_by: jiff::civil::Date) -> String {
    let rank = match verdict {
        Some(BandVerdict::Band { approval, .. }) => approval.rank(),
        Some(BandVerdict::Beyond { .. }) => Approver::DealDesk.rank(),
        None => 0,
    };
    match rank {
        0 => format!("signature by {sign_by}"),
        1 => format!("a two-year term or a public case study, and signature by {sign_by}"),
        2 => "a three-year term or a volume commitment, and a reference call".into(),
        _ => format!("a multi-year term paid annually in advance and signature by {sign_by}"),
    }
}

/// Cumulative packages: payment terms first, a free month when it still needs no approval and
/// the deal is a subscription, then percent up to each band ceiling with the terms kept.
pub(super) fn concessions(
    input: &PricingInput<'_>,
    eq: &Equivalence,
    opening: Decimal,
    ladder: &[(Approver, Decimal)],
    recurring: bool,
) -> Vec<Concession> {
    let deal = input.opportunity;
    let today = input.now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let sign_by = match deal.close_date >= today {
        true => deal.close_date,
        false => today.checked_add(14.days()).unwrap_or(today),
    };
    let step = |give: String, percent: Decimal, months: u32, days: u32| {
        let extras = eq.free_months_percent(months) + eq.payment_days_percent(days);
        let level = level(
            deal,
            input.bands,
            (percent + extras).round_dp(2),
            Vec::new(),
        );
        let ask_in_return = ask(level.verdict, sign_by);
        Concession {
            give,
            percent,
            free_months: months,
            extra_payment_days: days,
            level,
            ask_in_return,
        }
    };
    let days = TERMS_GIVE_DAYS;
    let terms = format!(
        "Net {} payment terms instead of net 30, price held",
        30 + days
    );
    let mut out = vec![step(terms, opening, 0, days)];
    let free = match ladder.first() {
        Some((Approver::None, up_to)) => *up_to,
        _ => Decimal::ZERO,
    };
    let mut months = 0;
    if recurring && opening + eq.free_months_percent(1) + eq.payment_days_percent(days) <= free {
        months = 1;
        out.push(step("One free month on top".into(), opening, 1, days));
    }
    let extras = eq.free_months_percent(months) + eq.payment_days_percent(days);
    for (approval, up_to) in ladder {
        let percent = ((*up_to - extras) * Decimal::ONE_HUNDRED).floor() / Decimal::ONE_HUNDRED;
        if percent > opening {
            let who = approval.as_str().replace('_', " ");
            let give = format!("More off, the terms kept: up to the {up_to}% band ({who})");
            out.push(step(give, percent.normalize(), months, days));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{approvals, band, bands, deal, guidance};
    use super::*;
    use domain::id::ProductId;

    #[test]
    fn manager_and_director_bands_shape_the_plan_and_the_walk_away() {
        let p = ProductId::generate();
        let g = guidance(&deal(&[p], Some("EMEA")), &bands(), None, &[]);
        assert_eq!(g.opening.percent, Decimal::from(5), "{:?}", g.opening);
        assert_eq!(g.opening.net_amount, Decimal::new(9_500_000, 2));
        let plan: Vec<Decimal> = g.concessions.iter().map(|c| c.level.percent).collect();
        assert_eq!(
            plan,
            [
                Decimal::new(566, 2),
                Decimal::from(10),
                Decimal::from(20),
                Decimal::from(30)
            ]
        );
        let who = approvals(g.concessions.iter().map(|c| c.level.verdict));
        let (none, manager, director) = (Approver::None, Approver::Manager, Approver::Director);
        assert_eq!(who, [Some(none), Some(none), Some(manager), Some(director)]);
        assert!(
            g.concessions[0].give.contains("payment terms"),
            "non-price first"
        );
        assert!(g.concessions[3].ask_in_return.contains("three-year"));
        let walk = g.walk_away.as_ref().unwrap();
        assert_eq!(
            (walk.percent, walk.net_amount),
            (Decimal::from(30), Decimal::new(7_000_000, 2))
        );
        // A product's own bands are stricter: they decide for a deal with it.
        let q = ProductId::generate();
        let mut strict = bands();
        strict.push(band(Some(q), 5, Approver::None));
        strict.push(band(Some(q), 15, Approver::Director));
        let g = guidance(&deal(&[p, q], Some("EMEA")), &strict, None, &[]);
        let steps: Vec<_> = g.bands.iter().map(|l| l.percent).collect();
        assert_eq!(steps, [Decimal::from(5), Decimal::from(15)]);
        assert_eq!(
            approvals(g.bands.iter().map(|l| l.verdict)),
            [Some(none), Some(director)]
        );
        assert_eq!(g.opening.percent, Decimal::new(25, 1));
        // Without a band that needs no approval, open at list price.
        let g = guidance(&deal(&[p], Some("EMEA")), &bands()[1..], None, &[]);
        assert_eq!(g.opening.percent, Decimal::ZERO);
        assert_eq!(
            approvals(g.concessions.iter().take(1).map(|c| c.level.verdict)),
            [Some(manager)]
        );
    }
}
