//! The executor: carries out an action the guardrails let run or a human approved, exactly once.
//! Messages go to the outbox in the same transaction that marks the action done; other effects
//! are written with the action's id as their idempotency key, so a second delivery replays
//! instead of repeating. Before it acts, the executor checks the hard rules again on the payload
//! it is about to run (an approval may have edited it).

use async_trait::async_trait;
use domain::action::{Action, ActionStatus, ProposedAction};
use domain::actor::Actor;
use domain::agent_run::RunTrigger;
use domain::id::{ActionId, OutboxId, TenantId};
use domain::job::{DEFAULT_MAX_ATTEMPTS, JobKind};
use domain::outbox::{Channel, OutboxEntry};
use domain::stage::{Stage, StageMove};
use domain::text::Email;
use store::jobs::{Job, NewJob};
use store::{Idempotency, WriteCtx};

use crate::handler::{Handler, HandlerError};
use crate::runner::{AgentDeps, EXECUTOR};

/// The executor handler.
pub struct Executor {
    deps: AgentDeps,
}

impl Executor {
    pub fn new(deps: AgentDeps) -> Self {
        Self { deps }
    }
}

#[async_trait]
impl Handler for Executor {
    fn name(&self) -> &str {
        EXECUTOR
    }

    async fn handle(&self, job: &Job) -> Result<(), HandlerError> {
        if job.kind != JobKind::Action {
            return Err(HandlerError::Permanent(format!(
                "the executor runs actions, not {}",
                job.kind
            )));
        }
        let tenant = job.tenant;
        let store = &self.deps.store;
        let action = store
            .agent_action(tenant, ActionId::from_uuid(job.subject_id))
            .await?;
        if action.status != ActionStatus::Queued {
            // Done already (a second delivery), or never released.
            return Ok(());
        }
        // What runs is the approved payload, which a human may have edited.
        let payload = crate::runner::payload_to_run(store, tenant, &action).await?;
        let w = WriteCtx {
            tenant,
            actor: Actor::agent(action.role),
            request_id: None,
            now: store::now(),
        };
        if let Err(refusal) = recheck(&payload) {
            store.finish_action(&w, action.id, Some(&refusal)).await?;
            return Ok(());
        }
        match self.execute(&w, &action, payload).await {
            Ok(()) => Ok(()),
            Err(HandlerError::Permanent(e)) => {
                store.finish_action(&w, action.id, Some(&e)).await?;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// The hard rules the executor checks on the exact payload it runs: recipients must be real
/// addresses, and nothing that only humans do runs whatever was approved.
fn recheck(payload: &Action) -> Result<(), String> {
    match payload {
        Action::SendEmail(e) => {
            for address in e.to.iter().chain(&e.cc).chain(&e.bcc) {
                Email::parse(address)
                    .map_err(|_| format!("{address:?} is not an email address"))?;
            }
            Ok(())
        }
        Action::MoveStage(m) if matches!(m.stage, Stage::ClosedWon | Stage::ClosedLost) => {
            Err("closing a deal stays human".into())
        }
        Action::SignContract(_) | Action::MoveMoney(_) => {
            Err("only humans sign and move money".into())
        }
        _ => Ok(()),
    }
}

/// An idempotency record keyed by the action, so a repeated create replays.
fn once(action: ActionId) -> Idempotency {
    Idempotency {
        key: format!("action:{action}"),
        fingerprint: action.as_uuid().as_bytes().to_vec(),
        status: 201,
        body: String::new(),
    }
}

impl Executor {
    async fn execute(
        &self,
        w: &WriteCtx,
        action: &ProposedAction,
        payload: Action,
    ) -> Result<(), HandlerError> {
        let store = &self.deps.store;
        let tenant = w.tenant;
        match payload {
            Action::SendEmail(email) => {
                let entry = OutboxEntry {
                    id: OutboxId::generate(),
                    channel: Channel::Email,
                    action_id: action.id,
                    run_id: action.run_id,
                    approval_id: action.approval_id,
                    account_id: email.account_id,
                    to: normalized(&email.to),
                    cc: normalized(&email.cc),
                    bcc: normalized(&email.bcc),
                    subject: Some(email.subject),
                    body: email.body,
                    created_at: w.now,
                };
                store.release_message(w, &entry).await?;
                return Ok(());
            }
            Action::PostChat(post) => {
                let entry = OutboxEntry {
                    id: OutboxId::generate(),
                    channel: Channel::Chat,
                    action_id: action.id,
                    run_id: action.run_id,
                    approval_id: action.approval_id,
                    account_id: post.account_id,
                    to: vec![post.space],
                    cc: Vec::new(),
                    bcc: Vec::new(),
                    subject: None,
                    body: post.text,
                    created_at: w.now,
                };
                store.release_message(w, &entry).await?;
                return Ok(());
            }
            Action::CreateTask(t) => {
                let task = domain::task::NewTask {
                    title: t.title,
                    description: t.description,
                    priority: None,
                    due_date: t.due_date,
                    assignee_id: t.assignee_id,
                    account_id: t.account_id,
                    opportunity_id: t.opportunity_id,
                }
                .into_task(w.now)
                .map_err(|e| HandlerError::Permanent(e.to_string()))?;
                store.create(w, task, Some(&once(action.id))).await?;
            }
            Action::AddContact(c) => {
                let email = c
                    .email
                    .as_deref()
                    .map(Email::parse)
                    .transpose()
                    .map_err(|e| HandlerError::Permanent(e.to_string()))?;
                let contact = domain::contact::NewContact {
                    account_id: c.account_id,
                    name: c.name,
                    email,
                    title: c.title,
                    phone: None,
                    persona_level: None,
                    buying_role: None,
                }
                .into_contact(w.now)
                .map_err(|e| HandlerError::Permanent(e.to_string()))?;
                store.create(w, contact, Some(&once(action.id))).await?;
            }
            Action::MoveStage(m) => {
                let request = StageMove {
                    stage: m.stage,
                    reason: m.reason,
                };
                match store.move_stage(w, m.opportunity_id, &request, None).await {
                    Ok(_) => {}
                    // Moved by an earlier delivery of this job.
                    Err(store::Error::Invalid(_))
                        if already_at(store, tenant, m.opportunity_id, m.stage).await? => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Action::Handoff(h) => {
                let job = NewJob {
                    kind: JobKind::Skill,
                    subscriber: h.to_role.as_str().to_owned(),
                    subject_id: action.id.as_uuid(),
                    dedupe_key: format!("handoff:{}", action.id),
                    max_attempts: DEFAULT_MAX_ATTEMPTS,
                    run_at: w.now,
                };
                store.enqueue_job(tenant, &job).await?;
            }
            Action::OfferDiscount(offer) => {
                // The offer itself is made by people; the approved band is recorded on the deal.
                let note = domain::activity::NewActivity {
                    kind: domain::activity::ActivityKind::Note,
                    subject: Some("Approved discount band".into()),
                    body: serde_json::to_string_pretty(&offer).unwrap_or_default(),
                    occurred_at: Some(w.now),
                    ended_at: None,
                    account_id: None,
                    opportunity_id: Some(offer.opportunity_id),
                    participants: Vec::new(),
                }
                .into_activity(w.now)
                .map_err(|e| HandlerError::Permanent(e.to_string()))?;
                store.create(w, note, Some(&once(action.id))).await?;
            }
            Action::SignContract(_) | Action::MoveMoney(_) => {
                return Err(HandlerError::Permanent(
                    "only humans sign and move money".into(),
                ));
            }
        }
        store.finish_action(w, action.id, None).await?;
        Ok(())
    }
}

async fn already_at(
    store: &store::Store,
    tenant: TenantId,
    id: domain::id::OpportunityId,
    stage: Stage,
) -> Result<bool, HandlerError> {
    let opportunity: domain::opportunity::Opportunity = store.get(tenant, id.as_uuid()).await?;
    Ok(opportunity.stage == stage)
}

fn normalized(addresses: &[String]) -> Vec<String> {
    addresses
        .iter()
        .map(|a| Email::parse(a).map_or_else(|_| a.clone(), |e| e.as_str().to_owned()))
        .collect()
}

/// The trigger of a run handed over by another role's action.
pub fn handoff_trigger(
    action: &ProposedAction,
    handoff: &domain::action::HandoffDraft,
) -> crate::skill::Trigger {
    crate::skill::Trigger {
        kind: RunTrigger::Handoff,
        event_id: None,
        activity_id: None,
        account_id: handoff.account_id,
        opportunity_id: handoff.opportunity_id,
        dedupe_key: format!("handoff:{}", action.id),
        requested_by: None,
        sender: None,
        input: serde_json::json!({
            "account_id": handoff.account_id,
            "opportunity_id": handoff.opportunity_id,
            "reason": handoff.reason,
        }),
    }
}
