//! Goal pursuit: where a rep, a region or the tenant stands against a quota, and what to do next.
//!
//! For a quota's period and currency: business won in the period (deals closed won then), the
//! open pipeline closing in it, its stage-weighted value, the gap to target and the pipeline
//! coverage of that gap. Next best actions rank the open deals by the weighted value that moving
//! them one stage would add, made more urgent by a near close date and by the risks their plan
//! names; the action itself is the deal plan's next step. When coverage is short of
//! [`TARGET_COVERAGE`], building pipeline is an action too.
//!
//! Deals in another currency than the quota's are counted apart, never converted.

use std::collections::BTreeMap;

use domain::id::{OpportunityId, QuotaId, TenantId, UserId};
use domain::quota::Quota;
use domain::region::RegionCode;
use domain::stage::Stage;
use jiff::civil::Date;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::dashboard::DealFacts;
use store::{Filter, SqlValue, Store};

use super::plans::OpportunityPlan;
pub use crate::crew::operations::stage_weight;

/// Pipeline coverage of the remaining target that counts as healthy.
pub const TARGET_COVERAGE: u32 = 3;
/// Most next best actions one pursuit lists.
const MAX_ACTIONS: usize = 10;
/// Most quotas one listing reads.
const MAX_QUOTAS: usize = 5000;

/// Something to do, and why it comes at this rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NextBestAction {
    pub rank: u32,
    #[schemars(with = "Option<String>")]
    pub opportunity_id: Option<OpportunityId>,
    pub deal: Option<String>,
    pub action: String,
    pub reason: String,
    /// Weighted value the action is worth, in the quota's currency (a decimal).
    pub value_at_stake: String,
}

/// Where a quota stands on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pursuit {
    pub quota_id: QuotaId,
    /// `rep <id>`, `region EMEA`, or `tenant`.
    pub scope: String,
    pub period_start: Date,
    pub period_end: Date,
    pub as_of: Date,
    pub currency: String,
    pub target: Decimal,
    pub won: Decimal,
    pub open_pipeline: Decimal,
    pub weighted_pipeline: Decimal,
    /// Target minus won, never below zero.
    pub gap: Decimal,
    /// Open pipeline over the gap (`None` when the gap is closed).
    pub coverage: Option<Decimal>,
    /// Won over target, in percent.
    pub attainment_percent: Decimal,
    pub open_deals: usize,
    /// Deals in scope in another currency, left out of the sums.
    pub other_currency_deals: usize,
    pub next_best_actions: Vec<NextBestAction>,
}

fn in_scope(quota: &Quota, deal: &DealFacts) -> bool {
    quota.user_id.is_none_or(|u| deal.owner_id == Some(u))
        && quota
            .region
            .as_ref()
            .is_none_or(|r| deal.region.as_ref() == Some(r))
}

fn next_stage(stage: Stage) -> Stage {
    match stage {
        Stage::Prospecting => Stage::Qualification,
        Stage::Qualification => Stage::Discovery,
        Stage::Discovery => Stage::Solution,
        Stage::Solution => Stage::Proposal,
        Stage::Proposal => Stage::Negotiation,
        Stage::Negotiation | Stage::ClosedWon => Stage::ClosedWon,
        Stage::ClosedLost => Stage::ClosedLost,
    }
}

/// What to do for a deal with no plan yet, by stage.
fn stage_action(stage: Stage) -> &'static str {
    match stage {
        Stage::Prospecting => "Qualify: confirm the need and who owns the budget",
        Stage::Qualification => "Run discovery: the problem, its cost and the success metrics",
        Stage::Discovery => "Agree decision criteria and meet the economic buyer",
        Stage::Solution => "Complete technical validation and agree the proposal scope",
        Stage::Proposal => "Review the proposal with the economic buyer and map the paper process",
        _ => "Work through legal and procurement to a signature (closing stays human)",
    }
}

fn days_until(today: Date, day: Date) -> i64 {
    today.until(day).map_or(0, |s| i64::from(s.get_days()))
}

fn round(d: Decimal) -> Decimal {
    d.round_dp(2)
}

/// The action for one open deal and its score.
fn deal_action(
    deal: &DealFacts,
    plan: Option<&OpportunityPlan>,
    today: Date,
) -> (Decimal, NextBestAction) {
    let amount = deal.amount.amount();
    let gain = amount * (stage_weight(next_stage(deal.stage)) - stage_weight(deal.stage));
    let days = days_until(today, deal.close_date);
    // 2× when the close date is today or past, falling towards 1× as it recedes.
    let urgency = Decimal::ONE + Decimal::from(30) / Decimal::from(days.max(0) + 30);
    let risks = plan.map_or(0, |p| p.risks.len()).min(4);
    let risk_factor = Decimal::ONE + Decimal::new(25, 2) * Decimal::from(risks as u32);
    let score = gain * urgency * risk_factor;
    let (action, why) = if days < 0 {
        (
            "Agree a new close date with the buyer, or record the outcome (closing is a human decision)".to_owned(),
            format!("the close date {} passed {} days ago", deal.close_date, -days),
        )
    } else if let Some(step) = plan.and_then(|p| p.next_steps.first()) {
        (step.text.clone(), step.why.clone())
    } else {
        (
            stage_action(deal.stage).to_owned(),
            format!("the next step of a deal in {}", deal.stage),
        )
    };
    let mut reason = format!(
        "{} ({} {}, {}, closes in {} days): {why}; one stage forward adds {} weighted",
        deal.name,
        round(amount),
        deal.amount.currency(),
        deal.stage,
        days,
        round(gain)
    );
    if risks > 0 {
        reason.push_str(&format!("; {risks} risks in its plan"));
    }
    (
        score,
        NextBestAction {
            rank: 0,
            opportunity_id: Some(deal.id),
            deal: Some(deal.name.clone()),
            action,
            reason,
            value_at_stake: round(gain).to_string(),
        },
    )
}

/// Whether a deal in the quota's scope counts towards it on `today`: won in its period, or open
/// and closing in it (or overdue while the period runs).
fn counts(quota: &Quota, deal: &DealFacts, today: Date) -> bool {
    match deal.stage {
        Stage::ClosedWon => quota.covers(
            deal.stage_changed_at
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date(),
        ),
        Stage::ClosedLost => false,
        _ => {
            quota.covers(deal.close_date)
                || (deal.close_date < quota.period_start && quota.covers(today))
        }
    }
}

/// Where a quota stands on `today`, from the tenant's deals and their plans.
pub fn pursue(
    quota: &Quota,
    deals: &[DealFacts],
    plans: &BTreeMap<OpportunityId, OpportunityPlan>,
    today: Date,
) -> Pursuit {
    let currency = quota.target.currency();
    let mut won = Decimal::ZERO;
    let mut open_pipeline = Decimal::ZERO;
    let mut weighted = Decimal::ZERO;
    let mut open_deals = 0;
    let mut other_currency_deals = 0;
    let mut ranked: Vec<(Decimal, NextBestAction)> = Vec::new();
    for deal in deals.iter().filter(|d| in_scope(quota, d)) {
        if !counts(quota, deal, today) {
            continue;
        }
        if deal.amount.currency() != currency {
            other_currency_deals += 1;
            continue;
        }
        if deal.stage == Stage::ClosedWon {
            won += deal.amount.amount();
            continue;
        }
        open_deals += 1;
        open_pipeline += deal.amount.amount();
        weighted += deal.amount.amount() * stage_weight(deal.stage);
        ranked.push(deal_action(deal, plans.get(&deal.id), today));
    }
    let target = quota.target.amount();
    let gap = (target - won).max(Decimal::ZERO);
    let coverage = (!gap.is_zero()).then(|| round(open_pipeline / gap));
    let needed = gap * Decimal::from(TARGET_COVERAGE);
    if !gap.is_zero() && open_pipeline < needed {
        let shortfall = needed - open_pipeline;
        // Worth what new deals in their first stage are worth.
        let value = shortfall * stage_weight(Stage::Prospecting);
        ranked.push((
            value,
            NextBestAction {
                rank: 0,
                opportunity_id: None,
                deal: None,
                action: format!(
                    "Build pipeline: {} {currency} more to reach {TARGET_COVERAGE}x coverage",
                    round(shortfall)
                ),
                reason: format!(
                    "open pipeline {} covers {}x of the {} {currency} still to win; {TARGET_COVERAGE}x is healthy",
                    round(open_pipeline),
                    coverage.unwrap_or_default(),
                    round(gap)
                ),
                value_at_stake: round(value).to_string(),
            },
        ));
    }
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.deal.cmp(&b.1.deal)));
    let next_best_actions = ranked
        .into_iter()
        .take(MAX_ACTIONS)
        .enumerate()
        .map(|(i, (_, mut action))| {
            action.rank = i as u32 + 1;
            action
        })
        .collect();
    let scope = match (&quota.user_id, &quota.region) {
        (Some(user), _) => format!("rep {user}"),
        (None, Some(region)) => format!("region {region}"),
        (None, None) => "tenant".to_owned(),
    };
    Pursuit {
        quota_id: quota.id,
        scope,
        period_start: quota.period_start,
        period_end: quota.period_end,
        as_of: today,
        currency: currency.to_string(),
        target,
        won: round(won),
        open_pipeline: round(open_pipeline),
        weighted_pipeline: round(weighted),
        gap: round(gap),
        coverage,
        attainment_percent: round(won * Decimal::from(100) / target),
        open_deals,
        other_currency_deals,
        next_best_actions,
    }
}

/// How many deals' plans a pursuit reads: the best candidates before their plans are known.
const PLANNED_CANDIDATES: usize = 3 * MAX_ACTIONS;

/// The open deals in scope that could rank, best first by their value without a plan.
fn candidates(quota: &Quota, deals: &[DealFacts], today: Date) -> Vec<OpportunityId> {
    let mut scored: Vec<(Decimal, OpportunityId)> = deals
        .iter()
        .filter(|d| d.stage.is_open() && in_scope(quota, d) && counts(quota, d, today))
        .filter(|d| d.amount.currency() == quota.target.currency())
        .map(|d| (deal_action(d, None, today).0, d.id))
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored
        .into_iter()
        .take(PLANNED_CANDIDATES)
        .map(|(_, id)| id)
        .collect()
}

/// The latest stored plan of each of these deals, in one read.
async fn deal_plans(
    store: &Store,
    tenant: TenantId,
    deals: &[OpportunityId],
) -> Result<BTreeMap<OpportunityId, OpportunityPlan>, store::Error> {
    let subjects: Vec<uuid::Uuid> = deals.iter().map(|d| d.as_uuid()).collect();
    let latest = store
        .latest_plans(tenant, domain::plan::PlanKind::Opportunity, &subjects)
        .await?;
    Ok(latest
        .into_iter()
        .filter_map(|v| {
            let deal = OpportunityId::from_uuid(v.subject_id());
            serde_json::from_value::<OpportunityPlan>(v.plan)
                .ok()
                .map(|plan| (deal, plan))
        })
        .collect())
}

/// The deals a quota can count: its rep's or its region's (or all), open ones closing by the
/// period's end and ones won since its start, each read by SQL filters rather than the whole
/// history.
async fn scoped_deals(
    store: &Store,
    tenant: TenantId,
    quota: &Quota,
) -> Result<Vec<DealFacts>, store::Error> {
    let mut scope = Vec::new();
    if let Some(user) = quota.user_id {
        scope.push(Filter::Eq("owner_id", SqlValue::Uuid(Some(user.as_uuid()))));
    }
    if let Some(region) = &quota.region {
        scope.push(Filter::Eq("region", SqlValue::text(region.as_str())));
    }
    let after_end = quota
        .period_end
        .checked_add(jiff::Span::new().days(1))
        .unwrap_or(quota.period_end);
    let mut open = scope.clone();
    open.push(Filter::Before(
        "close_date",
        SqlValue::Date(Some(after_end)),
    ));
    let mut deals: Vec<DealFacts> = store
        .deal_facts(tenant, open)
        .await?
        .into_iter()
        .filter(|d| d.stage.is_open())
        .collect();
    let mut won = scope;
    won.push(Filter::Eq("stage", SqlValue::text(Stage::ClosedWon)));
    if let Ok(start) = quota.period_start.to_zoned(jiff::tz::TimeZone::UTC) {
        won.push(Filter::AtLeast(
            "stage_changed_at",
            SqlValue::Time(Some(start.timestamp())),
        ));
    }
    deals.extend(store.deal_facts(tenant, won).await?);
    Ok(deals)
}

async fn pursue_stored(
    store: &Store,
    tenant: TenantId,
    quota: &Quota,
    today: Date,
) -> Result<Pursuit, store::Error> {
    let deals = scoped_deals(store, tenant, quota).await?;
    let plans = deal_plans(store, tenant, &candidates(quota, &deals, today)).await?;
    Ok(pursue(quota, &deals, &plans, today))
}

/// A quota's pursuit on `today`. `NotFound` for an unknown quota (or another tenant's).
pub async fn pursuit(
    store: &Store,
    tenant: TenantId,
    quota: QuotaId,
    today: Date,
) -> Result<Pursuit, store::Error> {
    let quota: Quota = store.get(tenant, quota.as_uuid()).await?;
    pursue_stored(store, tenant, &quota, today).await
}

/// The pursuits of every quota whose period covers `today`, narrowed to a rep or a region.
pub async fn goals(
    store: &Store,
    tenant: TenantId,
    user: Option<UserId>,
    region: Option<&RegionCode>,
    today: Date,
) -> Result<Vec<Pursuit>, store::Error> {
    let quotas = quotas_in_force(store, tenant, user, region, today).await?;
    let mut out = Vec::new();
    for quota in &quotas {
        out.push(pursue_stored(store, tenant, quota, today).await?);
    }
    Ok(out)
}

/// The pursuits of these quotas over deals already read (a dashboard reads its deals once for
/// every figure), with the plans of each quota's best candidates read in one query.
pub async fn pursue_all(
    store: &Store,
    tenant: TenantId,
    quotas: &[Quota],
    deals: &[DealFacts],
    today: Date,
) -> Result<Vec<Pursuit>, store::Error> {
    let mut wanted: Vec<OpportunityId> = quotas
        .iter()
        .flat_map(|q| candidates(q, deals, today))
        .collect();
    wanted.sort();
    wanted.dedup();
    let plans = deal_plans(store, tenant, &wanted).await?;
    Ok(quotas
        .iter()
        .map(|q| pursue(q, deals, &plans, today))
        .collect())
}

/// The quotas whose period covers `today`, narrowed to a rep or a region.
pub async fn quotas_in_force(
    store: &Store,
    tenant: TenantId,
    user: Option<UserId>,
    region: Option<&RegionCode>,
    today: Date,
) -> Result<Vec<Quota>, store::Error> {
    let tomorrow = today
        .checked_add(jiff::Span::new().days(1))
        .unwrap_or(today);
    let mut filters = vec![
        Filter::Before("period_start", SqlValue::Date(Some(tomorrow))),
        Filter::AtLeast("period_end", SqlValue::Date(Some(today))),
    ];
    if let Some(user) = user {
        filters.push(Filter::Eq("user_id", SqlValue::Uuid(Some(user.as_uuid()))));
    }
    if let Some(region) = region {
        filters.push(Filter::Eq("region", SqlValue::text(region.as_str())));
    }
    store.list_all(tenant, filters, MAX_QUOTAS).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(user: Option<UserId>, target: &str) -> Quota {
        let input: domain::quota::NewQuota = serde_json::from_value(serde_json::json!({
            "user_id": user, "period_start": "2027-01-01", "period_end": "2027-03-31",
            "target": {"amount": target, "currency": "EUR"},
        }))
        .unwrap();
        input.into_quota(jiff::Timestamp::UNIX_EPOCH).unwrap()
    }

    fn deal(
        owner: UserId,
        name: &str,
        amount: &str,
        currency: &str,
        stage: Stage,
        close: &str,
    ) -> DealFacts {
        let input: domain::opportunity::NewOpportunity = serde_json::from_value(serde_json::json!({
            "account_id": domain::id::AccountId::generate(), "name": name,
            "amount": {"amount": amount, "currency": currency}, "close_date": close,
            "owner_id": owner, "stage": if stage.is_open() { stage } else { Stage::Negotiation },
        }))
        .unwrap();
        let mut deal = input
            .into_opportunity("2027-01-05T00:00:00Z".parse().unwrap())
            .unwrap();
        deal.stage = stage;
        deal.stage_changed_at = "2027-02-01T00:00:00Z".parse().unwrap();
        DealFacts::from(&deal)
    }

    #[test]
    fn a_rep_quota_counts_won_and_open_deals_of_the_period_and_currency() {
        let rep = UserId::generate();
        let other = UserId::generate();
        let deals = [
            deal(rep, "Won", "100000", "EUR", Stage::ClosedWon, "2027-02-01"),
            deal(rep, "Big", "400000", "EUR", Stage::Proposal, "2027-03-15"),
            deal(rep, "Small", "50000", "EUR", Stage::Discovery, "2027-02-10"),
            deal(
                rep,
                "Later",
                "900000",
                "EUR",
                Stage::Discovery,
                "2027-06-30",
            ),
            deal(
                rep,
                "Dollars",
                "80000",
                "USD",
                Stage::Proposal,
                "2027-03-01",
            ),
            deal(
                other,
                "Theirs",
                "700000",
                "EUR",
                Stage::Negotiation,
                "2027-03-01",
            ),
        ];
        let p = pursue(
            &quota(Some(rep), "500000"),
            &deals,
            &BTreeMap::new(),
            jiff::civil::date(2027, 2, 1),
        );
        assert_eq!(p.won, Decimal::from(100_000));
        assert_eq!(p.open_pipeline, Decimal::from(450_000));
        assert_eq!(p.gap, Decimal::from(400_000));
        assert_eq!(p.coverage, Some(Decimal::new(1125, 3).round_dp(2)));
        assert_eq!(p.attainment_percent, Decimal::from(20));
        assert_eq!(p.other_currency_deals, 1);
        assert_eq!(p.open_deals, 2);
        // Moving Big to negotiation adds 100k weighted: first. Coverage 1.1x < 3x: build pipeline.
        assert_eq!(p.next_best_actions[0].deal.as_deref(), Some("Big"));
        assert!(
            p.next_best_actions
                .iter()
                .any(|a| a.action.starts_with("Build pipeline"))
        );
        let ranks: Vec<u32> = p.next_best_actions.iter().map(|a| a.rank).collect();
        assert_eq!(ranks, (1..=ranks.len() as u32).collect::<Vec<_>>());
    }

    #[test]
    fn a_past_close_date_asks_for_a_human_decision() {
        let rep = UserId::generate();
        let deals = [deal(
            rep,
            "Late",
            "10000",
            "EUR",
            Stage::Negotiation,
            "2027-01-10",
        )];
        let p = pursue(
            &quota(Some(rep), "10000"),
            &deals,
            &BTreeMap::new(),
            jiff::civil::date(2027, 2, 1),
        );
        let first = &p.next_best_actions[0];
        assert!(first.action.contains("new close date"), "{first:?}");
        assert!(first.reason.contains("passed 22 days ago"), "{first:?}");
    }
}
