//! Monthly LLM budgets of a tenant: a soft limit warns, a hard limit sends the tenant's calls to
//! the offline engine until the month (UTC) turns.

use domain::id::TenantId;
use domain::llm_settings::LlmSettings;
pub use domain::llm_settings::{BudgetState, month_start, state_of};
use rust_decimal::Decimal;
use serde::Serialize;
use store::Store;

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
