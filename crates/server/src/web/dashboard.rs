//! The dashboard: open pipeline by stage and by region, forecast against quota per rep, what the
//! agents ran in the last 30 days, and how approvals went; filtered by region; charts drawn as
//! SVG on the server. Reads at most 5,000 deals and the latest 1,000 runs and approvals.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::approval::ApprovalStatus;
use domain::opportunity::Opportunity;
use domain::region::{Region, RegionCode};
use domain::stage::Stage;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use store::{Filter, ListQuery, Order, SqlValue};

use super::charts::{Bar, bars};
use super::session::{Signed, signed_in};
use super::{Chrome, page, redirect, server_error};
use crate::state::AppState;

const MAX_DEALS: usize = 5000;
const RECENT: u32 = 1000;

struct QuotaLine {
    who: String,
    target: String,
    won: String,
    weighted: String,
    gap: String,
    coverage: String,
    action: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    regions: Vec<(String, bool)>,
    open_deals: usize,
    currency: String,
    other_currency: usize,
    by_stage: String,
    by_region: String,
    quotas: Vec<QuotaLine>,
    agent_runs: String,
    pending: usize,
    approved: usize,
    rejected: usize,
    approval_rate: Option<u32>,
}

/// The region filter.
#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    region: Option<String>,
}

fn money(d: Decimal) -> String {
    d.round_dp(0).to_string()
}

/// `GET /dashboard?region=`.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<DashboardQuery>,
) -> Response {
    let signed = match signed_in(&state, &headers).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return redirect("/login", &[]),
        Err(e) => return server_error(&e.to_string()),
    };
    let region = query
        .region
        .as_deref()
        .filter(|r| !r.is_empty())
        .and_then(|r| RegionCode::parse(r).ok());
    match build(&state, &signed, region).await {
        Ok(page_data) => page(StatusCode::OK, &page_data, &[]),
        Err(e) => server_error(&e.to_string()),
    }
}

async fn build(
    state: &AppState,
    signed: &Signed,
    region: Option<RegionCode>,
) -> Result<DashboardPage, store::Error> {
    let store = &state.store;
    let tenant = signed.tenant;
    let mut filters = Vec::new();
    if let Some(region) = &region {
        filters.push(Filter::Eq("region", SqlValue::text(region.as_str())));
    }
    let deals: Vec<Opportunity> = store.list_all(tenant, filters, MAX_DEALS).await?;
    let open: Vec<&Opportunity> = deals.iter().filter(|d| d.stage.is_open()).collect();
    // The currency most of the open value is in; the charts use it.
    let mut by_currency: BTreeMap<String, Decimal> = BTreeMap::new();
    for d in &open {
        *by_currency
            .entry(d.amount.currency().to_string())
            .or_default() += d.amount.amount();
    }
    let currency = by_currency
        .iter()
        .max_by_key(|(_, v)| **v)
        .map(|(c, _)| c.clone())
        .unwrap_or_else(|| "EUR".to_owned());
    let in_currency: Vec<&&Opportunity> = open
        .iter()
        .filter(|d| d.amount.currency().to_string() == currency)
        .collect();
    let stage_bars = Stage::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|stage| {
            let (n, sum) = in_currency
                .iter()
                .filter(|d| d.stage == *stage)
                .fold((0, Decimal::ZERO), |(n, s), d| {
                    (n + 1, s + d.amount.amount())
                });
            Bar {
                label: stage.to_string(),
                value: sum.to_f64().unwrap_or(0.0),
                shown: format!("{} {currency} · {n} deals", money(sum)),
            }
        })
        .collect::<Vec<_>>();
    let mut regions_sum: BTreeMap<String, (usize, Decimal)> = BTreeMap::new();
    for d in &in_currency {
        let key = d
            .region
            .as_ref()
            .map_or_else(|| "no region".to_owned(), |r| r.as_str().to_owned());
        let entry = regions_sum.entry(key).or_default();
        entry.0 += 1;
        entry.1 += d.amount.amount();
    }
    let region_bars: Vec<Bar> = regions_sum
        .into_iter()
        .map(|(r, (n, sum))| Bar {
            label: r,
            value: sum.to_f64().unwrap_or(0.0),
            shown: format!("{} {currency} · {n} deals", money(sum)),
        })
        .collect();
    let today = store::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let users: BTreeMap<String, String> = store
        .list_all::<domain::user::User>(tenant, Vec::new(), MAX_DEALS)
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.name))
        .collect();
    let pursuits =
        agents::crew::sales::goals::goals(store, tenant, None, region.as_ref(), today).await?;
    let quotas = pursuits
        .iter()
        .map(|p| QuotaLine {
            who: p
                .scope
                .strip_prefix("rep ")
                .and_then(|id| users.get(id).cloned())
                .unwrap_or_else(|| p.scope.clone()),
            target: format!("{} {}", money(p.target), p.currency),
            won: format!("{} ({}%)", money(p.won), p.attainment_percent.round_dp(0)),
            weighted: money(p.weighted_pipeline),
            gap: money(p.gap),
            coverage: p
                .coverage
                .map_or_else(|| "target met".to_owned(), |c| format!("{c}x")),
            action: p
                .next_best_actions
                .first()
                .map(|a| a.action.clone())
                .unwrap_or_default(),
        })
        .collect();
    let runs = store
        .list_agent_runs(
            tenant,
            &ListQuery {
                limit: RECENT,
                order: Order::Descending,
                ..ListQuery::default()
            },
        )
        .await?
        .items;
    let since = store::now() - jiff::SignedDuration::from_hours(24 * 30);
    let mut by_skill: BTreeMap<String, usize> = BTreeMap::new();
    for run in runs.iter().filter(|r| r.started_at >= since) {
        *by_skill.entry(run.skill.clone()).or_default() += 1;
    }
    let run_bars: Vec<Bar> = by_skill
        .into_iter()
        .map(|(skill, n)| Bar {
            label: skill,
            value: n as f64,
            shown: n.to_string(),
        })
        .collect();
    let approvals = store
        .list_approvals(
            tenant,
            &ListQuery {
                limit: RECENT,
                order: Order::Descending,
                ..ListQuery::default()
            },
        )
        .await?
        .items;
    let count = |status: ApprovalStatus| approvals.iter().filter(|a| a.status == status).count();
    let (pending, approved, rejected) = (
        count(ApprovalStatus::Pending),
        count(ApprovalStatus::Approved),
        count(ApprovalStatus::Rejected),
    );
    let decided = approved + rejected;
    let regions: Vec<Region> = store.list_all(tenant, Vec::new(), 100).await?;
    Ok(DashboardPage {
        chrome: Chrome::of(signed, "/dashboard"),
        regions: regions
            .into_iter()
            .map(|r| {
                let selected = Some(&r.code) == region.as_ref();
                (r.code.as_str().to_owned(), selected)
            })
            .collect(),
        open_deals: open.len(),
        other_currency: open.len() - in_currency.len(),
        by_stage: bars(&format!("Open pipeline by stage ({currency})"), &stage_bars),
        by_region: bars(
            &format!("Open pipeline by region ({currency})"),
            &region_bars,
        ),
        currency,
        quotas,
        agent_runs: bars("Agent runs in the last 30 days, by skill", &run_bars),
        pending,
        approved,
        rejected,
        approval_rate: (decided > 0).then(|| (approved * 100 / decided) as u32),
    })
}
