//! Pricing negotiation guidance for one opportunity, from the tenant's catalog (price book and
//! discount bands), the deal, its latest qualification scorecard and what the buyer said in its
//! activities: list prices, an opening discount, a concession plan with what to ask in return,
//! a walk-away point, and Chris Voss calibrated questions and a label.
//!
//! Guidance that names a number is not an offer (DESIGN.md, discount bands): [`build`] proposes
//! no action. An offer is a separate, explicit request through [`propose_offer`], which counts
//! everything given away together (percent, free months, waived fees, credits, payment terms)
//! toward the bands; [`ProposeDiscount`] turns such a request into an `offer_discount` action
//! that goes through the guardrails. Pure except [`pricing_guidance`], which loads through
//! `store::Store`; no driver, HTTP or model call.
//!
//! - this file: what the guidance reads (signals, price-book lines) and [`build`];
//! - `plan`: the opening, the concession plan and the band ladder;
//! - `questions`: calibrated questions and the label;
//! - `offer`: the value of non-price gives ([`Equivalence`]) and offers ([`propose_offer`]);
//! - `skill`: the [`ProposeDiscount`] skill;
//! - `markdown`: the guidance as Markdown.

mod markdown;
mod offer;
mod plan;
mod questions;
mod skill;

#[cfg(test)]
mod fixtures;

use domain::catalog::{Approver, BandVerdict, DiscountBand, PriceEntry, PriceUnit};
use domain::id::{OpportunityId, ProductId};
use domain::opportunity::Opportunity;
use domain::region::RegionCode;
use domain::stage::Stage;
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::intelligence::{CompetitorMentions, Mention};

pub use offer::{
    Equivalence, OfferError, OfferProposal, OfferRequest, package_percent, propose_offer,
};
pub use questions::{CalibratedQuestion, Situation};
pub use skill::{DiscountRequest, ProposeDiscount};

/// Days to the close date within which the timeline is part of the negotiation.
const NEAR_CLOSE_DAYS: i64 = 45;

/// One of the deal's products: its price-book lines (SKU, name, unit list price, unit) in the
/// deal's region and currency, or why it has none. Nothing is converted or invented.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductPrice {
    pub product_id: ProductId,
    pub lines: Vec<(String, String, Decimal, PriceUnit)>,
    pub unpriced_reason: Option<String>,
}

/// The deal at a discount: net amount (deal's currency), the bands' verdict (`None` when no
/// band applies) and why this level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Level {
    pub percent: Decimal,
    pub net_amount: Decimal,
    pub verdict: Option<BandVerdict>,
    pub reasons: Vec<String>,
}

/// A step of the concession plan: the whole package on the table then, as one effective
/// percent of the deal value in `level` ([`Equivalence`]), and what to get for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concession {
    pub give: String,
    pub percent: Decimal,
    pub free_months: u32,
    pub extra_payment_days: u32,
    pub level: Level,
    pub ask_in_return: String,
}

/// What the guidance read. Statuses are the scorecard's (`met`, `partial`, `not_met`,
/// `unknown`); the budget figure is the largest amount in the budget evidence in the deal's
/// currency (or none named); the price objection is the buyer's latest, verbatim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signals {
    pub competitors_named: Vec<String>,
    pub competition: String,
    pub budget: String,
    pub decision_process: String,
    pub paper_process: String,
    pub budget_figure: Option<Decimal>,
    pub champion_met: bool,
    pub economic_buyer_met: bool,
    pub price_objection: Option<String>,
    pub days_to_close: i64,
    /// Most pressing first; always ends with `open`.
    pub situations: Vec<Situation>,
}

/// Pricing guidance for one deal. It names numbers and is never an offer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PricingGuidance {
    pub opportunity_id: OpportunityId,
    pub generated_at: Timestamp,
    pub stage: Stage,
    pub region: Option<RegionCode>,
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// The opportunity's amount, the base of every percent and net amount (opportunities carry
    /// no quantities, so the price book gives unit list prices).
    pub deal_value: Decimal,
    pub products: Vec<ProductPrice>,
    /// Per approver, the highest discount the deal's strictest product allows with it.
    pub bands: Vec<Level>,
    /// Inside the band that needs no approval (zero when there is none).
    pub opening: Level,
    pub concessions: Vec<Concession>,
    /// The highest band ceiling: past it only a human exception (`Beyond`).
    pub walk_away: Option<Level>,
    pub signals: Signals,
    /// 3 to 6.
    pub questions: Vec<CalibratedQuestion>,
    pub label: String,
    pub notes: Vec<String>,
}

/// What [`build`] reads: the deal, price entries (any; `build` picks the deal's), the bands,
/// the latest stored scorecard JSON, competitor mentions and the buyer's price objections in
/// the deal's activities (oldest first).
#[derive(Debug, Clone, Copy)]
pub struct PricingInput<'a> {
    pub opportunity: &'a Opportunity,
    pub prices: &'a [PriceEntry],
    pub bands: &'a [DiscountBand],
    pub scorecard: Option<&'a Value>,
    pub competitor_mentions: &'a [CompetitorMentions],
    pub price_objections: &'a [Mention],
    pub now: Timestamp,
}

/// An element's status in the stored scorecard JSON, `unknown` when absent.
fn status(card: Option<&Value>, framework: &str, element: &str) -> String {
    card.and_then(|c| c.get(framework)?.get(element)?.get("status")?.as_str())
        .unwrap_or("unknown")
        .to_owned()
}

fn product_price(deal: &Opportunity, prices: &[PriceEntry], id: ProductId) -> ProductPrice {
    let currency = deal.amount.currency();
    let here: Vec<&PriceEntry> = prices
        .iter()
        .filter(|p| p.product_id == id && Some(&p.region) == deal.region.as_ref())
        .collect();
    let lines: Vec<_> = (here.iter().filter(|p| p.currency == currency))
        .map(|p| (p.sku.clone(), p.name.clone(), p.list_price, p.unit))
        .collect();
    let mut others: Vec<&str> = here.iter().map(|p| p.currency.code()).collect();
    others.sort_unstable();
    others.dedup();
    let unpriced_reason = match (&deal.region, lines.is_empty(), others.is_empty()) {
        (_, false, _) => None,
        (None, ..) => Some(
            "neither the deal nor its account has a region, so no price-book entry applies".into(),
        ),
        (Some(r), _, true) => Some(format!("no price-book entry in {}", r.as_str())),
        (Some(r), _, false) => Some(format!(
            "priced only in {} in {}, not in {} (nothing is converted)",
            others.join(", "),
            r.as_str(),
            currency.code()
        )),
    };
    ProductPrice {
        product_id: id,
        lines,
        unpriced_reason,
    }
}

fn signals(input: &PricingInput<'_>) -> Signals {
    let (card, deal) = (input.scorecard, input.opportunity);
    let (value, currency) = (deal.amount.amount(), deal.amount.currency().code());
    let budget_figure = ["bant", "sandler"]
        .iter()
        .filter_map(|f| card?.get(*f)?.get("budget")?.get("evidence")?.as_array())
        .flatten()
        .filter_map(|q| q.get("quote")?.as_str())
        .flat_map(qualification::money::money)
        .filter(|m| m.currency.is_none_or(|c| c == currency))
        .filter_map(|m| Decimal::try_from(m.amount).ok())
        .max();
    let today = input.now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let named = input
        .competitor_mentions
        .iter()
        .filter(|c| !c.mentions.is_empty());
    let mut competitors_named: Vec<String> = named.map(|c| c.name.clone()).collect();
    competitors_named.sort();
    competitors_named.dedup();
    let days = deal.close_date.since(today).map(|span| span.get_days());
    let mut s = Signals {
        competition: status(card, "meddicc", "competition"),
        budget: status(card, "bant", "budget"),
        decision_process: status(card, "meddicc", "decision_process"),
        paper_process: status(card, "meddicc", "paper_process"),
        champion_met: status(card, "meddicc", "champion") == "met",
        economic_buyer_met: status(card, "meddicc", "economic_buyer") == "met",
        price_objection: input.price_objections.last().map(|m| m.quote.clone()),
        days_to_close: i64::from(days.unwrap_or_default()),
        situations: Vec::new(),
        competitors_named,
        budget_figure,
    };
    s.situations = [
        (Situation::PriceObjection, s.price_objection.is_some()),
        (
            Situation::BudgetGap,
            budget_figure.is_some_and(|f| f < value),
        ),
        (Situation::Competitor, has_competition(&s)),
        (
            Situation::Timeline,
            (0..=NEAR_CLOSE_DAYS).contains(&s.days_to_close),
        ),
        (Situation::PaperProcess, s.paper_process != "met"),
        (Situation::EconomicBuyer, !s.economic_buyer_met),
        (Situation::DecisionProcess, s.decision_process != "met"),
        (Situation::Open, true),
    ]
    .into_iter()
    .filter_map(|(situation, on)| on.then_some(situation))
    .collect();
    s
}

fn has_competition(s: &Signals) -> bool {
    !s.competitors_named.is_empty() || s.competition == "met"
}

/// Builds the guidance, valuing non-price gives with `eq`. Pure: same input, same guidance.
pub fn build(input: &PricingInput<'_>, eq: &Equivalence) -> PricingGuidance {
    let deal = input.opportunity;
    let (value, currency) = (deal.amount.amount(), deal.amount.currency().code());
    let products: Vec<ProductPrice> = (deal.product_ids.iter())
        .map(|&id| product_price(deal, input.prices, id))
        .collect();
    let s = signals(input);
    let steps = plan::ladder(input.bands, deal);
    let free = match steps.first() {
        Some((Approver::None, up_to)) => *up_to,
        _ => Decimal::ZERO,
    };
    let (percent, why) = plan::opening(&s, free, value, deal.stage);
    let recurring = (products.iter().flat_map(|p| &p.lines))
        .all(|l| !matches!(l.3, PriceUnit::OneTime | PriceUnit::PerUnit));
    let close = deal.close_date.to_string();
    let mut notes = vec![
        "Guidance names numbers; it is not an offer. An offer is a separate proposal that goes through the guardrails.".to_owned(),
        format!(
            "A free month counts {}% (a {}-month term); a day of extra payment terms {}%/365.",
            eq.free_months_percent(1).round_dp(2),
            eq.term_months,
            eq.annual_cost_of_money_percent
        ),
    ];
    if steps.is_empty() {
        notes.push("No discount band applies: ask the deal desk before any discount.".into());
    }
    if status(input.scorecard, "voss", "thats_right") != "met" {
        notes.push("Summarise their position until they say \"that's right\" first.".into());
    }
    let bands: Vec<Level> = (steps.iter())
        .map(|(_, up_to)| plan::level(deal, input.bands, *up_to, Vec::new()))
        .collect();
    PricingGuidance {
        opportunity_id: deal.id,
        generated_at: input.now,
        stage: deal.stage,
        region: deal.region.clone(),
        currency: currency.to_owned(),
        deal_value: value,
        products,
        walk_away: bands.last().cloned(),
        bands,
        opening: plan::level(deal, input.bands, percent, why),
        concessions: plan::concessions(input, eq, percent, &steps, recurring),
        questions: questions::questions(&s, value, currency, &close),
        label: questions::label(&s, input.scorecard, &close),
        signals: s,
        notes,
    }
}

/// The region a deal is priced in: its own, else its account's.
pub async fn priced_region(
    store: &store::Store,
    tenant: domain::id::TenantId,
    deal: &Opportunity,
) -> Result<Option<RegionCode>, store::Error> {
    if deal.region.is_some() {
        return Ok(deal.region.clone());
    }
    match store
        .get::<domain::account::Account>(tenant, deal.account_id.as_uuid())
        .await
    {
        Ok(account) => Ok(account.region),
        Err(store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Loads the deal, its latest scorecard, the price book of its region (its account's when it
/// has none), the bands and the deal's activities, then builds the guidance. `NotFound` for an
/// unknown (or another tenant's) deal.
pub async fn pricing_guidance(
    store: &store::Store,
    tenant: domain::id::TenantId,
    opportunity: OpportunityId,
) -> Result<PricingGuidance, store::Error> {
    let mut deal: Opportunity = store.get(tenant, opportunity.as_uuid()).await?;
    deal.region = priced_region(store, tenant, &deal).await?;
    let history = store
        .scorecard_history(tenant, opportunity, None, 1)
        .await?;
    let scorecard = history.into_iter().next().map(|v| v.scorecard);
    let bands = store.discount_bands(tenant).await?;
    let mut prices = Vec::new();
    if let Some(region) = &deal.region {
        let mut query = store::ListQuery {
            filters: vec![store::Filter::Eq(
                "region",
                store::SqlValue::text(region.as_str()),
            )],
            limit: store::MAX_LIMIT,
            ..store::ListQuery::default()
        };
        loop {
            let page = store.list_prices(tenant, &query).await?;
            prices.extend(page.items);
            let Some(after) = page.next_cursor else { break };
            query.after = Some(after);
        }
    }
    let mut activities =
        super::intelligence::account_activities(store, tenant, deal.account_id).await?;
    // The deal's own activities and the account's general ones, not other deals'.
    activities.retain(|a| a.opportunity_id.is_none_or(|o| o == deal.id));
    let names = super::qualify::competitor_names(store, tenant).await?;
    let now = store::now();
    let intel = super::intelligence::analyze(deal.account_id, &activities, &names, now);
    let objections: Vec<Mention> = (intel.objections.iter().filter(|o| o.kind == "price"))
        .flat_map(|o| o.mentions.iter().cloned())
        .collect();
    let input = PricingInput {
        opportunity: &deal,
        prices: &prices,
        bands: &bands,
        scorecard: scorecard.as_ref(),
        competitor_mentions: &intel.competitors,
        price_objections: &objections,
        now,
    };
    Ok(build(&input, &Equivalence::default()))
}

#[cfg(test)]
mod tests {
    use super::fixtures::{bands, deal, guidance, price};
    use super::*;
    use serde_json::json;

    #[test]
    fn products_without_a_price_entry_are_unpriced_not_invented() {
        let (p, q, r) = (
            ProductId::generate(),
            ProductId::generate(),
            ProductId::generate(),
        );
        let prices = [price(p, "Network seat", "EUR"), price(q, "Storage", "USD")];
        let deal = deal(&[p, q, r], Some("EMEA"));
        let priced: Vec<_> = deal
            .product_ids
            .iter()
            .map(|&id| product_price(&deal, &prices, id))
            .collect();
        let of = |id| priced.iter().find(|x| x.product_id == id).unwrap();
        assert_eq!(of(p).lines.len(), 1);
        assert_eq!(of(p).unpriced_reason, None);
        assert!(of(q).lines.is_empty());
        assert!(of(q).unpriced_reason.as_deref().unwrap().contains("USD"));
        assert!(
            of(r)
                .unpriced_reason
                .as_deref()
                .unwrap()
                .contains("no price-book entry")
        );
        let nowhere = super::fixtures::deal(&[p], None);
        let g = guidance(&nowhere, &bands(), None, &[]);
        assert!(g.products[0].lines.is_empty());
        assert!(
            g.products[0]
                .unpriced_reason
                .as_deref()
                .unwrap()
                .contains("has a region")
        );
    }

    #[test]
    fn a_named_competitor_or_a_budget_gap_gives_room_and_chooses_the_questions() {
        let p = ProductId::generate();
        let deal = deal(&[p], Some("EMEA"));
        let won_over = json!({"meddicc": {"champion": {"status": "met"}, "economic_buyer": {"status": "met"},
            "paper_process": {"status": "met"}, "decision_process": {"status": "met"}}});
        let calm = guidance(&deal, &bands(), Some(&won_over), &[]);
        assert_eq!(calm.opening.percent, Decimal::new(25, 1));
        assert!(
            calm.questions
                .iter()
                .all(|q| !q.question.contains("Northwind"))
        );
        assert_eq!(calm.signals.situations, [Situation::Open]);
        let rival = guidance(&deal, &bands(), Some(&won_over), &["Northwind"]);
        assert_eq!(rival.opening.percent, Decimal::new(75, 1));
        assert!(
            rival
                .opening
                .reasons
                .iter()
                .any(|r| r.contains("Northwind"))
        );
        assert_eq!(rival.questions[0].because, Situation::Competitor);
        assert!(rival.questions[0].question.contains("Northwind"));
        assert!(rival.label.contains("Northwind"));
        let short = json!({"bant": {"budget": {"status": "met",
            "evidence": [{"quote": "We have 80,000 euros approved for this."}]}}});
        let gap = guidance(&deal, &bands(), Some(&short), &[]);
        assert_eq!(gap.signals.budget_figure, Some(Decimal::from(80_000)));
        assert_eq!(gap.opening.percent, Decimal::new(75, 1));
        assert!(
            gap.questions
                .iter()
                .any(|q| q.question.contains("EUR 80000"))
        );
        let both = guidance(&deal, &bands(), Some(&short), &["Northwind"]);
        assert_eq!(both.opening.percent, Decimal::new(75, 1), "capped");
        assert!(both.opening.reasons.iter().any(|r| r.starts_with("Capped")));
        for g in [&calm, &rival, &gap, &both] {
            assert!((3..=6).contains(&g.questions.len()), "{:?}", g.questions);
        }
        let json = serde_json::to_string(&rival).unwrap();
        assert!(
            !json.contains("offer_discount"),
            "guidance is never an offer"
        );
    }
}
