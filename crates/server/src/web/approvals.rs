//! The approvals inbox: what the guardrails held for a human, with the whole payload (every
//! recipient, Bcc included), the reasons it waits and the agent that proposed it; approve (an
//! email's subject and body may be edited first, and the guardrails judge the edit again), or
//! reject with a reason. Only writers see it, and the decision is the signed-in person's.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::action::Action;
use domain::actor::Actor;
use domain::approval::{Approval, ApprovalStatus, ApproveRequest};
use domain::id::{ApprovalId, TenantId};
use serde::Deserialize;
use store::{Filter, ListQuery, SqlValue, WriteCtx};

use super::session::{Signed, same, signed_in};
use super::{Chrome, forbidden, page, redirect, server_error};
use crate::state::AppState;

/// Most approvals the inbox lists at once.
const PAGE: u32 = 100;

/// One line of the inbox.
struct Line {
    id: ApprovalId,
    summary: String,
    role: String,
    reasons: String,
    created_at: String,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct InboxPage {
    chrome: Chrome,
    items: Vec<Line>,
}

/// An email's fields, shown apart so every recipient is visible.
struct MailView {
    to: String,
    cc: String,
    bcc: String,
    subject: String,
    body: String,
}

#[derive(Template)]
#[template(path = "approval.html")]
struct DetailPage {
    chrome: Chrome,
    id: ApprovalId,
    summary: String,
    role: String,
    skill: String,
    status: String,
    created_at: String,
    reasons: Vec<String>,
    /// The agent's own words on why (a stage move's or hand-off's reason, an offer's note).
    agent_reason: Option<String>,
    /// What the agent read: the activity that started the run.
    evidence: Option<Evidence>,
    /// The deal the run was about: id and name.
    deal: Option<(domain::id::OpportunityId, String)>,
    /// Who answered: a provider, or the offline engine and why.
    answered_by: String,
    injection_suspected: bool,
    email: Option<MailView>,
    payload: String,
    pending: bool,
    error: Option<String>,
}

/// The activity an agent acted on, as evidence beside its proposal (untrusted text, escaped).
struct Evidence {
    kind: String,
    subject: String,
    when: String,
    excerpt: String,
}

/// Longest excerpt of the activity shown beside a proposal, in characters.
const EXCERPT: usize = 1200;

/// A line saying what an action does.
fn summary(action: &Action) -> String {
    let clip = |s: &str| -> String { s.chars().take(80).collect() };
    match action {
        Action::SendEmail(e) => format!("Email to {}: {}", e.to.join(", "), clip(&e.subject)),
        Action::PostChat(c) => format!("Chat in {}: {}", c.space, clip(&c.text)),
        Action::CreateTask(t) => format!("Task: {}", clip(&t.title)),
        Action::MoveStage(m) => format!("Move a deal to {}", m.stage),
        Action::Handoff(h) => format!("Hand off to {}: {}", h.to_role, clip(&h.reason)),
        Action::AddContact(c) => format!(
            "Add contact {} {}",
            clip(&c.name),
            c.email.as_deref().unwrap_or("")
        ),
        Action::OfferDiscount(d) => format!("Discount offer: {}% off", d.percent),
        Action::SignContract(h) | Action::MoveMoney(h) => clip(&h.description),
    }
}

/// The signed-in writer, or the response to send instead.
async fn writer(state: &AppState, headers: &HeaderMap) -> Result<Signed, Response> {
    match signed_in(state, headers).await {
        Ok(Some(signed)) if signed.user.role.can_write() => Ok(signed),
        Ok(Some(_)) => Err(forbidden("Approvals are for people who may write.")),
        Ok(None) => Err(redirect("/login", &[])),
        Err(e) => Err(server_error(&e.to_string())),
    }
}

fn pending_query(limit: u32) -> ListQuery {
    ListQuery {
        filters: vec![Filter::Eq(
            "status",
            SqlValue::text(ApprovalStatus::Pending.as_str()),
        )],
        limit,
        ..ListQuery::default()
    }
}

/// How many proposals wait (up to a page), for the home page.
pub async fn pending_count(state: &AppState, tenant: TenantId) -> Result<usize, store::Error> {
    Ok(state
        .store
        .list_approvals(tenant, &pending_query(PAGE))
        .await?
        .items
        .len())
}

/// `GET /approvals`: the pending ones, oldest first.
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match writer(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let approvals = match state
        .store
        .list_approvals(signed.tenant, &pending_query(PAGE))
        .await
    {
        Ok(page) => page.items,
        Err(e) => return server_error(&e.to_string()),
    };
    let items = approvals
        .iter()
        .map(|a| Line {
            id: a.id,
            summary: summary(&a.payload),
            role: a.role.to_string(),
            reasons: a.reasons.join("; "),
            created_at: a.requested_at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect();
    page(
        StatusCode::OK,
        &InboxPage {
            chrome: Chrome::of(&signed, "/approvals"),
            items,
        },
        &[],
    )
}

async fn detail_page(
    state: &AppState,
    signed: &Signed,
    approval: &Approval,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let run = match state.store.agent_run(signed.tenant, approval.run_id).await {
        Ok(run) => run,
        Err(e) => return server_error(&e.to_string()),
    };
    let activity = match run.activity_id {
        Some(id) => match state
            .store
            .get::<domain::activity::Activity>(signed.tenant, id.as_uuid())
            .await
        {
            Ok(activity) => Some(activity),
            Err(store::Error::NotFound { .. }) => None,
            Err(e) => return server_error(&e.to_string()),
        },
        None => None,
    };
    let deal_id = run
        .opportunity_id
        .or_else(|| activity.as_ref().and_then(|a| a.opportunity_id));
    let deal = match deal_id {
        Some(id) => match state
            .store
            .get::<domain::opportunity::Opportunity>(signed.tenant, id.as_uuid())
            .await
        {
            Ok(deal) => Some((deal.id, deal.name)),
            Err(store::Error::NotFound { .. }) => None,
            Err(e) => return server_error(&e.to_string()),
        },
        None => None,
    };
    let agent_reason = match &approval.payload {
        Action::MoveStage(m) => m.reason.clone(),
        Action::Handoff(h) => Some(h.reason.clone()),
        Action::OfferDiscount(d) => d.note.clone(),
        _ => None,
    };
    let answered_by = match (&run.answered_by, &run.fallback_reason) {
        (Some(by), Some(why)) => format!("{by} ({why})"),
        (Some(by), None) => by.clone(),
        (None, _) => "nobody yet".to_owned(),
    };
    let injection_suspected =
        run.injection_suspected || activity.as_ref().is_some_and(|a| a.injection_suspected);
    let evidence = activity.map(|a| {
        let mut excerpt: String = a.body.chars().take(EXCERPT).collect();
        if a.body.chars().count() > EXCERPT {
            excerpt.push('…');
        }
        Evidence {
            kind: a.kind.to_string(),
            subject: a.subject.unwrap_or_default(),
            when: a.occurred_at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
            excerpt,
        }
    });
    let skill = run.skill;
    let email = match &approval.payload {
        Action::SendEmail(e) => Some(MailView {
            to: e.to.join(", "),
            cc: e.cc.join(", "),
            bcc: e.bcc.join(", "),
            subject: e.subject.clone(),
            body: e.body.clone(),
        }),
        _ => None,
    };
    page(
        status,
        &DetailPage {
            chrome: Chrome::of(signed, "/approvals"),
            id: approval.id,
            summary: summary(&approval.payload),
            role: approval.role.to_string(),
            skill,
            status: approval.status.to_string(),
            created_at: approval
                .requested_at
                .strftime("%Y-%m-%d %H:%M UTC")
                .to_string(),
            reasons: approval.reasons.clone(),
            agent_reason,
            evidence,
            deal,
            answered_by,
            injection_suspected,
            email,
            payload: serde_json::to_string_pretty(&approval.payload).unwrap_or_default(),
            pending: approval.status == ApprovalStatus::Pending,
            error,
        },
        &[],
    )
}

/// The approval of a path, or the response to send instead (404 for another tenant's).
async fn load(state: &AppState, signed: &Signed, raw: &str) -> Result<Approval, Response> {
    let not_found = page_not_found;
    let Ok(id) = uuid::Uuid::try_parse(raw) else {
        return Err(not_found());
    };
    match state
        .store
        .approval(signed.tenant, ApprovalId::from_uuid(id))
        .await
    {
        Ok(approval) => Ok(approval),
        Err(store::Error::NotFound { .. }) => Err(not_found()),
        Err(e) => Err(server_error(&e.to_string())),
    }
}

fn page_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::response::Html("<h1>Not found</h1><p><a href=\"/approvals\">Approvals</a></p>"),
    )
        .into_response()
}

/// `GET /approvals/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let signed = match writer(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    match load(&state, &signed, &id).await {
        Ok(approval) => detail_page(&state, &signed, &approval, StatusCode::OK, None).await,
        Err(response) => response,
    }
}

/// The approve form.
#[derive(Debug, Deserialize)]
struct ApproveForm {
    csrf: String,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

/// The reject form.
#[derive(Debug, Deserialize)]
struct RejectForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// Most bytes a decision form may have (an edited email body included).
const MAX_FORM_BYTES: usize = 256 * 1024;

fn write_ctx(signed: &Signed) -> WriteCtx {
    WriteCtx::new(
        signed.tenant,
        Actor::user(signed.user.id, signed.user.role),
        None,
    )
}

/// The signed-in writer, the approval of the path and its decision form, read with its CSRF
/// token checked; or the response to send instead.
async fn posted_decision<T: serde::de::DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    body: &Bytes,
    csrf_of: fn(&T) -> &str,
) -> Result<(Signed, Approval, T), Response> {
    let signed = writer(state, headers).await?;
    let approval = load(state, &signed, id).await?;
    let Some(form) = (body.len() <= MAX_FORM_BYTES)
        .then(|| serde_urlencoded::from_bytes::<T>(body).ok())
        .flatten()
    else {
        let message = "The form was incomplete or too large.".to_owned();
        return Err(detail_page(
            state,
            &signed,
            &approval,
            StatusCode::BAD_REQUEST,
            Some(message),
        )
        .await);
    };
    if !same(csrf_of(&form), &signed.session.csrf_token) {
        return Err(forbidden("The form expired or came from another site."));
    }
    Ok((signed, approval, form))
}

/// `POST /approvals/{id}/approve`.
pub async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (signed, approval, form) =
        match posted_decision(&state, &headers, &id, &body, |f: &ApproveForm| &f.csrf).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    // An email edited in the form: the same recipients, the new subject and body.
    let payload = match (&approval.payload, form.subject, form.body) {
        (Action::SendEmail(mail), subject, body) => {
            let mut edited = mail.clone();
            if let Some(subject) = subject {
                edited.subject = subject;
            }
            if let Some(body) = body {
                edited.body = body.replace("\r\n", "\n");
            }
            (edited != *mail).then_some(Action::SendEmail(edited))
        }
        _ => None,
    };
    let request = ApproveRequest {
        payload,
        note: form.note,
    };
    let w = write_ctx(&signed);
    let decided = agents::approvals::approve(
        &state.agents,
        &w,
        approval.id,
        None,
        signed.user.id,
        request,
    )
    .await;
    answer(&state, &signed, approval.id, decided.map(|_| ())).await
}

/// What a decision answers: back to the inbox, or the detail page again with why it was
/// refused (`409` decided meanwhile, `403` not this person's to decide, `422` otherwise).
async fn answer(
    state: &AppState,
    signed: &Signed,
    id: ApprovalId,
    decided: Result<(), agents::approvals::DecisionError>,
) -> Response {
    use agents::approvals::DecisionError;
    let (status, message) = match decided {
        Ok(()) => return redirect("/approvals", &[]),
        Err(DecisionError::Store(store::Error::Conflict(_))) => {
            (StatusCode::CONFLICT, "It was decided meanwhile.".to_owned())
        }
        Err(DecisionError::Store(e)) => return server_error(&e.to_string()),
        Err(e @ (DecisionError::OwnRequest | DecisionError::NotSeniorEnough { .. })) => {
            (StatusCode::FORBIDDEN, e.to_string())
        }
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    };
    refused(state, signed, id, status, message).await
}

/// The detail page again, with why the decision was refused.
async fn refused(
    state: &AppState,
    signed: &Signed,
    id: ApprovalId,
    status: StatusCode,
    message: String,
) -> Response {
    match state.store.approval(signed.tenant, id).await {
        Ok(approval) => detail_page(state, signed, &approval, status, Some(message)).await,
        Err(e) => server_error(&e.to_string()),
    }
}

/// `POST /approvals/{id}/reject`.
pub async fn reject(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (signed, approval, form) =
        match posted_decision(&state, &headers, &id, &body, |f: &RejectForm| &f.csrf).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let w = write_ctx(&signed);
    let decided = agents::approvals::reject(
        &state.agents,
        &w,
        approval.id,
        None,
        signed.user.id,
        &form.reason,
    )
    .await;
    answer(&state, &signed, approval.id, decided.map(|_| ())).await
}
