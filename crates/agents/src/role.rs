//! A role of the crew as a job handler: it receives the events its skills subscribe to and the
//! work other roles hand it, and runs the matching skills. Events caused by agents themselves do
//! not start runs, so agents cannot trigger each other in loops; only handoffs (released by the
//! guardrails) pass work between roles.

use std::sync::Arc;

use async_trait::async_trait;
use domain::action::Action;
use domain::agent::AgentRole;
use domain::id::ActionId;
use domain::job::JobKind;
use store::jobs::Job;

use crate::handler::{Handler, HandlerError};
use crate::runner::{AgentDeps, run_skill};
use crate::skill::Skill;

/// One role and its skills.
pub struct RoleHandler {
    role: AgentRole,
    deps: AgentDeps,
    skills: Vec<Arc<dyn Skill>>,
}

impl RoleHandler {
    pub fn new(role: AgentRole, deps: AgentDeps, skills: Vec<Arc<dyn Skill>>) -> Self {
        Self { role, deps, skills }
    }
}

#[async_trait]
impl Handler for RoleHandler {
    fn name(&self) -> &str {
        self.role.as_str()
    }

    fn event_kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .skills
            .iter()
            .flat_map(|s| s.triggers().iter().map(|k| (*k).to_owned()))
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    async fn handle(&self, job: &Job) -> Result<(), HandlerError> {
        let tenant = job.tenant;
        let store = &self.deps.store;
        match job.kind {
            JobKind::Event => {
                let event = store.event(tenant, job.subject_id).await?;
                if event.actor_kind == "agent" {
                    return Ok(());
                }
                for skill in &self.skills {
                    if !skill.triggers().contains(&event.kind.as_str()) {
                        continue;
                    }
                    if let Some(mut trigger) = skill.on_event(store, tenant, &event).await? {
                        trigger.dedupe_key = format!("{}:{}", job.dedupe_key, skill.name());
                        run_skill(&self.deps, tenant, skill.as_ref(), trigger).await?;
                    }
                }
                Ok(())
            }
            JobKind::Skill => {
                let action = store
                    .agent_action(tenant, ActionId::from_uuid(job.subject_id))
                    .await?;
                let payload = crate::runner::payload_to_run(store, tenant, &action).await?;
                let Action::Handoff(handoff) = payload else {
                    return Err(HandlerError::Permanent(format!(
                        "action {} is not a handoff",
                        action.id
                    )));
                };
                let skill = self
                    .skills
                    .iter()
                    .find(|s| s.name() == handoff.skill)
                    .ok_or_else(|| {
                        HandlerError::Permanent(format!(
                            "{} has no skill {:?}",
                            self.role, handoff.skill
                        ))
                    })?;
                let trigger = crate::executor::handoff_trigger(&action, &handoff);
                run_skill(&self.deps, tenant, skill.as_ref(), trigger).await?;
                Ok(())
            }
            other => Err(HandlerError::Permanent(format!(
                "{} does not run {other} jobs",
                self.role
            ))),
        }
    }
}
