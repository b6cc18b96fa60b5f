//! A tenant's LLM settings: monthly budgets, whether prompts are kept, and per-role routes that
//! override the installation's.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::agent::AgentRole;
use crate::error::{DomainError, Result};
use crate::labels::labels;

/// Budget share at which a warning starts, by default.
pub const DEFAULT_SOFT_LIMIT_PERCENT: u8 = 80;

labels! {
    /// Where the month's spend stands against the budgets.
    pub enum BudgetState {
        Ok = "ok",
        /// Past the soft limit: answers carry a warning.
        Warning = "warning",
        /// Past a budget: the offline engine answers.
        Exceeded = "exceeded",
    }
}

/// The first instant of the current month, UTC.
pub fn month_start(now: jiff::Timestamp) -> jiff::Timestamp {
    let date = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    jiff::civil::date(date.year(), date.month(), 1)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_or(now, |z| z.timestamp())
}

fn share(used: Decimal, budget: Decimal) -> Option<Decimal> {
    (budget > Decimal::ZERO).then(|| used * Decimal::from(100) / budget)
}

/// The state of the month's spend against the settings' budgets.
pub fn state_of(settings: &LlmSettings, tokens: i64, cost: Decimal) -> BudgetState {
    let shares = [
        settings
            .monthly_token_budget
            .map(|b| (Decimal::from(tokens), Decimal::from(b))),
        settings.monthly_cost_budget_usd.map(|b| (cost, b)),
    ];
    let mut state = BudgetState::Ok;
    for (used, budget) in shares.into_iter().flatten() {
        if used >= budget {
            return BudgetState::Exceeded;
        }
        if share(used, budget).is_some_and(|s| s >= Decimal::from(settings.soft_limit_percent)) {
            state = BudgetState::Warning;
        }
    }
    state
}

/// A tenant's LLM settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LlmSettings {
    /// Tokens (in plus out) a calendar month (UTC) may use; `null` for no limit.
    pub monthly_token_budget: Option<i64>,
    /// US dollars a calendar month may cost; `null` for no limit.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub monthly_cost_budget_usd: Option<Decimal>,
    /// Share of a budget, in percent, from which answers carry a warning.
    pub soft_limit_percent: u8,
    /// Keep prompts and completions in traces (redacted).
    pub keep_prompts: bool,
    /// Agent role to an ordered `provider/model` list, overriding the installation's routes.
    pub routes: BTreeMap<String, Vec<String>>,
    /// `provider/model` to the tenant's own price (for example a negotiated rate), overriding the
    /// installation's price table for its traces and budgets.
    pub prices: BTreeMap<String, ModelPrice>,
    pub version: i64,
    pub updated_at: Option<Timestamp>,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            monthly_token_budget: None,
            monthly_cost_budget_usd: None,
            soft_limit_percent: DEFAULT_SOFT_LIMIT_PERCENT,
            keep_prompts: false,
            routes: BTreeMap::new(),
            prices: BTreeMap::new(),
            version: 0,
            updated_at: None,
        }
    }
}

/// Most prices a tenant may set.
pub const MAX_PRICES: usize = 200;

/// What a model costs, in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub input_per_mtok: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub output_per_mtok: Decimal,
}

impl ModelPrice {
    fn check(&self, target: &str) -> Result<()> {
        for (name, value) in [
            ("input_per_mtok", self.input_per_mtok),
            ("output_per_mtok", self.output_per_mtok),
        ] {
            if value.is_sign_negative() || value.scale() > 6 || value > Decimal::from(1_000_000) {
                return Err(DomainError::invalid(
                    "prices",
                    format!(
                        "{target}.{name}: a non-negative amount up to 1000000 with at most 6 decimals"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A change to the settings; absent fields stay, `null` clears a budget.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LlmSettingsPatch {
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub monthly_token_budget: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub monthly_cost_budget_usd: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub soft_limit_percent: Option<u8>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub keep_prompts: Option<bool>,
    /// Replaces all per-role routes.
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub routes: Option<BTreeMap<String, Vec<String>>>,
    /// Replaces all per-model prices.
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub prices: Option<BTreeMap<String, ModelPrice>>,
}

impl LlmSettingsPatch {
    /// Applies the patch, validating budgets and route names (targets are checked against the
    /// configured providers by the caller).
    pub fn apply(self, settings: &mut LlmSettings) -> Result<()> {
        if let Some(tokens) = self.monthly_token_budget {
            if tokens.is_some_and(|t| t < 0) {
                return Err(DomainError::invalid(
                    "monthly_token_budget",
                    "must not be negative",
                ));
            }
            settings.monthly_token_budget = tokens;
        }
        if let Some(cost) = self.monthly_cost_budget_usd {
            if cost.is_some_and(|c| c.is_sign_negative() || c.scale() > 6) {
                return Err(DomainError::invalid(
                    "monthly_cost_budget_usd",
                    "must be a non-negative amount with at most 6 decimals",
                ));
            }
            settings.monthly_cost_budget_usd = cost;
        }
        if let Some(percent) = self.soft_limit_percent {
            if !(1..=100).contains(&percent) {
                return Err(DomainError::invalid(
                    "soft_limit_percent",
                    "must be 1 to 100",
                ));
            }
            settings.soft_limit_percent = percent;
        }
        if let Some(keep) = self.keep_prompts {
            settings.keep_prompts = keep;
        }
        if let Some(routes) = self.routes {
            for (role, targets) in &routes {
                if role != "default" {
                    role.parse::<AgentRole>().map_err(|_| {
                        DomainError::invalid(
                            "routes",
                            format!("{role:?} is not an agent role or default"),
                        )
                    })?;
                }
                if targets.len() > 10 || targets.iter().any(|t| !t.contains('/') || t.len() > 200) {
                    return Err(DomainError::invalid(
                        "routes",
                        format!("{role}: up to 10 targets, each provider/model"),
                    ));
                }
            }
            settings.routes = routes;
        }
        if let Some(prices) = self.prices {
            if prices.len() > MAX_PRICES {
                return Err(DomainError::invalid(
                    "prices",
                    format!("at most {MAX_PRICES} models"),
                ));
            }
            for (target, price) in &prices {
                let well_formed = target
                    .split_once('/')
                    .is_some_and(|(p, m)| !p.is_empty() && !m.is_empty())
                    && target.len() <= 200;
                if !well_formed {
                    return Err(DomainError::invalid(
                        "prices",
                        format!("{target:?} is not provider/model"),
                    ));
                }
                price.check(target)?;
            }
            settings.prices = prices;
        }
        Ok(())
    }
}
