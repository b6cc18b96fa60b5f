//! Scheduled skills: the Business Operations daily pipeline review and weekly forecast, and the
//! Collections dunning run, each per region. The scheduler gathers the region's data into the
//! skill's input, so the skills (and their offline implementations) are pure over it.

use std::collections::{BTreeMap, HashSet};

use async_trait::async_trait;
use domain::action::{Action, ActionKind, TaskDraft};
use domain::agent::AgentRole;
use domain::id::{OpportunityId, TaskId, TenantId};
use domain::opportunity::Opportunity;
use domain::region::Region;
use domain::stage::Stage;
use domain::task::{Task, TaskStatus};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::{Filter, SqlValue, Store};

use super::in_days;
use crate::handler::HandlerError;
use crate::schedule::Schedule;
use crate::skill::StructuredSkill;

/// Most deals or tasks one scheduled run reads.
const MAX_ROWS: usize = 5000;

/// An open deal as the review reads it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DealLine {
    #[schemars(with = "String")]
    pub opportunity_id: OpportunityId,
    pub name: String,
    #[schemars(with = "String")]
    pub stage: Stage,
    /// Decimal amount.
    pub amount: String,
    pub currency: String,
    /// `YYYY-MM-DD`.
    pub close_date: String,
}

/// A region's open pipeline on a date.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineInput {
    pub region: String,
    /// `YYYY-MM-DD`, the region's local date.
    pub date: String,
    pub deals: Vec<DealLine>,
}

/// An overdue payment check of a won deal.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentCheck {
    #[schemars(with = "String")]
    pub task_id: TaskId,
    #[schemars(with = "String")]
    pub opportunity_id: OpportunityId,
    pub deal: String,
    pub amount: String,
    pub currency: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
}

/// A region's overdue payment checks on a date.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DunningInput {
    pub region: String,
    pub date: String,
    pub overdue: Vec<PaymentCheck>,
}

async fn all<R: store::Resource>(
    store: &Store,
    tenant: TenantId,
    filters: Vec<Filter>,
) -> Result<Vec<R>, HandlerError> {
    Ok(store.list_all(tenant, filters, MAX_ROWS).await?)
}

/// The input of a scheduled skill: the region's data as of the firing.
pub async fn scheduled_input(
    store: &Store,
    tenant: TenantId,
    region: &Region,
    schedule: &Schedule,
    at: jiff::Timestamp,
) -> Result<serde_json::Value, HandlerError> {
    let date = jiff::tz::TimeZone::get(region.time_zone.as_str())
        .map(|tz| at.to_zoned(tz).date())
        .unwrap_or_else(|_| at.to_zoned(jiff::tz::TimeZone::UTC).date());
    let in_region = Filter::Eq("region", SqlValue::text(region.code.as_str()));
    let value = match schedule.skill {
        "daily_plan" => serde_json::to_value(
            super::sales::daily_plan::daily_plan_input(store, tenant, region, date).await?,
        ),
        "dunning_run" => {
            let won: Vec<Opportunity> = all(
                store,
                tenant,
                vec![
                    in_region,
                    Filter::Eq("stage", SqlValue::text(Stage::ClosedWon)),
                ],
            )
            .await?;
            let won_ids: HashSet<OpportunityId> = won.iter().map(|o| o.id).collect();
            let tasks: Vec<Task> = all(
                store,
                tenant,
                vec![
                    Filter::Eq("status", SqlValue::text(TaskStatus::Open)),
                    Filter::Before("due_date", SqlValue::Date(Some(date))),
                ],
            )
            .await?;
            let overdue = tasks
                .into_iter()
                .filter(|t| t.title.starts_with("Check payment"))
                .filter_map(|t| {
                    let opportunity = won
                        .iter()
                        .find(|o| Some(o.id) == t.opportunity_id && won_ids.contains(&o.id))?;
                    Some(PaymentCheck {
                        task_id: t.id,
                        opportunity_id: opportunity.id,
                        deal: opportunity.name.clone(),
                        amount: opportunity.amount.amount().to_string(),
                        currency: opportunity.amount.currency().to_string(),
                        due_date: t.due_date.map(|d| d.to_string()).unwrap_or_default(),
                    })
                })
                .collect();
            serde_json::to_value(DunningInput {
                region: region.code.as_str().to_owned(),
                date: date.to_string(),
                overdue,
            })
        }
        _ => {
            let open: Vec<Opportunity> = all(store, tenant, vec![in_region]).await?;
            let deals = open
                .into_iter()
                .filter(|o| o.stage.is_open())
                .map(|o| DealLine {
                    opportunity_id: o.id,
                    name: o.name,
                    stage: o.stage,
                    amount: o.amount.amount().to_string(),
                    currency: o.amount.currency().to_string(),
                    close_date: o.close_date.to_string(),
                })
                .collect();
            serde_json::to_value(PipelineInput {
                region: region.code.as_str().to_owned(),
                date: date.to_string(),
                deals,
            })
        }
    };
    value.map_err(|e| HandlerError::Permanent(e.to_string()))
}

fn amount(text: &str) -> Decimal {
    text.parse().unwrap_or(Decimal::ZERO)
}

/// The share of a deal's amount a stage expects to win.
pub fn stage_weight(stage: Stage) -> Decimal {
    match stage {
        Stage::Prospecting => Decimal::new(5, 2),
        Stage::Qualification => Decimal::new(10, 2),
        Stage::Discovery => Decimal::new(20, 2),
        Stage::Solution => Decimal::new(35, 2),
        Stage::Proposal => Decimal::new(50, 2),
        Stage::Negotiation => Decimal::new(75, 2),
        Stage::ClosedWon => Decimal::ONE,
        Stage::ClosedLost => Decimal::ZERO,
    }
}

/// The daily pipeline review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PipelineReview {
    pub summary: String,
    pub open_deals: u32,
    /// Deals per stage.
    pub by_stage: BTreeMap<String, u32>,
    /// Open deals whose close date has passed.
    pub overdue: Vec<OverdueDeal>,
}

/// A deal past its close date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OverdueDeal {
    #[schemars(with = "String")]
    pub opportunity_id: OpportunityId,
    pub name: String,
    pub close_date: String,
}

/// Daily pipeline hygiene per region: stage counts and deals past their close date.
pub struct PipelineReviewSkill;

#[async_trait]
impl StructuredSkill for PipelineReviewSkill {
    type Input = PipelineInput;
    type Output = PipelineReview;

    const NAME: &'static str = "pipeline_review";
    const ROLE: AgentRole = AgentRole::BusinessOperations;
    const DESCRIPTION: &'static str = "Daily pipeline hygiene for a region: deals per stage and open deals past their close date, with tasks to fix them.";
    const ALLOWED: &'static [ActionKind] = &[ActionKind::CreateTask];

    fn instructions(&self) -> &'static str {
        "Review the region's open pipeline: count deals per stage, list open deals whose close date \
         has passed, and summarise the pipeline's health in two sentences. Reply in the JSON schema given."
    }

    fn request(&self, input: &PipelineInput) -> String {
        format!(
            "Region {} on {}. Open deals (JSON):\n{}",
            input.region,
            input.date,
            crate::prompt::fence(
                "crm",
                &serde_json::to_string(&input.deals).unwrap_or_default()
            )
        )
    }

    fn untrusted(&self, input: &PipelineInput) -> String {
        input
            .deals
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn offline(&self, input: &PipelineInput) -> PipelineReview {
        let mut by_stage = BTreeMap::new();
        for deal in &input.deals {
            *by_stage.entry(deal.stage.to_string()).or_insert(0) += 1;
        }
        let overdue: Vec<OverdueDeal> = input
            .deals
            .iter()
            .filter(|d| d.close_date < input.date)
            .map(|d| OverdueDeal {
                opportunity_id: d.opportunity_id,
                name: d.name.clone(),
                close_date: d.close_date.clone(),
            })
            .collect();
        let open_deals = u32::try_from(input.deals.len()).unwrap_or(u32::MAX);
        PipelineReview {
            summary: format!(
                "{}: {open_deals} open deals on {}; {} past their close date.",
                input.region,
                input.date,
                overdue.len()
            ),
            open_deals,
            by_stage,
            overdue,
        }
    }

    fn actions(&self, _input: &PipelineInput, output: &PipelineReview) -> Vec<Action> {
        output
            .overdue
            .iter()
            .take(10)
            .map(|d| {
                Action::CreateTask(TaskDraft {
                    title: format!("Update the close date of {}", d.name)
                        .chars()
                        .take(200)
                        .collect(),
                    description: Some(format!(
                        "The close date {} has passed and the deal is still open.",
                        d.close_date
                    )),
                    due_date: in_days(1),
                    assignee_id: None,
                    account_id: None,
                    opportunity_id: Some(d.opportunity_id),
                })
            })
            .collect()
    }
}

/// The weekly forecast of one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CurrencyForecast {
    pub currency: String,
    /// Sum of open amounts.
    pub pipeline: String,
    /// Amounts weighted by stage.
    pub weighted: String,
    /// Proposal and later.
    pub best_case: String,
    /// Negotiation.
    pub commit: String,
}

/// The weekly forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Forecast {
    pub summary: String,
    pub by_currency: Vec<CurrencyForecast>,
}

/// Weekly forecast per region: pipeline, stage-weighted, best case and commit, per currency.
pub struct WeeklyForecastSkill;

#[async_trait]
impl StructuredSkill for WeeklyForecastSkill {
    type Input = PipelineInput;
    type Output = Forecast;

    const NAME: &'static str = "weekly_forecast";
    const ROLE: AgentRole = AgentRole::BusinessOperations;
    const DESCRIPTION: &'static str = "Weekly forecast for a region: open pipeline, stage-weighted, best case (proposal and later) and commit (negotiation), per currency.";
    const ALLOWED: &'static [ActionKind] = &[];

    fn instructions(&self) -> &'static str {
        "Forecast the region's quarter from its open deals: per currency, the open pipeline, the \
         stage-weighted amount, best case (proposal and later) and commit (negotiation). Reply in \
         the JSON schema given."
    }

    fn request(&self, input: &PipelineInput) -> String {
        PipelineReviewSkill.request(input)
    }

    fn untrusted(&self, input: &PipelineInput) -> String {
        PipelineReviewSkill.untrusted(input)
    }

    fn offline(&self, input: &PipelineInput) -> Forecast {
        let mut sums: BTreeMap<String, [Decimal; 4]> = BTreeMap::new();
        for deal in &input.deals {
            let value = amount(&deal.amount);
            let entry = sums
                .entry(deal.currency.clone())
                .or_insert([Decimal::ZERO; 4]);
            entry[0] += value;
            entry[1] += value * stage_weight(deal.stage);
            if matches!(deal.stage, Stage::Proposal | Stage::Negotiation) {
                entry[2] += value;
            }
            if deal.stage == Stage::Negotiation {
                entry[3] += value;
            }
        }
        let by_currency: Vec<CurrencyForecast> = sums
            .into_iter()
            .map(
                |(currency, [pipeline, weighted, best, commit])| CurrencyForecast {
                    currency,
                    pipeline: pipeline.round_dp(2).to_string(),
                    weighted: weighted.round_dp(2).to_string(),
                    best_case: best.round_dp(2).to_string(),
                    commit: commit.round_dp(2).to_string(),
                },
            )
            .collect();
        let summary = if by_currency.is_empty() {
            format!(
                "{}: no open deals in the week of {}.",
                input.region, input.date
            )
        } else {
            let lines: Vec<String> = by_currency
                .iter()
                .map(|c| {
                    format!(
                        "{} commit {}, weighted {}",
                        c.currency, c.commit, c.weighted
                    )
                })
                .collect();
            format!(
                "{} forecast for the week of {}: {}.",
                input.region,
                input.date,
                lines.join("; ")
            )
        };
        Forecast {
            summary,
            by_currency,
        }
    }

    fn actions(&self, _input: &PipelineInput, _output: &Forecast) -> Vec<Action> {
        Vec::new()
    }
}

/// A payment reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Reminder {
    #[schemars(with = "String")]
    pub opportunity_id: OpportunityId,
    pub deal: String,
    pub days_overdue: i64,
    pub note: String,
}

/// The dunning run's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Dunning {
    pub summary: String,
    /// Riskiest first (amount times days overdue).
    pub reminders: Vec<Reminder>,
}

/// Daily dunning per region: overdue payment checks of won deals, ranked by risk, as chase tasks
/// for people (agents never move money).
pub struct DunningRunSkill;

#[async_trait]
impl StructuredSkill for DunningRunSkill {
    type Input = DunningInput;
    type Output = Dunning;

    const NAME: &'static str = "dunning_run";
    const ROLE: AgentRole = AgentRole::Collections;
    const DESCRIPTION: &'static str = "Daily dunning for a region: overdue payment checks of won deals, ranked by amount times days overdue, as chase tasks.";
    const ALLOWED: &'static [ActionKind] = &[ActionKind::CreateTask];

    fn instructions(&self) -> &'static str {
        "Rank the overdue payments by risk (amount times days overdue) and write a short, firm but \
         courteous note per deal for the person who will chase it. Never promise waivers or \
         credits. Reply in the JSON schema given."
    }

    fn request(&self, input: &DunningInput) -> String {
        format!(
            "Region {} on {}. Overdue payment checks (JSON):\n{}",
            input.region,
            input.date,
            crate::prompt::fence(
                "crm",
                &serde_json::to_string(&input.overdue).unwrap_or_default()
            )
        )
    }

    fn untrusted(&self, input: &DunningInput) -> String {
        input
            .overdue
            .iter()
            .map(|c| c.deal.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn offline(&self, input: &DunningInput) -> Dunning {
        let today: Option<jiff::civil::Date> = input.date.parse().ok();
        let mut ranked: Vec<(Decimal, Reminder)> = input
            .overdue
            .iter()
            .map(|c| {
                let days = match (today, c.due_date.parse::<jiff::civil::Date>()) {
                    (Some(today), Ok(due)) => (today - due).get_days().into(),
                    _ => 0,
                };
                let risk = amount(&c.amount) * Decimal::from(days.max(1));
                let reminder = Reminder {
                    opportunity_id: c.opportunity_id,
                    deal: c.deal.clone(),
                    days_overdue: days,
                    note: format!(
                        "Payment for {} ({} {}) is {days} days past the check date; confirm status with the billing contact.",
                        c.deal, c.amount, c.currency
                    ),
                };
                (risk, reminder)
            })
            .collect();
        ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
        let reminders: Vec<Reminder> = ranked.into_iter().map(|(_, r)| r).collect();
        Dunning {
            summary: format!(
                "{}: {} overdue payments on {}.",
                input.region,
                reminders.len(),
                input.date
            ),
            reminders,
        }
    }

    fn actions(&self, _input: &DunningInput, output: &Dunning) -> Vec<Action> {
        output
            .reminders
            .iter()
            .take(10)
            .map(|r| {
                Action::CreateTask(TaskDraft {
                    title: format!(
                        "Chase payment: {} ({} days overdue)",
                        r.deal, r.days_overdue
                    )
                    .chars()
                    .take(200)
                    .collect(),
                    description: Some(r.note.chars().take(2000).collect()),
                    due_date: in_days(0),
                    assignee_id: None,
                    account_id: None,
                    opportunity_id: Some(r.opportunity_id),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deal(stage: Stage, amount: &str, close: &str) -> DealLine {
        DealLine {
            opportunity_id: OpportunityId::generate(),
            name: format!("{stage} deal"),
            stage,
            amount: amount.into(),
            currency: "EUR".into(),
            close_date: close.into(),
        }
    }

    #[test]
    fn the_review_finds_overdue_deals_and_the_forecast_weights_stages() {
        let input = PipelineInput {
            region: "EMEA".into(),
            date: "2026-11-24".into(),
            deals: vec![
                deal(Stage::Negotiation, "100000", "2026-12-31"),
                deal(Stage::Proposal, "50000", "2026-11-01"),
                deal(Stage::Discovery, "10000", "2027-02-01"),
            ],
        };
        let review = PipelineReviewSkill.offline(&input);
        assert_eq!(review.open_deals, 3);
        assert_eq!(review.overdue.len(), 1);
        assert_eq!(PipelineReviewSkill.actions(&input, &review).len(), 1);
        let forecast = WeeklyForecastSkill.offline(&input);
        let eur = &forecast.by_currency[0];
        assert_eq!(eur.pipeline, "160000");
        assert_eq!(eur.weighted, "102000.00");
        assert_eq!(eur.best_case, "150000");
        assert_eq!(eur.commit, "100000");
    }

    #[test]
    fn dunning_ranks_by_amount_times_days() {
        let check = |deal: &str, amount: &str, due: &str| PaymentCheck {
            task_id: TaskId::generate(),
            opportunity_id: OpportunityId::generate(),
            deal: deal.into(),
            amount: amount.into(),
            currency: "USD".into(),
            due_date: due.into(),
        };
        let input = DunningInput {
            region: "AMERICAS".into(),
            date: "2026-11-24".into(),
            overdue: vec![
                check("Small", "1000", "2026-10-01"),
                check("Big", "90000", "2026-11-20"),
            ],
        };
        let out = DunningRunSkill.offline(&input);
        assert_eq!(out.reminders[0].deal, "Big");
        assert_eq!(out.reminders[0].days_overdue, 4);
        assert_eq!(out.reminders[1].days_overdue, 54);
    }
}
