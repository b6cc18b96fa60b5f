//! Quotas: a revenue target for a period, for one rep, one region, or the whole tenant.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};
use crate::id::{QuotaId, UserId};
use crate::money::{AmountInput, Currency, Money};
use crate::region::RegionCode;
use crate::time::check_date;

/// Longest quota period, in days (a year and a little slack for fiscal calendars).
pub const MAX_PERIOD_DAYS: i32 = 400;

/// A revenue target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quota {
    pub id: QuotaId,
    /// The rep it belongs to; with no rep and no region it is the tenant's target.
    pub user_id: Option<UserId>,
    pub region: Option<RegionCode>,
    /// First day of the period.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub period_start: Date,
    /// Last day of the period (inclusive).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub period_end: Date,
    pub target: Money,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Quota {
    /// Whether the period includes the day.
    pub fn covers(&self, day: Date) -> bool {
        self.period_start <= day && day <= self.period_end
    }
}

fn check_period(start: Date, end: Date) -> Result<()> {
    if end < start {
        return Err(DomainError::invalid(
            "period_end",
            "must not be before period_start",
        ));
    }
    let days = start.until(end).map_or(i32::MAX, |s| s.get_days());
    if days >= MAX_PERIOD_DAYS {
        return Err(DomainError::invalid(
            "period_end",
            format!("a quota period is at most {MAX_PERIOD_DAYS} days"),
        ));
    }
    Ok(())
}

fn check_target(target: Money) -> Result<Money> {
    if target.amount().is_sign_negative() || target.amount().is_zero() {
        return Err(DomainError::invalid("target", "a target is more than zero"));
    }
    Ok(target)
}

/// Input for creating a quota.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewQuota {
    #[serde(default)]
    pub user_id: Option<UserId>,
    #[serde(default)]
    pub region: Option<RegionCode>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub period_start: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub period_end: Date,
    /// A money object, or a bare decimal with `currency` beside it.
    #[cfg_attr(feature = "openapi", schema(value_type = Money))]
    pub target: AmountInput,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "EUR"))]
    pub currency: Option<Currency>,
}

impl NewQuota {
    /// Validates the input into a quota.
    pub fn into_quota(self, now: Timestamp) -> Result<Quota> {
        let period_start = check_date("period_start", self.period_start)?;
        let period_end = check_date("period_end", self.period_end)?;
        check_period(period_start, period_end)?;
        Ok(Quota {
            id: QuotaId::generate(),
            user_id: self.user_id,
            region: self.region,
            period_start,
            period_end,
            target: check_target(self.target.resolve(self.currency)?)?,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

/// A partial update of a quota: its period and target (whose it is does not change).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuotaPatch {
    #[serde(default, deserialize_with = "crate::patch::some")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub period_start: Option<Date>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub period_end: Option<Date>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Money>))]
    pub target: Option<AmountInput>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub currency: Option<Currency>,
}

impl QuotaPatch {
    /// Applies the patch.
    pub fn apply(self, quota: &mut Quota) -> Result<()> {
        if let Some(start) = self.period_start {
            quota.period_start = check_date("period_start", start)?;
        }
        if let Some(end) = self.period_end {
            quota.period_end = check_date("period_end", end)?;
        }
        check_period(quota.period_start, quota.period_end)?;
        match (self.target, self.currency) {
            (Some(target), currency) => {
                quota.target =
                    check_target(target.resolve(currency.or(Some(quota.target.currency())))?)?;
            }
            (None, Some(currency)) if currency != quota.target.currency() => {
                quota.target = Money::new(quota.target.amount(), currency)?;
            }
            (None, _) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(start: &str, end: &str, target: serde_json::Value) -> Result<Quota> {
        let input: NewQuota = serde_json::from_value(serde_json::json!({
            "period_start": start, "period_end": end, "target": target,
        }))
        .map_err(|e| DomainError::invalid("body", e.to_string()))?;
        input.into_quota(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn periods_and_targets_are_checked() {
        let q = new(
            "2027-01-01",
            "2027-03-31",
            serde_json::json!({"amount": "500000", "currency": "EUR"}),
        )
        .unwrap();
        assert!(q.covers(jiff::civil::date(2027, 3, 31)));
        assert!(!q.covers(jiff::civil::date(2027, 4, 1)));
        assert!(
            new(
                "2027-03-31",
                "2027-01-01",
                serde_json::json!({"amount": "1", "currency": "EUR"})
            )
            .is_err()
        );
        assert!(
            new(
                "2027-01-01",
                "2028-12-31",
                serde_json::json!({"amount": "1", "currency": "EUR"})
            )
            .is_err()
        );
        assert!(
            new(
                "2027-01-01",
                "2027-03-31",
                serde_json::json!({"amount": "0", "currency": "EUR"})
            )
            .is_err()
        );
        assert!(
            new("2027-01-01", "2027-03-31", serde_json::json!("100")).is_err(),
            "no currency"
        );
    }

    #[test]
    fn a_patch_keeps_the_currency_unless_told() {
        let mut q = new(
            "2027-01-01",
            "2027-03-31",
            serde_json::json!({"amount": "500000", "currency": "EUR"}),
        )
        .unwrap();
        let patch: QuotaPatch =
            serde_json::from_value(serde_json::json!({"target": "750000"})).unwrap();
        patch.apply(&mut q).unwrap();
        assert_eq!(q.target.to_string(), "750000.00 EUR");
        let bad: QuotaPatch =
            serde_json::from_value(serde_json::json!({"period_end": "2026-01-01"})).unwrap();
        assert!(bad.apply(&mut q.clone()).is_err());
    }
}
