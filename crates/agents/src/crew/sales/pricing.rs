//! Pricing negotiation guidance for one opportunity, from the tenant's catalog (price book and
//! discount bands), the deal, its latest qualification scorecard and what the buyer said in its
//! activities: list prices, an opening discount, a concession plan with what to ask in return,
//! a walk-away point, and Chris Voss calibrated questions and a label.
//!
//! Guidance that names a number is not an offer (DESIGN.md, discount bands): [`build`] proposes
//! no action. An offer is a separate, explicit request through [`propose_offer`], which counts
//! everything given away together (percent, free months, waived fees, credits, payment terms)
//! toward the bands. Pure except [`pricing_guidance`], which loads through `store::Store`.

use std::fmt::Write as _;

use domain::action::{Action, DiscountOffer};
use domain::catalog::{Approver, BandVerdict, DiscountBand, PriceEntry, PriceUnit, band_verdict};
use domain::id::{OpportunityId, ProductId};
use domain::opportunity::Opportunity;
use domain::stage::Stage;
use jiff::{Timestamp, ToSpan};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::battlecard::markdown_text;
use super::intelligence::{CompetitorMentions, Mention};

/// Extra payment days the first concession gives (net 60 instead of net 30).
const TERMS_GIVE_DAYS: u32 = 30;
/// Days to the close date within which the timeline is part of the negotiation.
const NEAR_CLOSE_DAYS: i64 = 45;

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
    pub region: Option<String>,
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

fn status(card: Option<&Value>, framework: &str, element: &str) -> String {
    card.and_then(|c| c.get(framework)?.get(element)?.get("status")?.as_str())
        .unwrap_or("unknown")
        .to_owned()
}

/// The deal at `percent` off, with the bands' verdict.
fn level(deal: &Opportunity, bands: &[DiscountBand], percent: Decimal, why: Vec<String>) -> Level {
    let value = deal.amount.amount();
    let net_amount = value - value * percent / Decimal::ONE_HUNDRED;
    Level {
        percent,
        net_amount: net_amount.round_dp(deal.amount.currency().minor_units()),
        verdict: band_verdict(bands, &deal.product_ids, deal.region.as_ref(), percent),
        reasons: why,
    }
}

fn verdict_text(verdict: Option<BandVerdict>) -> String {
    match verdict {
        Some(BandVerdict::Band {
            approval: Approver::None,
            ..
        }) => "no approval needed".into(),
        Some(BandVerdict::Band { approval, .. }) => {
            format!("{} approval", approval.as_str().replace('_', " "))
        }
        Some(BandVerdict::Beyond { .. }) => "past every band: a human exception".into(),
        None => "no band applies".into(),
    }
}

/// Per approver, the highest percent the deal's strictest product allows with it. Verdicts
/// change only at band ceilings, so the ceilings are the points to test.
fn ladder(bands: &[DiscountBand], deal: &Opportunity) -> Vec<(Approver, Decimal)> {
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
        (None, ..) => Some("the deal has no region, so no price-book entry applies".into()),
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

/// The opening percent, at most three quarters of the free band `free` (to the half percent,
/// rounded down), and why.
fn opening(s: &Signals, free: Decimal, value: Decimal, stage: Stage) -> (Decimal, Vec<String>) {
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
fn concessions(
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

fn questions(s: &Signals, value: Decimal, currency: &str, close: &str) -> Vec<CalibratedQuestion> {
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
    out.truncate(6);
    out
}

fn label(s: &Signals, card: Option<&Value>, close: &str) -> String {
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

/// Builds the guidance, valuing non-price gives with `eq`. Pure: same input, same guidance.
pub fn build(input: &PricingInput<'_>, eq: &Equivalence) -> PricingGuidance {
    let deal = input.opportunity;
    let (value, currency) = (deal.amount.amount(), deal.amount.currency().code());
    let products: Vec<ProductPrice> = (deal.product_ids.iter())
        .map(|&id| product_price(deal, input.prices, id))
        .collect();
    let s = signals(input);
    let steps = ladder(input.bands, deal);
    let free = match steps.first() {
        Some((Approver::None, up_to)) => *up_to,
        _ => Decimal::ZERO,
    };
    let (percent, why) = opening(&s, free, value, deal.stage);
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
        .map(|(_, up_to)| level(deal, input.bands, *up_to, Vec::new()))
        .collect();
    PricingGuidance {
        opportunity_id: deal.id,
        generated_at: input.now,
        stage: deal.stage,
        region: deal.region.as_ref().map(|r| r.as_str().to_owned()),
        currency: currency.to_owned(),
        deal_value: value,
        products,
        walk_away: bands.last().cloned(),
        bands,
        opening: level(deal, input.bands, percent, why),
        concessions: concessions(input, eq, percent, &steps, recurring),
        questions: questions(&s, value, currency, &close),
        label: label(&s, input.scorecard, &close),
        signals: s,
        notes,
    }
}

/// A discount someone asks to offer: everything given away together. Fees and credits are in
/// the deal's currency; payment days are beyond the standard 30.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OfferRequest {
    pub percent: Decimal,
    pub free_months: u32,
    pub waived_fees: Decimal,
    pub credits: Decimal,
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

/// Turns an explicit request into the `offer_discount` action to propose, counting every part
/// toward the bands. Refuses negative parts, amounts on a deal without value, and packages worth
/// more than the deal.
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
    if request.percent.is_sign_negative() || request.percent > Decimal::ONE_HUNDRED {
        return Err(invalid("percent", "a discount is 0 to 100 percent"));
    }
    let value = deal.amount.amount();
    let mut parts = vec![(request.percent, "off".to_owned())];
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
        if !amount.is_zero() {
            // Saturates: an absurd amount is refused below as more than the deal.
            let share = amount
                .saturating_mul(Decimal::ONE_HUNDRED)
                .checked_div(value);
            parts.push((share.unwrap_or(Decimal::MAX), format!("{amount} {field}")));
        }
    }
    if request.free_months > 0 {
        let what = format!("{} free months of {}", request.free_months, eq.term_months);
        parts.push((eq.free_months_percent(request.free_months), what));
    }
    if request.extra_payment_days > 0 {
        let what = format!("{} extra payment days", request.extra_payment_days);
        parts.push((eq.payment_days_percent(request.extra_payment_days), what));
    }
    let percent = (parts
        .iter()
        .fold(Decimal::ZERO, |sum, (p, _)| sum.saturating_add(*p)))
    .round_dp(2);
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

impl PricingGuidance {
    /// The guidance as Markdown; catalog names and quoted words are escaped as plain text.
    pub fn to_markdown(&self) -> String {
        let c = &self.currency;
        let region = markdown_text(self.region.as_deref().unwrap_or("not set"));
        let mut out = format!("# Pricing guidance\n\nDeal value {c} {}, ", self.deal_value);
        let _ = writeln!(
            out,
            "stage {}, region {region}\n\n## List prices\n",
            self.stage.as_str()
        );
        for p in &self.products {
            for (sku, name, price, unit) in &p.lines {
                let (name, sku, unit) = (
                    markdown_text(name),
                    markdown_text(sku),
                    unit.as_str().replace('_', " "),
                );
                let _ = writeln!(out, "- {name} ({sku}): {c} {price} {unit}");
            }
            if let Some(reason) = &p.unpriced_reason {
                let _ = writeln!(out, "- Product {}: unpriced, {reason}", p.product_id);
            }
        }
        let o = &self.opening;
        let _ = writeln!(
            out,
            "\n## Opening: {}% off ({c} {})\n",
            o.percent, o.net_amount
        );
        for reason in &o.reasons {
            let _ = writeln!(out, "- {}", markdown_text(reason));
        }
        out.push_str("\n## Concession plan\n\n");
        for (i, step) in self.concessions.iter().enumerate() {
            let (l, n) = (&step.level, i + 1);
            let verdict = verdict_text(l.verdict);
            let _ = writeln!(
                out,
                "{n}. {}: effective {}% ({c} {}), {verdict}.",
                step.give, l.percent, l.net_amount
            );
            let _ = writeln!(out, "   Ask for {}.", step.ask_in_return);
        }
        let _ = match &self.walk_away {
            Some(w) => writeln!(
                out,
                "\n## Walk-away: {}% ({c} {}), {}\n\nPast it only a human exception.",
                w.percent,
                w.net_amount,
                verdict_text(w.verdict)
            ),
            None => writeln!(
                out,
                "\n## Walk-away\n\nNo discount band applies to this deal."
            ),
        };
        out.push_str("\n## Calibrated questions\n\n");
        for q in &self.questions {
            let _ = writeln!(out, "- {}", markdown_text(&q.question));
        }
        let _ = writeln!(out, "\nLabel: {}\n", markdown_text(&self.label));
        for note in &self.notes {
            let _ = writeln!(out, "> {}", markdown_text(note));
        }
        out
    }
}

/// Loads the deal, its latest scorecard, the price book of its region, the bands and the deal's
/// activities, then builds the guidance. `NotFound` for an unknown (or another tenant's) deal.
pub async fn pricing_guidance(
    store: &store::Store,
    tenant: domain::id::TenantId,
    opportunity: OpportunityId,
) -> Result<PricingGuidance, store::Error> {
    let deal: Opportunity = store.get(tenant, opportunity.as_uuid()).await?;
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
    use super::*;
    use domain::id::{DiscountBandId, PriceEntryId};
    use domain::opportunity::NewOpportunity;
    use serde_json::json;

    fn now() -> Timestamp {
        "2027-01-10T09:00:00Z".parse().unwrap()
    }

    fn deal(products: &[ProductId], region: Option<&str>) -> Opportunity {
        let new: NewOpportunity = serde_json::from_value(json!({
            "account_id": domain::id::AccountId::generate(), "name": "Acme rollout",
            "amount": {"amount": "100000", "currency": "EUR"}, "close_date": "2027-06-30",
            "stage": "negotiation", "region": region, "product_ids": products,
        }))
        .unwrap();
        new.into_opportunity(now()).unwrap()
    }

    fn price(product: ProductId, name: &str, currency: &str) -> PriceEntry {
        PriceEntry {
            id: PriceEntryId::generate(),
            product_id: product,
            sku: "NET-SEAT".into(),
            name: name.into(),
            region: domain::region::RegionCode::parse("EMEA").unwrap(),
            currency: currency.parse().unwrap(),
            list_price: Decimal::new(12000, 2),
            unit: PriceUnit::PerSeatYear,
            updated_at: now(),
        }
    }

    fn band(product: Option<ProductId>, up_to: i64, approval: Approver) -> DiscountBand {
        let (id, up_to_percent) = (DiscountBandId::generate(), Decimal::from(up_to));
        DiscountBand {
            id,
            product_id: product,
            region: None,
            up_to_percent,
            approval,
        }
    }

    fn bands() -> Vec<DiscountBand> {
        vec![
            band(None, 10, Approver::None),
            band(None, 20, Approver::Manager),
            band(None, 30, Approver::Director),
        ]
    }

    fn guidance(
        deal: &Opportunity,
        bands: &[DiscountBand],
        card: Option<&Value>,
        rivals: &[&str],
    ) -> PricingGuidance {
        let prices = [price(deal.product_ids[0], "Network seat", "EUR")];
        let mention = |name: &&str| CompetitorMentions {
            name: (*name).to_owned(),
            mentions: vec![Mention {
                activity_id: domain::id::ActivityId::generate(),
                occurred_at: now(),
                speaker: Some("Dana".into()),
                quote: format!("{name} quoted less."),
            }],
        };
        let mentions: Vec<CompetitorMentions> = rivals.iter().map(mention).collect();
        let input = PricingInput {
            opportunity: deal,
            prices: &prices,
            bands,
            scorecard: card,
            competitor_mentions: &mentions,
            price_objections: &[],
            now: now(),
        };
        build(&input, &Equivalence::default())
    }

    fn approvals(levels: impl Iterator<Item = Option<BandVerdict>>) -> Vec<Option<Approver>> {
        levels
            .map(|v| match v {
                Some(BandVerdict::Band { approval, .. }) => Some(approval),
                _ => None,
            })
            .collect()
    }

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
        let nowhere = super::tests::deal(&[p], None);
        let g = guidance(&nowhere, &bands(), None, &[]);
        assert!(g.products[0].lines.is_empty());
        assert!(
            g.products[0]
                .unpriced_reason
                .as_deref()
                .unwrap()
                .contains("no region")
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

    #[test]
    fn markdown_renders_sections_and_escapes_catalog_text() {
        let p = ProductId::generate();
        let deal = deal(&[p], Some("EMEA"));
        let prices = [price(p, "Seat ![x](https://evil.example/p.png) <b>", "EUR")];
        let input = PricingInput {
            opportunity: &deal,
            prices: &prices,
            bands: &bands(),
            scorecard: None,
            competitor_mentions: &[],
            price_objections: &[],
            now: now(),
        };
        let md = build(&input, &Equivalence::default()).to_markdown();
        for heading in [
            "# Pricing guidance",
            "## Opening: 5% off",
            "## Concession plan",
            "## Walk-away: 30%",
        ] {
            assert!(md.contains(heading), "{heading} in {md}");
        }
        assert!(!md.contains("![x](") && !md.contains("<b>"), "{md}");
    }
}
