//! Runs a skill for a tenant and records the run: the skill answers (a model or its offline
//! implementation), the guardrails judge each proposed action, and one transaction stores the run,
//! its actions, the approvals that wait for humans and the jobs that carry out what may run. LLM
//! calls are traced with the run's id.

use std::collections::HashMap;
use std::sync::Arc;

use domain::account::Account;
use domain::action::{ActionStatus, Decision, ProposedAction};
use domain::actor::Actor;
use domain::agent_run::{AgentRun, RunStatus};
use domain::approval::{Approval, ApprovalStatus};
use domain::contact::Contact;
use domain::id::{AccountId, ActionId, AgentRunId, ApprovalId, TenantId};
use domain::job::{DEFAULT_MAX_ATTEMPTS, JobKind};
use domain::llm_settings::BudgetState;
use llm::Gateway;
use store::jobs::NewJob;
use store::{Filter, SqlValue, Store, WriteCtx};

use crate::crew::sales::pricing::{Equivalence, package_percent};
use crate::guardrails::{self, KnownRecipients};
use crate::handler::HandlerError;
use crate::skill::{Skill, SkillContext, Trigger};

/// The executor's subscriber name.
pub const EXECUTOR: &str = "executor";

/// The payload an action runs with: the approved one (a human may have edited it) when it went
/// through an approval, else the one proposed.
pub async fn payload_to_run(
    store: &Store,
    tenant: TenantId,
    action: &ProposedAction,
) -> Result<domain::action::Action, store::Error> {
    match action.approval_id {
        Some(id) => Ok(store.approval(tenant, id).await?.payload),
        None => Ok(action.payload.clone()),
    }
}

/// Most proposals of one outside sender waiting for approval at once; more are held back so that
/// a flood of messages cannot flood the reviewers.
pub const MAX_PENDING_PER_SENDER: usize = 5;

/// What runs need.
#[derive(Clone)]
pub struct AgentDeps {
    pub store: Store,
    pub gateway: Arc<Gateway>,
    /// `AGENT_ARMY_PROMPT_CANARY`: placed in every agent's instructions so leaks can be seen.
    pub canary: Option<String>,
    /// The knowledge base: search with citations, and the embedding model if one is configured.
    pub library: Arc<knowledge::library::Library>,
}

/// How a run request ended.
#[derive(Debug)]
pub enum RunOutcome {
    Recorded(Box<AgentRun>),
    /// A run with the same dedupe key was recorded before; nothing was done.
    AlreadyRan,
}

/// Runs `skill` on the trigger and records everything, once per dedupe key.
pub async fn run_skill(
    deps: &AgentDeps,
    tenant: TenantId,
    skill: &dyn Skill,
    trigger: Trigger,
) -> Result<RunOutcome, HandlerError> {
    let store = &deps.store;
    if store.agent_run_exists(tenant, &trigger.dedupe_key).await? {
        return Ok(RunOutcome::AlreadyRan);
    }
    let run_id = AgentRunId::generate();
    let started_at = store::now();
    let settings = store.llm_settings(tenant).await?;
    let routed;
    let gateway: &Gateway = if settings.routes.is_empty() {
        &deps.gateway
    } else {
        routed = deps.gateway.with_routes(&settings.routes);
        &routed
    };
    let offline_only = budget_spent(store, tenant, &settings).await?;
    let cx = SkillContext {
        tenant,
        store,
        gateway,
        canary: deps.canary.as_deref(),
        offline_only,
    };
    let result = skill.run(&cx, &trigger.input).await;
    let finished_at = store::now();
    let (output, error) = match result {
        Ok(output) => (Some(output), None),
        Err(HandlerError::Transient(e)) => return Err(HandlerError::Transient(e)),
        Err(HandlerError::Permanent(e)) => (None, Some(e)),
    };
    let mut run = AgentRun {
        id: run_id,
        role: skill.role(),
        skill: skill.name().to_owned(),
        trigger: trigger.kind,
        trigger_event_id: trigger.event_id,
        activity_id: trigger.activity_id,
        account_id: trigger.account_id,
        opportunity_id: trigger.opportunity_id,
        sender: trigger.sender.clone(),
        dedupe_key: trigger.dedupe_key,
        status: if error.is_some() {
            RunStatus::Failed
        } else {
            RunStatus::Succeeded
        },
        input: trigger.input,
        output: None,
        answered_by: None,
        fallback_reason: None,
        error,
        injection_suspected: false,
        started_at,
        finished_at,
        actions: Vec::new(),
    };
    let mut approvals = Vec::new();
    let mut jobs = Vec::new();
    let mut attempts = Vec::new();
    if let Some(out) = output {
        let policy = store.guardrail_policy(tenant).await?;
        let mut pending_from_sender = match &run.sender {
            Some(sender) => store.pending_from_sender(tenant, sender).await?,
            None => Vec::new(),
        };
        let mut known: HashMap<Option<AccountId>, KnownRecipients> = HashMap::new();
        run.injection_suspected = domain::injection::suspected(&out.untrusted);
        for action in out.actions {
            let account = action.account_id().or(run.account_id);
            if let std::collections::hash_map::Entry::Vacant(slot) = known.entry(account) {
                slot.insert(known_recipients(store, tenant, account).await?);
            }
            let verdict = guardrails::evaluate(
                &action,
                &guardrails::Context {
                    policy: &policy,
                    allowed: skill.allowed_actions(),
                    known: &known[&account],
                    source_text: &out.untrusted,
                    canary: deps.canary.as_deref(),
                    discount_band: discount_band(store, tenant, &action).await?,
                },
            );
            run.injection_suspected |= verdict.injection_suspected;
            let verdict = cap_per_sender(
                verdict,
                &action,
                run.sender.as_deref(),
                &mut pending_from_sender,
            );
            let id = ActionId::generate();
            let approval_id =
                (verdict.decision == Decision::PendingApproval).then(ApprovalId::generate);
            let status = match verdict.decision {
                Decision::Executed => ActionStatus::Queued,
                Decision::PendingApproval => ActionStatus::AwaitingApproval,
                Decision::Forbidden => ActionStatus::Blocked,
            };
            if let Some(approval_id) = approval_id {
                approvals.push(Approval {
                    id: approval_id,
                    action_id: id,
                    run_id,
                    role: skill.role(),
                    kind: action.kind(),
                    payload: action.clone(),
                    reasons: verdict.reasons.clone(),
                    status: ApprovalStatus::Pending,
                    requested_by: trigger.requested_by,
                    edited: false,
                    decided_by: None,
                    decided_at: None,
                    note: None,
                    executed_at: None,
                    requested_at: finished_at,
                    version: 1,
                });
            }
            if verdict.decision == Decision::Executed {
                jobs.push(execution_job(id, finished_at));
            }
            run.actions.push(ProposedAction {
                id,
                run_id,
                role: skill.role(),
                kind: action.kind(),
                payload: action,
                decision: verdict.decision,
                reasons: verdict.reasons,
                approval_id,
                status,
                error: None,
                executed_at: None,
                created_at: finished_at,
            });
        }
        run.output = Some(out.output);
        run.answered_by = Some(out.answered_by);
        run.fallback_reason = out.fallback_reason;
        attempts = out.attempts;
    }
    let w = WriteCtx {
        tenant,
        actor: Actor::agent(skill.role()),
        request_id: None,
        now: finished_at,
    };
    if !store.record_agent_run(&w, &run, &approvals, &jobs).await? {
        // Another delivery of the same trigger recorded its run first; this one's model calls
        // were spent but nothing else happened.
        return Ok(RunOutcome::AlreadyRan);
    }
    let source = llm::record::CallSource {
        route: skill.role().as_str(),
        skill: Some(skill.name()),
        prompt: None,
        prices: &settings.prices,
        agent_run_id: Some(run_id.as_uuid()),
    };
    let calls = llm::record::to_calls(gateway, &source, attempts, None, started_at);
    if let Err(e) = store.record_llm_calls(tenant, &calls).await {
        tracing::warn!(%tenant, run = %run_id, error = %e, "recording the run's LLM calls failed");
    }
    Ok(RunOutcome::Recorded(Box::new(run)))
}

/// Holds back a proposal that would wait for approval when the same one already waits for this
/// sender, or when the sender already has [`MAX_PENDING_PER_SENDER`] waiting.
fn cap_per_sender(
    verdict: guardrails::Verdict,
    action: &domain::action::Action,
    sender: Option<&str>,
    pending: &mut Vec<domain::action::Action>,
) -> guardrails::Verdict {
    let Some(sender) = sender else {
        return verdict;
    };
    if verdict.decision != Decision::PendingApproval {
        return verdict;
    }
    let held = if pending.contains(action) {
        Some(format!(
            "the same proposal for {sender} already waits for approval"
        ))
    } else if pending.len() >= MAX_PENDING_PER_SENDER {
        Some(format!(
            "{sender} already has {MAX_PENDING_PER_SENDER} proposals waiting for approval; held back so reviewers are not flooded"
        ))
    } else {
        None
    };
    match held {
        Some(reason) => {
            let mut reasons = vec![reason];
            reasons.extend(verdict.reasons);
            guardrails::Verdict {
                decision: Decision::Forbidden,
                reasons,
                injection_suspected: verdict.injection_suspected,
            }
        }
        None => {
            pending.push(action.clone());
            verdict
        }
    }
}

/// The job that carries out an action once it may run.
pub fn execution_job(action: ActionId, at: jiff::Timestamp) -> NewJob {
    NewJob {
        kind: JobKind::Action,
        subscriber: EXECUTOR.into(),
        subject_id: action.as_uuid(),
        dedupe_key: format!("action:{action}"),
        max_attempts: DEFAULT_MAX_ATTEMPTS,
        run_at: at,
    }
}

async fn budget_spent(
    store: &Store,
    tenant: TenantId,
    settings: &domain::llm_settings::LlmSettings,
) -> Result<bool, HandlerError> {
    if settings.monthly_token_budget.is_none() && settings.monthly_cost_budget_usd.is_none() {
        return Ok(false);
    }
    let since = domain::llm_settings::month_start(store::now());
    let (tokens, micros) = store.llm_spend_since(tenant, since).await?;
    let cost = rust_decimal::Decimal::new(micros, 6);
    Ok(domain::llm_settings::state_of(settings, tokens, cost) == BudgetState::Exceeded)
}

/// What the catalog's discount bands say of a discount offer, for the deal's products and
/// region (`None` for other actions, or when no band applies). The bands judge the whole
/// package: percent off, free months, waived fees, credits and extra payment days as one
/// percent of the deal value ([`package_percent`] with the default [`Equivalence`]), so 5 % off
/// with three free months of a 12-month term counts as 30 %.
pub async fn discount_band(
    store: &Store,
    tenant: TenantId,
    action: &domain::action::Action,
) -> Result<Option<domain::catalog::BandVerdict>, store::Error> {
    let domain::action::Action::OfferDiscount(offer) = action else {
        return Ok(None);
    };
    let mut opportunity: domain::opportunity::Opportunity =
        match store.get(tenant, offer.opportunity_id.as_uuid()).await {
            Ok(opportunity) => opportunity,
            // An unknown deal: the executor refuses the action; no band to apply.
            Err(store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
    // Banded in the region it is priced in: its own, else its account's.
    opportunity.region =
        crate::crew::sales::pricing::priced_region(store, tenant, &opportunity).await?;
    let bands = store.discount_bands(tenant).await?;
    Ok(band_of_package(&bands, &opportunity, offer))
}

/// The bands' verdict on everything an offer gives away, valued against the deal's amount.
fn band_of_package(
    bands: &[domain::catalog::DiscountBand],
    deal: &domain::opportunity::Opportunity,
    offer: &domain::action::DiscountOffer,
) -> Option<domain::catalog::BandVerdict> {
    let percent = package_percent(offer, deal.amount.amount(), &Equivalence::default());
    domain::catalog::band_verdict(bands, &deal.product_ids, deal.region.as_ref(), percent)
}

/// The addresses and domains recorded on an account: its domains and its contacts' addresses.
pub async fn known_recipients(
    store: &Store,
    tenant: TenantId,
    account: Option<AccountId>,
) -> Result<KnownRecipients, store::Error> {
    let mut known = KnownRecipients::default();
    let Some(account) = account else {
        return Ok(known);
    };
    let record: Account = match store.get(tenant, account.as_uuid()).await {
        Ok(a) => a,
        Err(store::Error::NotFound { .. }) => return Ok(known),
        Err(e) => return Err(e),
    };
    known
        .domains
        .extend(record.domains.iter().map(|d| d.as_str().to_owned()));
    let filters = vec![Filter::Eq(
        "account_id",
        SqlValue::Uuid(Some(account.as_uuid())),
    )];
    let contacts: Vec<Contact> = store.list_all(tenant, filters, usize::MAX).await?;
    known.emails.extend(
        contacts
            .iter()
            .filter_map(|c| c.email.as_ref())
            .map(|e| e.as_str().to_owned()),
    );
    Ok(known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::action::{Action, DiscountOffer};
    use domain::catalog::{Approver, BandVerdict, DiscountBand};
    use domain::guardrail_policy::{GuardrailPolicy, PolicyMode};
    use domain::id::DiscountBandId;
    use domain::opportunity::{NewOpportunity, Opportunity};
    use rust_decimal::Decimal;

    fn deal() -> Opportunity {
        let new: NewOpportunity = serde_json::from_value(serde_json::json!({
            "account_id": AccountId::generate(), "name": "Acme rollout",
            "amount": {"amount": "100000", "currency": "EUR"}, "close_date": "2027-06-30",
            "region": "EMEA",
        }))
        .unwrap();
        new.into_opportunity(store::now()).unwrap()
    }

    fn band(up_to: i64, approval: Approver) -> DiscountBand {
        DiscountBand {
            id: DiscountBandId::generate(),
            product_id: None,
            region: None,
            up_to_percent: Decimal::from(up_to),
            approval,
        }
    }

    #[test]
    fn free_months_push_a_package_into_a_higher_band_than_its_percent() {
        let deal = deal();
        let bands = [
            band(10, Approver::None),
            band(20, Approver::Manager),
            band(30, Approver::Director),
        ];
        let offer = |free_months: u32| DiscountOffer {
            opportunity_id: deal.id,
            percent: Decimal::from(5),
            free_months,
            waived_fees: Decimal::ZERO,
            credits: Decimal::ZERO,
            extra_payment_days: 0,
            note: None,
        };
        let plain = domain::catalog::band_verdict(
            &bands,
            &deal.product_ids,
            deal.region.as_ref(),
            offer(3).percent,
        );
        let free = Some(BandVerdict::Band {
            approval: Approver::None,
            up_to_percent: Decimal::from(10),
        });
        assert_eq!(plain, free, "5 % alone is inside the free band");
        assert_eq!(band_of_package(&bands, &deal, &offer(0)), free);
        // 5 % and three free months of twelve are worth 30 %: the director's band.
        let package = band_of_package(&bands, &deal, &offer(3));
        assert_eq!(
            package,
            Some(BandVerdict::Band {
                approval: Approver::Director,
                up_to_percent: Decimal::from(30),
            })
        );
        // Four months are past every band.
        assert_eq!(
            band_of_package(&bands, &deal, &offer(4)),
            Some(BandVerdict::Beyond {
                max_percent: Decimal::from(30)
            })
        );
        // The guardrails name the band the package falls in, even when a tenant lets agents
        // offer discounts alone.
        let mut policy = GuardrailPolicy::default();
        policy
            .modes
            .insert("offer_discount".into(), PolicyMode::Execute);
        policy.auto_discount_max_percent = Decimal::from(10);
        let verdict = guardrails::evaluate(
            &Action::OfferDiscount(offer(3)),
            &guardrails::Context {
                policy: &policy,
                allowed: &[domain::action::ActionKind::OfferDiscount],
                known: &KnownRecipients::default(),
                source_text: "",
                canary: None,
                discount_band: package,
            },
        );
        assert_eq!(verdict.decision, Decision::PendingApproval);
        assert!(
            (verdict.reasons.iter())
                .any(|r| r.contains("band up to 30%, which needs director approval")),
            "{:?}",
            verdict.reasons
        );
    }
}
