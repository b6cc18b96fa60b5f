//! Test fixtures shared by the pricing module's tests: a EUR 100,000 deal closing 2027-06-30,
//! price entries, and bands of 10 % (no approval), 20 % (manager) and 30 % (director).

use domain::catalog::{Approver, BandVerdict, DiscountBand, PriceEntry, PriceUnit};
use domain::id::{DiscountBandId, PriceEntryId, ProductId};
use domain::opportunity::{NewOpportunity, Opportunity};
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Equivalence, PricingGuidance, PricingInput, build};
use crate::crew::sales::intelligence::{CompetitorMentions, Mention};

pub(super) fn now() -> Timestamp {
    "2027-01-10T09:00:00Z".parse().unwrap()
}

pub(super) fn deal(products: &[ProductId], region: Option<&str>) -> Opportunity {
    let new: NewOpportunity = serde_json::from_value(json!({
        "account_id": domain::id::AccountId::generate(), "name": "Acme rollout",
        "amount": {"amount": "100000", "currency": "EUR"}, "close_date": "2027-06-30",
        "stage": "negotiation", "region": region, "product_ids": products,
    }))
    .unwrap();
    new.into_opportunity(now()).unwrap()
}

pub(super) fn price(product: ProductId, name: &str, currency: &str) -> PriceEntry {
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

pub(super) fn band(product: Option<ProductId>, up_to: i64, approval: Approver) -> DiscountBand {
    let (id, up_to_percent) = (DiscountBandId::generate(), Decimal::from(up_to));
    DiscountBand {
        id,
        product_id: product,
        region: None,
        up_to_percent,
        approval,
    }
}

pub(super) fn bands() -> Vec<DiscountBand> {
    vec![
        band(None, 10, Approver::None),
        band(None, 20, Approver::Manager),
        band(None, 30, Approver::Director),
    ]
}

/// The guidance for `deal` with one EUR price of its first product and the named competitors
/// each mentioned once.
pub(super) fn guidance(
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

/// The approver of each verdict (`None` past every band or without one).
pub(super) fn approvals(
    levels: impl Iterator<Item = Option<BandVerdict>>,
) -> Vec<Option<Approver>> {
    levels
        .map(|v| match v {
            Some(BandVerdict::Band { approval, .. }) => Some(approval),
            _ => None,
        })
        .collect()
}
