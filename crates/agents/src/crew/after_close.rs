//! Handoffs after a human closes a deal as won: the Project Manager plans the kickoff, Customer
//! Success the onboarding, Collections the invoice schedule. Each starts only from a stage change
//! to Closed Won made by a human (never by an agent), and proposes tasks.

use async_trait::async_trait;
use domain::action::{Action, ActionKind, TaskDraft};
use domain::agent::AgentRole;
use domain::agent_run::RunTrigger;
use domain::event::Event;
use domain::id::{AccountId, OpportunityId, TenantId};
use domain::opportunity::Opportunity;
use domain::stage::Stage;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::Store;

use super::in_days;
use crate::handler::HandlerError;
use crate::skill::{StructuredSkill, Trigger};

/// The won deal.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WonDeal {
    #[schemars(with = "String")]
    pub opportunity_id: OpportunityId,
    #[schemars(with = "String")]
    pub account_id: AccountId,
    pub name: String,
    /// Amount and currency, for example `120000.00 EUR`.
    pub amount: String,
    /// The planned close date, `YYYY-MM-DD`.
    pub close_date: String,
}

/// A plan as tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskPlan {
    pub summary: String,
    pub tasks: Vec<PlannedTask>,
}

/// One task of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlannedTask {
    pub title: String,
    pub description: String,
    pub due_in_days: u32,
}

/// The deal a human closed as won, from a stage change event.
async fn won_by_a_human(
    store: &Store,
    tenant: TenantId,
    event: &Event,
) -> Result<Option<Trigger>, HandlerError> {
    let to_stage = event.payload["change"]["to_stage"].as_str();
    let human = matches!(event.actor_kind.as_str(), "user" | "operator");
    if to_stage != Some(Stage::ClosedWon.as_str()) || !human {
        return Ok(None);
    }
    let opportunity: Opportunity = match store.get(tenant, event.subject_id).await {
        Ok(o) => o,
        Err(store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let deal = WonDeal {
        opportunity_id: opportunity.id,
        account_id: opportunity.account_id,
        name: opportunity.name.clone(),
        amount: format!(
            "{} {}",
            opportunity.amount.amount(),
            opportunity.amount.currency()
        ),
        close_date: opportunity.close_date.to_string(),
    };
    Ok(Some(Trigger {
        kind: RunTrigger::Event,
        event_id: Some(event.id.as_uuid()),
        activity_id: None,
        account_id: Some(opportunity.account_id),
        opportunity_id: Some(opportunity.id),
        dedupe_key: String::new(),
        requested_by: None,
        sender: None,
        input: serde_json::to_value(&deal).map_err(|e| HandlerError::Permanent(e.to_string()))?,
    }))
}

fn plan_request(deal: &WonDeal, what: &str) -> String {
    format!(
        "The deal {:?} ({}) closed won; planned close {}. {what}",
        deal.name, deal.amount, deal.close_date
    )
}

fn tasks_of(deal: &WonDeal, plan: &TaskPlan) -> Vec<Action> {
    plan.tasks
        .iter()
        .take(12)
        .map(|t| {
            Action::CreateTask(TaskDraft {
                title: t.title.chars().take(200).collect(),
                description: Some(t.description.chars().take(4000).collect()),
                due_date: in_days(t.due_in_days.min(180)),
                assignee_id: None,
                account_id: Some(deal.account_id),
                opportunity_id: Some(deal.opportunity_id),
            })
        })
        .collect()
}

fn task(title: String, description: String, due_in_days: u32) -> PlannedTask {
    PlannedTask {
        title,
        description,
        due_in_days,
    }
}

macro_rules! after_close_skill {
    ($ty:ident, $name:literal, $role:expr, $description:literal, $instructions:literal, $offline:expr) => {
        #[doc = $description]
        pub struct $ty;

        #[async_trait]
        impl StructuredSkill for $ty {
            type Input = WonDeal;
            type Output = TaskPlan;

            const NAME: &'static str = $name;
            const ROLE: AgentRole = $role;
            const DESCRIPTION: &'static str = $description;
            const ALLOWED: &'static [ActionKind] = &[ActionKind::CreateTask];
            const TRIGGERS: &'static [&'static str] = &["opportunity.stage_changed"];

            fn instructions(&self) -> &'static str {
                $instructions
            }

            fn request(&self, input: &WonDeal) -> String {
                plan_request(input, $instructions)
            }

            fn untrusted(&self, input: &WonDeal) -> String {
                input.name.clone()
            }

            fn offline(&self, input: &WonDeal) -> TaskPlan {
                let offline: fn(&WonDeal) -> TaskPlan = $offline;
                offline(input)
            }

            fn actions(&self, input: &WonDeal, output: &TaskPlan) -> Vec<Action> {
                tasks_of(input, output)
            }

            async fn on_event(
                &self,
                store: &Store,
                tenant: TenantId,
                event: &Event,
            ) -> Result<Option<Trigger>, HandlerError> {
                won_by_a_human(store, tenant, event).await
            }
        }
    };
}

after_close_skill!(
    Kickoff,
    "kickoff",
    AgentRole::ProjectManager,
    "Plans the delivery kickoff of a won deal (PMBOK initiating: charter, stakeholders, kickoff, RAID log).",
    "Plan the delivery kickoff as tasks: project charter, stakeholder register, kickoff meeting, RAID log and the first status report.",
    |deal| {
        TaskPlan {
        summary: format!("Kickoff plan for {}", deal.name),
        tasks: vec![
            task(format!("Draft the project charter for {}", deal.name), format!("Scope, objectives, success criteria, budget ({}) and sponsor.", deal.amount), 3),
            task("Build the stakeholder register".into(), "Sponsor, decision makers and day-to-day contacts from the buying committee, with their interest and influence.".into(), 3),
            task("Schedule the kickoff meeting".into(), "Agenda: goals, scope, plan, roles, risks, communication cadence.".into(), 5),
            task("Open the RAID log".into(), "Risks, assumptions, issues and dependencies known at handover from sales.".into(), 5),
            task("Send the first RAG status report".into(), "Baseline schedule and status after kickoff.".into(), 10),
        ],
    }
    }
);

after_close_skill!(
    OnboardingPlan,
    "onboarding_plan",
    AgentRole::CustomerSuccess,
    "Plans the onboarding of a new customer: welcome, success plan, adoption checkpoints.",
    "Plan the customer's onboarding as tasks: welcome call, success plan with measurable outcomes, adoption checkpoints at 30, 60 and 90 days.",
    |deal| TaskPlan {
        summary: format!("Onboarding plan for {}", deal.name),
        tasks: vec![
            task(
                "Hold the welcome call".into(),
                "Introduce the customer success manager, confirm goals and contacts.".into(),
                5
            ),
            task(
                "Write the success plan".into(),
                "Outcomes the customer bought for, with measures and dates.".into(),
                10
            ),
            task(
                "30-day adoption check".into(),
                "Usage against the plan; unblock early issues.".into(),
                30
            ),
            task(
                "60-day adoption check".into(),
                "Usage trend, health score, expansion signals.".into(),
                60
            ),
            task(
                "90-day business review".into(),
                "Outcomes so far and the next quarter's goals.".into(),
                90
            ),
        ],
    }
);

after_close_skill!(
    InvoiceSchedule,
    "invoice_schedule",
    AgentRole::Collections,
    "Sets up the invoice schedule of a won deal; people issue invoices and collect money.",
    "Plan the invoice schedule as tasks for the finance team: billing contacts, purchase order, first invoice, payment terms follow-up. Never issue invoices or move money.",
    |deal| TaskPlan {
        summary: format!("Invoice schedule for {} ({})", deal.name, deal.amount),
        tasks: vec![
            task(
                "Confirm billing contacts and purchase order".into(),
                format!(
                    "Billing address, PO number and invoicing portal for {}.",
                    deal.name
                ),
                3
            ),
            task(
                "Prepare the first invoice for review".into(),
                format!(
                    "Amount per the order form ({}); a person issues it.",
                    deal.amount
                ),
                7
            ),
            task(
                "Check payment at due date".into(),
                "Standard terms are 30 days; start the dunning cadence if unpaid.".into(),
                37
            ),
        ],
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_plans_become_tasks_on_the_deal() {
        let deal = WonDeal {
            opportunity_id: OpportunityId::generate(),
            account_id: AccountId::generate(),
            name: "Acme rollout".into(),
            amount: "120000.00 EUR".into(),
            close_date: "2026-12-01".into(),
        };
        let plan = Kickoff.offline(&deal);
        let actions = Kickoff.actions(&deal, &plan);
        assert_eq!(actions.len(), 5);
        assert!(actions.iter().all(
            |a| matches!(a, Action::CreateTask(t) if t.opportunity_id == Some(deal.opportunity_id))
        ));
        assert!(
            InvoiceSchedule
                .offline(&deal)
                .summary
                .contains("120000.00 EUR")
        );
    }
}
