//! The crew: each role's skills, and the handlers the runtime runs.

pub mod after_close;
pub mod operations;
pub mod sales;

use std::sync::Arc;

use domain::agent::AgentRole;

use crate::executor::Executor;
use crate::handler::Handler;
use crate::role::RoleHandler;
use crate::runner::AgentDeps;
use crate::skill::{Skill, Typed};

/// Every skill of the crew.
pub fn skills() -> Vec<Arc<dyn Skill>> {
    vec![
        Arc::new(Typed(sales::TriageEmail)),
        Arc::new(Typed(sales::MeetingMinutes)),
        Arc::new(Typed(sales::qualify::Qualify)),
        Arc::new(Typed(sales::intake::ProposeContacts)),
        Arc::new(Typed(sales::pricing::ProposeDiscount)),
        Arc::new(Typed(sales::daily_plan::DailyPlan)),
        Arc::new(Typed(sales::outreach::DraftOutreach)),
        Arc::new(Typed(after_close::Kickoff)),
        Arc::new(Typed(after_close::OnboardingPlan)),
        Arc::new(Typed(after_close::InvoiceSchedule)),
        Arc::new(Typed(operations::PipelineReviewSkill)),
        Arc::new(Typed(operations::WeeklyForecastSkill)),
        Arc::new(Typed(operations::DunningRunSkill)),
    ]
}

/// The skill of a role by name.
pub fn skill(role: AgentRole, name: &str) -> Option<Arc<dyn Skill>> {
    skills()
        .into_iter()
        .find(|s| s.role() == role && s.name() == name)
}

/// The runtime's handlers: one per role that has skills, and the executor.
pub fn handlers(deps: &AgentDeps) -> Vec<Arc<dyn Handler>> {
    let all = skills();
    let mut handlers: Vec<Arc<dyn Handler>> = Vec::new();
    for role in AgentRole::ALL {
        let mine: Vec<Arc<dyn Skill>> = all.iter().filter(|s| s.role() == *role).cloned().collect();
        if !mine.is_empty() {
            handlers.push(Arc::new(RoleHandler::new(*role, deps.clone(), mine)));
        }
    }
    handlers.push(Arc::new(Executor::new(deps.clone())));
    handlers.push(Arc::new(crate::schedule::Scheduler::new(deps.clone())));
    if deps.library.embedder_name().is_some() {
        handlers.push(Arc::new(crate::embedder::EmbedHandler::new(
            deps.store.clone(),
            deps.library.clone(),
        )));
    }
    handlers
}

/// A date `days` after today (UTC).
pub(crate) fn in_days(days: u32) -> Option<jiff::civil::Date> {
    let today = store::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    today
        .checked_add(jiff::Span::new().days(i64::from(days)))
        .ok()
}
