//! Human decisions on held-back actions. Only a human user decides, never the person who asked for
//! the run; an edited payload goes through the guardrails again (a human approving it covers what
//! needed approval, but nothing forbidden becomes allowed); an approval queues the action's
//! execution in the same transaction, so it runs exactly once.

use domain::action::Decision;
use domain::approval::{Approval, ApprovalStatus, ApproveRequest};
use domain::catalog::{Approver, BandVerdict};
use domain::id::{ApprovalId, UserId};
use domain::user::{Role, User};
use store::WriteCtx;

use crate::guardrails;
use crate::runner::{AgentDeps, execution_job, known_recipients};

/// Why a decision was refused.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    #[error("the person who asked for this run cannot approve its actions")]
    OwnRequest,
    #[error("an edited payload must keep the action's kind ({0})")]
    KindChanged(String),
    #[error("the edited payload is forbidden: {}", .0.join("; "))]
    Forbidden(Vec<String>),
    #[error("a rejection needs a reason")]
    ReasonMissing,
    #[error("this discount needs {needed} approval: {detail}")]
    NotSeniorEnough {
        needed: &'static str,
        detail: String,
    },
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Approves an approval as `approver`, with an optional edited payload.
pub async fn approve(
    deps: &AgentDeps,
    w: &WriteCtx,
    id: ApprovalId,
    expected_version: Option<i64>,
    approver: UserId,
    request: ApproveRequest,
) -> Result<Approval, DecisionError> {
    let store = &deps.store;
    let current = store.approval(w.tenant, id).await?;
    if current.requested_by == Some(approver) {
        return Err(DecisionError::OwnRequest);
    }
    let edited = match request.payload {
        Some(payload) if payload != current.payload => {
            if payload.kind() != current.kind {
                return Err(DecisionError::KindChanged(current.kind.to_string()));
            }
            let run = store.agent_run(w.tenant, current.run_id).await?;
            let allowed = crate::crew::skill(run.role, &run.skill)
                .map(|s| s.allowed_actions())
                .unwrap_or_default();
            let policy = store.guardrail_policy(w.tenant).await?;
            let account = payload.account_id().or(run.account_id);
            let known = known_recipients(store, w.tenant, account).await?;
            let source = run.input.to_string();
            let verdict = guardrails::evaluate(
                &payload,
                &guardrails::Context {
                    policy: &policy,
                    allowed,
                    known: &known,
                    source_text: &source,
                    canary: deps.canary.as_deref(),
                    discount_band: crate::runner::discount_band(store, w.tenant, &payload).await?,
                },
            );
            if verdict.decision == Decision::Forbidden {
                return Err(DecisionError::Forbidden(verdict.reasons));
            }
            Some(payload)
        }
        _ => None,
    };
    // A discount's band names who may release it: a manager band needs a manager or an admin;
    // director, deal-desk and past-every-band offers need an admin (the tenant's most senior
    // role). Judged on what will run, edited or not.
    let runs = edited.as_ref().unwrap_or(&current.payload);
    if let Some(verdict) = crate::runner::discount_band(store, w.tenant, runs).await? {
        check_seniority(store, w.tenant, approver, verdict).await?;
    }
    let note = request
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let now = w.now;
    let approval = store
        .decide_approval(w, id, expected_version, move |a| {
            a.status = ApprovalStatus::Approved;
            a.decided_by = Some(approver);
            a.decided_at = Some(now);
            a.note = note;
            if let Some(payload) = edited {
                a.payload = payload;
                a.edited = true;
            }
            Ok(Some(execution_job(a.action_id, now)))
        })
        .await?;
    Ok(approval)
}

/// The role a band's approver maps to, and its name for the message; `None` when anyone may.
fn required_role(verdict: BandVerdict) -> Option<(Role, &'static str)> {
    match verdict {
        BandVerdict::Band {
            approval: Approver::None,
            ..
        } => None,
        BandVerdict::Band {
            approval: Approver::Manager,
            ..
        } => Some((Role::Manager, "manager")),
        BandVerdict::Band {
            approval: Approver::Director,
            ..
        } => Some((Role::Admin, "director (admin)")),
        BandVerdict::Band {
            approval: Approver::DealDesk,
            ..
        } => Some((Role::Admin, "deal desk (admin)")),
        BandVerdict::Beyond { .. } => Some((Role::Admin, "an exception (admin)")),
    }
}

async fn check_seniority(
    store: &store::Store,
    tenant: domain::id::TenantId,
    approver: UserId,
    verdict: BandVerdict,
) -> Result<(), DecisionError> {
    let Some((role, needed)) = required_role(verdict) else {
        return Ok(());
    };
    let user: User = store.get(tenant, approver.as_uuid()).await?;
    if user.role.privilege() >= role.privilege() {
        return Ok(());
    }
    let detail = match verdict {
        BandVerdict::Band { up_to_percent, .. } => {
            format!(
                "it falls in the band up to {up_to_percent}% and {} is a {}",
                user.name, user.role
            )
        }
        BandVerdict::Beyond { max_percent } => {
            format!(
                "it is past every band (at most {max_percent}%) and {} is a {}",
                user.name, user.role
            )
        }
    };
    Err(DecisionError::NotSeniorEnough { needed, detail })
}

/// Rejects an approval as `decider`, with a reason.
pub async fn reject(
    deps: &AgentDeps,
    w: &WriteCtx,
    id: ApprovalId,
    expected_version: Option<i64>,
    decider: UserId,
    reason: &str,
) -> Result<Approval, DecisionError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DecisionError::ReasonMissing);
    }
    let reason: String = reason.chars().take(2000).collect();
    let now = w.now;
    let approval = deps
        .store
        .decide_approval(w, id, expected_version, move |a| {
            a.status = ApprovalStatus::Rejected;
            a.decided_by = Some(decider);
            a.decided_at = Some(now);
            a.note = Some(reason);
            Ok(None)
        })
        .await?;
    Ok(approval)
}
