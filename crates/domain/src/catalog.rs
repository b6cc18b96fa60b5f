//! The product catalog: price-book entries (a SKU's list price in one region and currency) and
//! discount bands (how far a discount may go, and who must approve it). The Sales agent's pricing
//! guidance and the guardrails read them; humans maintain them.

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};
use crate::id::{DiscountBandId, PriceEntryId, ProductId};
use crate::labels::labels;
use crate::money::Currency;
use crate::region::RegionCode;
use crate::text;

labels! {
    /// What a list price is per.
    pub enum PriceUnit {
        PerSeatMonth = "per_seat_month",
        PerSeatYear = "per_seat_year",
        PerUnit = "per_unit",
        PerMonth = "per_month",
        PerYear = "per_year",
        OneTime = "one_time",
    }
}

labels! {
    /// Who approves a discount inside a band, least senior first.
    pub enum Approver {
        /// Agents and reps may offer it (the guardrail policy still applies).
        None = "none",
        Manager = "manager",
        Director = "director",
        DealDesk = "deal_desk",
    }
}

impl Approver {
    /// Seniority: higher approves more.
    pub fn rank(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Manager => 1,
            Self::Director => 2,
            Self::DealDesk => 3,
        }
    }
}

/// Normalises a SKU: 1-64 of letters, digits, `-`, `_`, `.`, upper-cased.
pub fn checked_sku(s: &str) -> Result<String> {
    let sku = s.trim().to_ascii_uppercase();
    let ok = (1..=64).contains(&sku.len())
        && sku
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !ok {
        return Err(DomainError::invalid("sku", format!("{s:?} is not a SKU")));
    }
    Ok(sku)
}

/// A SKU's list price in one region and currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceEntry {
    pub id: PriceEntryId,
    pub product_id: ProductId,
    /// Upper-cased; one entry per SKU, region and currency.
    pub sku: String,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub region: RegionCode,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "EUR"))]
    pub currency: Currency,
    /// Price of one unit, in `currency`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "120.00"))]
    pub list_price: Decimal,
    pub unit: PriceUnit,
    pub updated_at: Timestamp,
}

/// A price-book row as given (JSON or CSV); `product` is a product id or code.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPriceEntry {
    pub product: String,
    pub sku: String,
    #[serde(default)]
    pub name: Option<String>,
    pub region: String,
    pub currency: String,
    /// A decimal number, for example `120.00`.
    pub list_price: String,
    pub unit: String,
}

impl NewPriceEntry {
    /// Validates the row into an entry of `product_id` (resolved by the caller).
    pub fn into_entry(self, product_id: ProductId, now: Timestamp) -> Result<PriceEntry> {
        let sku = checked_sku(&self.sku)?;
        let currency: Currency = self.currency.parse()?;
        let list_price: Decimal = self.list_price.trim().parse().map_err(|_| {
            DomainError::invalid(
                "list_price",
                format!("{:?} is not a decimal number", self.list_price),
            )
        })?;
        if list_price.is_sign_negative() {
            return Err(DomainError::invalid(
                "list_price",
                "a list price cannot be negative",
            ));
        }
        if list_price.scale() > currency.minor_units() + 2 {
            return Err(DomainError::invalid(
                "list_price",
                format!(
                    "{list_price} has more decimals than {} prices use",
                    currency.code()
                ),
            ));
        }
        let name = match self.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => text::line("name", n)?,
            _ => sku.clone(),
        };
        Ok(PriceEntry {
            id: PriceEntryId::generate(),
            product_id,
            sku,
            name,
            region: RegionCode::parse(&self.region)?,
            currency,
            list_price,
            unit: self.unit.trim().parse()?,
            updated_at: now,
        })
    }
}

/// Discounts up to `up_to_percent` (and above the band below) need `approval`. A band without a
/// product applies to every product; without a region, to every region.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscountBand {
    pub id: DiscountBandId,
    pub product_id: Option<ProductId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub region: Option<RegionCode>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "10"))]
    pub up_to_percent: Decimal,
    pub approval: Approver,
}

/// A discount band as given; `product` is a product id or code.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewDiscountBand {
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    pub up_to_percent: String,
    pub approval: String,
}

impl NewDiscountBand {
    /// Validates the band (the product resolved by the caller).
    pub fn into_band(self, product_id: Option<ProductId>) -> Result<DiscountBand> {
        let up_to_percent: Decimal = self.up_to_percent.trim().parse().map_err(|_| {
            DomainError::invalid(
                "up_to_percent",
                format!("{:?} is not a number", self.up_to_percent),
            )
        })?;
        if up_to_percent <= Decimal::ZERO || up_to_percent > Decimal::from(100) {
            return Err(DomainError::invalid(
                "up_to_percent",
                "a band's ceiling is above 0 and at most 100 percent",
            ));
        }
        let region = match self.region.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() => Some(RegionCode::parse(r)?),
            _ => None,
        };
        Ok(DiscountBand {
            id: DiscountBandId::generate(),
            product_id,
            region,
            up_to_percent,
            approval: self.approval.trim().parse()?,
        })
    }
}

/// Refuses a band set with two bands of the same scope and ceiling, or whose approvers get less
/// senior as discounts grow.
pub fn check_bands(bands: &[DiscountBand]) -> Result<()> {
    let mut sorted: Vec<&DiscountBand> = bands.iter().collect();
    sorted.sort_by(|a, b| {
        (a.product_id, &a.region, a.up_to_percent).cmp(&(b.product_id, &b.region, b.up_to_percent))
    });
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.product_id != b.product_id || a.region != b.region {
            continue;
        }
        if a.up_to_percent == b.up_to_percent {
            return Err(DomainError::invalid(
                "up_to_percent",
                format!("two bands of one scope end at {}%", a.up_to_percent),
            ));
        }
        if b.approval.rank() < a.approval.rank() {
            return Err(DomainError::invalid(
                "approval",
                format!(
                    "the band up to {}% needs {} but the larger one up to {}% only {}",
                    a.up_to_percent,
                    a.approval.as_str(),
                    b.up_to_percent,
                    b.approval.as_str()
                ),
            ));
        }
    }
    Ok(())
}

/// What the bands say of a discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "within", rename_all = "snake_case")]
pub enum BandVerdict {
    /// Inside a band: who approves it.
    Band {
        approval: Approver,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        up_to_percent: Decimal,
    },
    /// Past every band: an exception only a human can grant.
    Beyond {
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        max_percent: Decimal,
    },
}

impl BandVerdict {
    fn severity(self) -> (u8, Decimal) {
        match self {
            Self::Band { approval, .. } => (approval.rank(), Decimal::ZERO),
            Self::Beyond { max_percent } => (u8::MAX, -max_percent),
        }
    }
}

/// The bands of the most specific scope for one product: product and region, then product,
/// then region, then everything.
fn scoped<'a>(
    bands: &'a [DiscountBand],
    product: Option<ProductId>,
    region: Option<&RegionCode>,
) -> Vec<&'a DiscountBand> {
    let mut scopes: Vec<(Option<ProductId>, Option<&RegionCode>)> = Vec::with_capacity(4);
    if product.is_some() {
        if region.is_some() {
            scopes.push((product, region));
        }
        scopes.push((product, None));
    }
    if region.is_some() {
        scopes.push((None, region));
    }
    scopes.push((None, None));
    for (p, r) in scopes {
        let found: Vec<&DiscountBand> = bands
            .iter()
            .filter(|b| b.product_id == p && b.region.as_ref() == r)
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// The bands' verdict on `percent` off for a deal of these products in this region: the
/// strictest over the products. `None` when no band applies.
pub fn band_verdict(
    bands: &[DiscountBand],
    products: &[ProductId],
    region: Option<&RegionCode>,
    percent: Decimal,
) -> Option<BandVerdict> {
    let products: Vec<Option<ProductId>> = if products.is_empty() {
        vec![None]
    } else {
        products.iter().copied().map(Some).collect()
    };
    let mut strictest: Option<BandVerdict> = None;
    for product in products {
        let mut applicable = scoped(bands, product, region);
        if applicable.is_empty() {
            continue;
        }
        applicable.sort_by_key(|b| b.up_to_percent);
        let verdict = match applicable.iter().find(|b| percent <= b.up_to_percent) {
            Some(band) => BandVerdict::Band {
                approval: band.approval,
                up_to_percent: band.up_to_percent,
            },
            None => BandVerdict::Beyond {
                max_percent: applicable.last().map_or(Decimal::ZERO, |b| b.up_to_percent),
            },
        };
        if strictest.is_none_or(|s| verdict.severity() > s.severity()) {
            strictest = Some(verdict);
        }
    }
    strictest
}

/// A priced line: list, discount and net for a quantity of one SKU.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    pub entry: PriceEntry,
    pub quantity: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub discount_percent: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub list_total: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub discount_amount: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub net_total: Decimal,
    /// What the discount bands say; `None` when no band applies.
    pub band: Option<BandVerdict>,
}

/// Prices `quantity` of `entry` at `discount_percent` off, rounded to the currency's minor units.
pub fn quote(
    entry: &PriceEntry,
    quantity: u32,
    discount_percent: Decimal,
    bands: &[DiscountBand],
) -> Result<Quote> {
    if discount_percent.is_sign_negative() || discount_percent > Decimal::from(100) {
        return Err(DomainError::invalid(
            "discount_percent",
            "a discount is 0 to 100 percent",
        ));
    }
    let digits = entry.currency.minor_units();
    let list_total = (entry.list_price * Decimal::from(quantity)).round_dp(digits);
    let discount_amount = (list_total * discount_percent / Decimal::from(100)).round_dp(digits);
    Ok(Quote {
        entry: entry.clone(),
        quantity,
        discount_percent,
        list_total,
        discount_amount,
        net_total: list_total - discount_amount,
        band: band_verdict(
            bands,
            &[entry.product_id],
            Some(&entry.region),
            discount_percent,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(
        product: Option<ProductId>,
        region: Option<&str>,
        up_to: i64,
        approval: Approver,
    ) -> DiscountBand {
        DiscountBand {
            id: DiscountBandId::generate(),
            product_id: product,
            region: region.map(|r| RegionCode::parse(r).unwrap_or_else(|e| unreachable!("{e}"))),
            up_to_percent: Decimal::from(up_to),
            approval,
        }
    }

    fn pct(n: i64) -> Decimal {
        Decimal::from(n)
    }

    #[test]
    fn the_most_specific_bands_decide_and_the_strictest_product_wins() {
        let network = ProductId::generate();
        let storage = ProductId::generate();
        let emea = RegionCode::parse("EMEA").ok();
        let bands = vec![
            band(None, None, 10, Approver::None),
            band(None, None, 20, Approver::Manager),
            band(None, None, 35, Approver::DealDesk),
            band(Some(network), None, 5, Approver::None),
            band(Some(network), None, 15, Approver::Director),
            band(Some(network), Some("EMEA"), 25, Approver::Manager),
        ];
        // Global bands for a product without its own.
        assert_eq!(
            band_verdict(&bands, &[storage], None, pct(8)),
            Some(BandVerdict::Band {
                approval: Approver::None,
                up_to_percent: pct(10)
            })
        );
        assert_eq!(
            band_verdict(&bands, &[storage], None, pct(40)),
            Some(BandVerdict::Beyond {
                max_percent: pct(35)
            })
        );
        // The product's own bands; in EMEA its regional band.
        assert_eq!(
            band_verdict(&bands, &[network], None, pct(8)),
            Some(BandVerdict::Band {
                approval: Approver::Director,
                up_to_percent: pct(15)
            })
        );
        assert_eq!(
            band_verdict(&bands, &[network], emea.as_ref(), pct(8)),
            Some(BandVerdict::Band {
                approval: Approver::Manager,
                up_to_percent: pct(25)
            })
        );
        // Two products: the stricter answer.
        assert_eq!(
            band_verdict(&bands, &[storage, network], None, pct(12)),
            Some(BandVerdict::Band {
                approval: Approver::Director,
                up_to_percent: pct(15)
            })
        );
        assert_eq!(band_verdict(&[], &[network], None, pct(50)), None);
    }

    #[test]
    fn quotes_round_to_the_currency_and_carry_the_band() {
        let product = ProductId::generate();
        let entry = NewPriceEntry {
            product: "NET".into(),
            sku: "net-seat".into(),
            name: None,
            region: "EMEA".into(),
            currency: "EUR".into(),
            list_price: "119.99".into(),
            unit: "per_seat_year".into(),
        }
        .into_entry(product, Timestamp::UNIX_EPOCH)
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(entry.sku, "NET-SEAT");
        let bands = [
            band(None, None, 10, Approver::None),
            band(None, None, 20, Approver::Manager),
        ];
        let q =
            quote(&entry, 3, Decimal::new(125, 1), &bands).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(q.list_total, Decimal::new(35997, 2));
        assert_eq!(q.discount_amount, Decimal::new(4500, 2));
        assert_eq!(q.net_total, Decimal::new(31497, 2));
        assert_eq!(
            q.band,
            Some(BandVerdict::Band {
                approval: Approver::Manager,
                up_to_percent: pct(20)
            })
        );
        assert!(quote(&entry, 1, pct(101), &bands).is_err());
    }

    #[test]
    fn bad_rows_and_band_sets_are_refused() {
        let row = |price: &str, unit: &str, currency: &str| NewPriceEntry {
            product: "NET".into(),
            sku: "NET-SEAT".into(),
            name: None,
            region: "EMEA".into(),
            currency: currency.into(),
            list_price: price.into(),
            unit: unit.into(),
        };
        let p = ProductId::generate();
        let now = Timestamp::UNIX_EPOCH;
        assert!(row("-1", "per_unit", "EUR").into_entry(p, now).is_err());
        assert!(row("ten", "per_unit", "EUR").into_entry(p, now).is_err());
        assert!(
            row("10", "per_fortnight", "EUR")
                .into_entry(p, now)
                .is_err()
        );
        assert!(row("10", "per_unit", "XXQ").into_entry(p, now).is_err());
        assert!(
            row("1.23456", "per_unit", "EUR")
                .into_entry(p, now)
                .is_err()
        );
        assert!(row("10", "per_unit", "JPY").into_entry(p, now).is_ok());
        assert!(
            check_bands(&[
                band(None, None, 10, Approver::Manager),
                band(None, None, 20, Approver::None)
            ])
            .is_err()
        );
        assert!(
            check_bands(&[
                band(None, None, 10, Approver::None),
                band(None, None, 10, Approver::Manager)
            ])
            .is_err()
        );
        assert!(
            check_bands(&[
                band(None, None, 10, Approver::None),
                band(None, Some("EMEA"), 10, Approver::Manager)
            ])
            .is_ok()
        );
        let bad = NewDiscountBand {
            product: None,
            region: None,
            up_to_percent: "0".into(),
            approval: "none".into(),
        };
        assert!(bad.into_band(None).is_err());
    }
}
