//! The deals list and the deal room: for one opportunity, the plan's next steps and risks, the
//! qualification with its verbatim evidence and latest changes, the mutual action plan, the
//! buying committee's political map (an SVG image of our own rendering), the minutes of its
//! meetings and the account's timeline. Everyone of the tenant may read them.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use domain::account::Account;
use domain::id::OpportunityId;
use domain::opportunity::Opportunity;
use domain::plan::PlanKind;
use domain::stage::Stage;
use serde::Deserialize;
use store::{Filter, ListQuery, Order, SqlValue};

use super::session::{Signed, signed_in};
use super::{Chrome, page, redirect, server_error};
use crate::state::AppState;

/// Deals per page.
const PAGE: u32 = 50;
/// Scorecard versions the deal room shows: the latest and the ones before it.
const HISTORY: u32 = 6;

struct DealLine {
    id: OpportunityId,
    name: String,
    account: String,
    stage: Stage,
    amount: String,
    close_date: String,
}

#[derive(Template)]
#[template(path = "deals.html")]
struct DealsPage {
    chrome: Chrome,
    deals: Vec<DealLine>,
    stages: Vec<(&'static str, bool)>,
    stage: Option<String>,
    next: Option<uuid::Uuid>,
}

/// One qualification element.
struct Element {
    name: String,
    status: String,
    quote: Option<String>,
}

#[derive(Template)]
#[template(path = "deal.html")]
struct DealRoom {
    chrome: Chrome,
    id: OpportunityId,
    name: String,
    account: String,
    stage: Stage,
    amount: String,
    close_date: String,
    next_steps: Vec<agents::crew::sales::plans::Item>,
    risks: Vec<agents::crew::sales::plans::Item>,
    scorecard_version: Option<i64>,
    elements: Vec<Element>,
    changes: Vec<String>,
    /// Step, owner, due, status.
    steps: Vec<(String, String, String, String)>,
    /// Subject, summary.
    minutes: Vec<(String, String)>,
    /// Date, kind, summary.
    timeline: Vec<(String, String, String)>,
    /// Earlier scorecard versions: version, date, who answered, what changed.
    card_history: Vec<(i64, String, String, Vec<String>)>,
    account_plan: Option<agents::crew::sales::plans::AccountPlan>,
}

#[derive(Template)]
#[template(path = "briefing.html")]
struct BriefingPage {
    chrome: Chrome,
    id: OpportunityId,
    name: String,
    briefing: agents::crew::sales::briefing::Briefing,
}

async fn reader(state: &AppState, headers: &HeaderMap) -> Result<Signed, Response> {
    match signed_in(state, headers).await {
        Ok(Some(signed)) => Ok(signed),
        Ok(None) => Err(redirect("/login", &[])),
        Err(e) => Err(server_error(&e.to_string())),
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<h1>Not found</h1><p><a href=\"/deals\">Deals</a></p>"),
    )
        .into_response()
}

/// The list's filters.
#[derive(Debug, Default, Deserialize)]
pub struct DealsQuery {
    stage: Option<String>,
    after: Option<String>,
}

/// `GET /deals`: the tenant's deals, newest first, by stage.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<DealsQuery>,
) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let stage = query
        .stage
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse::<Stage>().ok());
    let mut filters = Vec::new();
    if let Some(stage) = stage {
        filters.push(Filter::Eq("stage", SqlValue::text(stage)));
    }
    let list = ListQuery {
        filters,
        after: query
            .after
            .as_deref()
            .and_then(|a| uuid::Uuid::try_parse(a).ok()),
        limit: PAGE,
        order: Order::Descending,
    };
    let page_of = match state.store.list::<Opportunity>(signed.tenant, &list).await {
        Ok(p) => p,
        Err(e) => return server_error(&e.to_string()),
    };
    let mut deals = Vec::new();
    let mut accounts: std::collections::BTreeMap<domain::id::AccountId, String> =
        std::collections::BTreeMap::new();
    for deal in page_of.items {
        if let std::collections::btree_map::Entry::Vacant(slot) = accounts.entry(deal.account_id) {
            let name = match state
                .store
                .get::<Account>(signed.tenant, deal.account_id.as_uuid())
                .await
            {
                Ok(a) => a.name,
                Err(_) => String::new(),
            };
            slot.insert(name);
        }
        deals.push(DealLine {
            id: deal.id,
            name: deal.name,
            account: accounts.get(&deal.account_id).cloned().unwrap_or_default(),
            stage: deal.stage,
            amount: deal.amount.to_string(),
            close_date: deal.close_date.to_string(),
        });
    }
    page(
        StatusCode::OK,
        &DealsPage {
            chrome: Chrome::of(&signed, "/deals"),
            deals,
            stages: Stage::ALL
                .iter()
                .map(|s| (s.as_str(), Some(*s) == stage))
                .collect(),
            stage: stage.map(|s| s.as_str().to_owned()),
            next: page_of.next_cursor,
        },
        &[],
    )
}

/// The signed-in person and the deal of a path (404 for an unknown or another tenant's), or the
/// response to send instead.
async fn signed_deal(
    state: &AppState,
    headers: &HeaderMap,
    raw: &str,
) -> Result<(Signed, Opportunity), Response> {
    let signed = reader(state, headers).await?;
    let Ok(id) = uuid::Uuid::try_parse(raw) else {
        return Err(not_found());
    };
    match state.store.get::<Opportunity>(signed.tenant, id).await {
        Ok(deal) => Ok((signed, deal)),
        Err(store::Error::NotFound { .. }) => Err(not_found()),
        Err(e) => Err(server_error(&e.to_string())),
    }
}

const ELEMENTS: &[(&str, &str)] = &[
    ("bant", "budget"),
    ("bant", "authority"),
    ("bant", "need"),
    ("bant", "timeline"),
    ("meddicc", "metrics"),
    ("meddicc", "economic_buyer"),
    ("meddicc", "decision_criteria"),
    ("meddicc", "decision_process"),
    ("meddicc", "paper_process"),
    ("meddicc", "identify_pain"),
    ("meddicc", "champion"),
    ("meddicc", "competition"),
];

/// `GET /deals/{id}`: the deal room.
pub async fn room(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (signed, deal) = match signed_deal(&state, &headers, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match load_room(&state, &signed, deal).await {
        Ok(room) => page(StatusCode::OK, &room, &[]),
        Err(e) => server_error(&e.to_string()),
    }
}

async fn load_room(
    state: &AppState,
    signed: &Signed,
    deal: Opportunity,
) -> Result<DealRoom, store::Error> {
    let store = &state.store;
    let tenant = signed.tenant;
    let account: Account = store.get(tenant, deal.account_id.as_uuid()).await?;
    let mut cards = store
        .scorecard_history(tenant, deal.id, None, HISTORY)
        .await?
        .into_iter();
    let card = cards.next();
    let card_history = cards
        .map(|c| {
            (
                c.version,
                c.created_at.strftime("%Y-%m-%d").to_string(),
                c.answered_by.clone(),
                agents::crew::sales::change_lines(&c.changes),
            )
        })
        .collect();
    let account_plan: Option<agents::crew::sales::plans::AccountPlan> =
        agents::crew::sales::plans::latest(store, tenant, PlanKind::Account, account.id.as_uuid())
            .await?;
    let plan: Option<agents::crew::sales::plans::OpportunityPlan> =
        agents::crew::sales::plans::latest(store, tenant, PlanKind::Opportunity, deal.id.as_uuid())
            .await?;
    let elements = card
        .as_ref()
        .map(|c| {
            ELEMENTS
                .iter()
                .map(|(f, e)| Element {
                    name: format!("{} {}", f.to_uppercase(), e.replace('_', " ")),
                    status: agents::crew::sales::briefing::status(Some(&c.scorecard), f, e),
                    quote: agents::crew::sales::briefing::quote(Some(&c.scorecard), f, e),
                })
                .collect()
        })
        .unwrap_or_default();
    let runs = store
        .list_agent_runs(
            tenant,
            &ListQuery {
                filters: vec![
                    Filter::Eq("opportunity_id", SqlValue::Uuid(Some(deal.id.as_uuid()))),
                    Filter::Eq("skill", SqlValue::text("meeting_minutes")),
                ],
                limit: 5,
                order: Order::Descending,
                ..ListQuery::default()
            },
        )
        .await?;
    let minutes = runs
        .items
        .iter()
        .filter_map(|r| {
            let output = r.output.as_ref()?;
            let subject = r.input["subject"].as_str().unwrap_or("Meeting").to_owned();
            Some((subject, output["summary"].as_str()?.to_owned()))
        })
        .collect();
    let intel =
        agents::crew::sales::intelligence::account_intelligence(store, tenant, account.id).await?;
    let timeline = intel
        .timeline
        .iter()
        .rev()
        .take(20)
        .map(|t| {
            (
                t.occurred_at.strftime("%Y-%m-%d").to_string(),
                t.kind.to_string(),
                t.subject.clone().unwrap_or_else(|| t.summary.clone()),
            )
        })
        .collect();
    Ok(DealRoom {
        chrome: Chrome::of(signed, "/deals"),
        id: deal.id,
        name: deal.name,
        account: account.name,
        stage: deal.stage,
        amount: deal.amount.to_string(),
        close_date: deal.close_date.to_string(),
        next_steps: plan
            .as_ref()
            .map(|p| p.next_steps.clone())
            .unwrap_or_default(),
        risks: plan.as_ref().map(|p| p.risks.clone()).unwrap_or_default(),
        scorecard_version: card.as_ref().map(|c| c.version),
        elements,
        changes: card
            .map(|c| agents::crew::sales::change_lines(&c.changes))
            .unwrap_or_default(),
        steps: plan
            .map(|p| {
                p.mutual_action_plan
                    .iter()
                    .map(|s| {
                        (
                            s.step.clone(),
                            format!("{:?}", s.owner).to_lowercase(),
                            s.due.to_string(),
                            format!("{:?}", s.status).to_lowercase(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        minutes,
        timeline,
        card_history,
        account_plan,
    })
}

/// `GET /deals/{id}/briefing`: a briefing for the next meeting with the buying committee:
/// account context, objectives, each attendee's talk track, the questions that fill the
/// scorecard's gaps, risks and competitor notes.
pub async fn briefing(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (signed, deal) = match signed_deal(&state, &headers, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match agents::crew::sales::briefing::briefing(&state.store, signed.tenant, deal.id, &[]).await {
        Ok(briefing) => page(
            StatusCode::OK,
            &BriefingPage {
                chrome: Chrome::of(&signed, "/deals"),
                id: deal.id,
                name: deal.name,
                briefing,
            },
            &[],
        ),
        Err(e) => server_error(&e.to_string()),
    }
}

/// `GET /deals/{id}/map.svg`: the account's political map, drawn by us (served as an image, so
/// nothing in it can run).
pub async fn map(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (signed, deal) = match signed_deal(&state, &headers, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match agents::crew::sales::political_map::political_map(
        &state.store,
        signed.tenant,
        deal.account_id,
    )
    .await
    {
        Ok(map) => (
            [(CONTENT_TYPE, "image/svg+xml"), (CACHE_CONTROL, "no-store")],
            map.to_svg(),
        )
            .into_response(),
        Err(e) => server_error(&e.to_string()),
    }
}
