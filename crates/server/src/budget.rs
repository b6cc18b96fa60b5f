//! Monthly LLM budgets of a tenant: a soft limit warns, a hard limit sends the tenant's calls to
//! the offline engine until the month (UTC) turns.

use domain::id::TenantId;
use domain::llm_settings::LlmSettings;
use rust_decimal::Decimal;
use serde::Serialize;
use store::Store;

/// Where the month's spend stands against the budgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BudgetState {
    Ok,
    /// Past the soft limit: answers carry a warning.
    Warning,
    /// Past a budget: the offline engine answers.
    Exceeded,
}

impl BudgetState {
    /// The header spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Exceeded => "exceeded",
        }
    }
}

/// This month's spend and its state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthSpend {
    /// Start of the month (UTC) the figures count from.
    #[schema(value_type = String)]
    pub since: jiff::Timestamp,
    pub tokens: i64,
    #[schema(value_type = String)]
    pub cost_usd: Decimal,
    pub state: BudgetState,
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

/// This month's spend of the tenant against its settings; no query when there is no budget.
pub async fn month_spend(
    store: &Store,
    tenant: TenantId,
    settings: &LlmSettings,
    with_figures: bool,
) -> store::Result<MonthSpend> {
    let since = month_start(store::now());
    if settings.monthly_token_budget.is_none()
        && settings.monthly_cost_budget_usd.is_none()
        && !with_figures
    {
        return Ok(MonthSpend {
            since,
            tokens: 0,
            cost_usd: Decimal::ZERO,
            state: BudgetState::Ok,
        });
    }
    let (tokens, micros) = store.llm_spend_since(tenant, since).await?;
    let cost = Decimal::new(micros, 6).normalize();
    Ok(MonthSpend {
        since,
        tokens,
        cost_usd: cost,
        state: state_of(settings, tokens, cost),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states() {
        let mut s = LlmSettings {
            monthly_token_budget: Some(1000),
            ..LlmSettings::default()
        };
        assert_eq!(state_of(&s, 100, Decimal::ZERO), BudgetState::Ok);
        assert_eq!(state_of(&s, 800, Decimal::ZERO), BudgetState::Warning);
        assert_eq!(state_of(&s, 1000, Decimal::ZERO), BudgetState::Exceeded);
        s.monthly_token_budget = None;
        s.monthly_cost_budget_usd = Some(Decimal::new(5, 0));
        assert_eq!(
            state_of(&s, 10_000_000, Decimal::new(499, 2)),
            BudgetState::Warning
        );
        assert_eq!(state_of(&s, 0, Decimal::new(5, 0)), BudgetState::Exceeded);
        assert_eq!(
            month_start("2026-11-24T10:00:00Z".parse().unwrap()).to_string(),
            "2026-11-01T00:00:00Z"
        );
    }
}
