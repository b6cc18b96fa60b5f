//! The daily plan: every morning (07:30 in each region's time zone) each active rep of the
//! region gets a task with where their quotas stand and their next best actions, ranked with
//! reasons. Rules over the pursuit (see [`super::goals`]); no model, so the ranking is the one the
//! API shows.

use std::fmt::Write as _;

use async_trait::async_trait;
use domain::action::{Action, ActionKind, TaskDraft};
use domain::agent::AgentRole;
use domain::id::{TenantId, UserId};
use domain::region::Region;
use domain::user::User;
use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::{Filter, SqlValue, Store};

use super::goals::{NextBestAction, goals};
use crate::skill::StructuredSkill;

/// Most actions one day's plan lists.
const MAX_ACTIONS_PER_DAY: usize = 5;
/// Most reps one region's firing plans for.
const MAX_REPS: usize = 500;

/// One quota's standing, in a line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QuotaLine {
    /// `12% of 500000 EUR won; gap 440000; coverage 1.8x`.
    pub summary: String,
}

/// A rep's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepDay {
    #[schemars(with = "String")]
    pub user_id: UserId,
    pub name: String,
    pub quotas: Vec<QuotaLine>,
    pub actions: Vec<NextBestAction>,
}

/// The reps of a region on a day.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DailyPlanInput {
    pub region: String,
    /// `YYYY-MM-DD`, the region's local date.
    pub date: String,
    pub reps: Vec<RepDay>,
}

/// One rep's plan as a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RepPlan {
    #[schemars(with = "String")]
    pub user_id: UserId,
    pub title: String,
    pub body: String,
}

/// The region's plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DailyPlans {
    pub plans: Vec<RepPlan>,
}

/// The daily plan per rep.
pub struct DailyPlan;

/// The input of a firing: the region's active reps (home region) with their pursuits.
pub async fn daily_plan_input(
    store: &Store,
    tenant: TenantId,
    region: &Region,
    date: Date,
) -> Result<DailyPlanInput, store::Error> {
    let users: Vec<User> = store
        .list_all(
            tenant,
            vec![Filter::Eq(
                "home_region",
                SqlValue::text(region.code.as_str()),
            )],
            MAX_REPS,
        )
        .await?;
    let mut reps = Vec::new();
    for user in users.into_iter().filter(|u| u.active) {
        let pursuits = goals(store, tenant, Some(user.id), None, date).await?;
        if pursuits.is_empty() {
            continue;
        }
        let mut actions: Vec<NextBestAction> = pursuits
            .iter()
            .flat_map(|p| p.next_best_actions.iter().cloned())
            .collect();
        // One list across the rep's quotas: by value, each deal once.
        actions.sort_by(|a, b| {
            let value = |x: &NextBestAction| {
                x.value_at_stake
                    .parse::<rust_decimal::Decimal>()
                    .unwrap_or_default()
            };
            value(b).cmp(&value(a))
        });
        let mut seen = Vec::new();
        actions.retain(|a| {
            let key = (a.opportunity_id, a.action.clone());
            let new = !seen.contains(&key);
            seen.push(key);
            new
        });
        actions.truncate(MAX_ACTIONS_PER_DAY);
        for (i, a) in actions.iter_mut().enumerate() {
            a.rank = i as u32 + 1;
        }
        reps.push(RepDay {
            user_id: user.id,
            name: user.name,
            quotas: pursuits
                .iter()
                .map(|p| QuotaLine {
                    summary: format!(
                        "{}% of {} {} won ({} to {}); gap {}; coverage {}",
                        p.attainment_percent,
                        p.target,
                        p.currency,
                        p.period_start,
                        p.period_end,
                        p.gap,
                        p.coverage
                            .map_or_else(|| "n/a (target met)".to_owned(), |c| format!("{c}x"))
                    ),
                })
                .collect(),
            actions,
        });
    }
    Ok(DailyPlanInput {
        region: region.code.as_str().to_owned(),
        date: date.to_string(),
        reps,
    })
}

fn plan_body(rep: &RepDay) -> String {
    let mut body = String::from("Where you stand\n");
    for q in &rep.quotas {
        let _ = writeln!(body, "- {}", q.summary);
    }
    body.push_str("\nToday, in order\n");
    if rep.actions.is_empty() {
        body.push_str("- nothing pressing: review your accounts' whitespace\n");
    }
    for a in &rep.actions {
        let _ = writeln!(body, "{}. {}\n   Why: {}", a.rank, a.action, a.reason);
    }
    body
}

#[async_trait]
impl StructuredSkill for DailyPlan {
    type Input = DailyPlanInput;
    type Output = DailyPlans;

    const NAME: &'static str = "daily_plan";
    const ROLE: AgentRole = AgentRole::Sales;
    const DESCRIPTION: &'static str = "Each morning, a task per rep with their quota standing and next best actions, ranked with reasons.";
    const ALLOWED: &'static [ActionKind] = &[ActionKind::CreateTask];
    const USES_MODEL: bool = false;
    const MANUAL: bool = false;

    fn instructions(&self) -> &'static str {
        "Write each rep's plan for the day from their quota standing and ranked actions, keeping \
         the order and the reasons. Reply in the JSON schema given."
    }

    fn request(&self, input: &Self::Input) -> String {
        crate::prompt::fence(
            "crm",
            &serde_json::to_string(&input.reps).unwrap_or_default(),
        )
    }

    fn untrusted(&self, input: &Self::Input) -> String {
        input
            .reps
            .iter()
            .flat_map(|r| {
                r.actions
                    .iter()
                    .flat_map(|a| [a.action.as_str(), a.reason.as_str()])
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn offline(&self, input: &Self::Input) -> Self::Output {
        DailyPlans {
            plans: input
                .reps
                .iter()
                .map(|rep| RepPlan {
                    user_id: rep.user_id,
                    title: format!("Daily plan {}: {} actions", input.date, rep.actions.len()),
                    body: plan_body(rep),
                })
                .collect(),
        }
    }

    /// A task per rep, assigned to them and due the same day.
    fn actions(&self, input: &Self::Input, output: &Self::Output) -> Vec<Action> {
        let due = input.date.parse::<Date>().ok();
        output
            .plans
            .iter()
            .filter(|p| input.reps.iter().any(|r| r.user_id == p.user_id))
            .map(|p| {
                Action::CreateTask(TaskDraft {
                    title: p.title.chars().take(200).collect(),
                    description: Some(p.body.chars().take(8000).collect()),
                    due_date: due,
                    assignee_id: Some(p.user_id),
                    account_id: None,
                    opportunity_id: None,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rep_gets_one_task_with_ranked_reasons() {
        let rep = UserId::generate();
        let input = DailyPlanInput {
            region: "EMEA".into(),
            date: "2027-02-01".into(),
            reps: vec![RepDay {
                user_id: rep,
                name: "Mara".into(),
                quotas: vec![QuotaLine {
                    summary: "20% of 500000 EUR won".into(),
                }],
                actions: vec![NextBestAction {
                    rank: 1,
                    opportunity_id: None,
                    deal: Some("Big".into()),
                    action: "Review the proposal".into(),
                    reason: "Big (400000 EUR, proposal): adds 100000 weighted".into(),
                    value_at_stake: "100000".into(),
                }],
            }],
        };
        let out = DailyPlan.offline(&input);
        let actions = DailyPlan.actions(&input, &out);
        assert_eq!(actions.len(), 1);
        let Action::CreateTask(task) = &actions[0] else {
            unreachable!()
        };
        assert_eq!(task.assignee_id, Some(rep));
        assert_eq!(task.due_date, Some(jiff::civil::date(2027, 2, 1)));
        let body = task.description.as_deref().unwrap_or_default();
        assert!(
            body.contains("1. Review the proposal\n   Why: Big"),
            "{body}"
        );
    }
}
