//! The dashboard: open and weighted pipeline by stage and by region, forecast, coverage and gap
//! against each quota in force, and what the agents did (runs, proposals, approvals, edits
//! before approval, failures, LLM tokens and cost per role); filtered by region, product and
//! period; charts drawn as SVG on the server.
//!
//! Reads stay flat as the tenant grows: one narrow query for every deal's facts (a second one
//! when a product is chosen), the quotas in force and their best candidates' plans in one query,
//! and the agents' figures counted by the database.

use std::collections::{BTreeMap, HashSet};

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::id::ProductId;
use domain::product::Product;
use domain::region::{Region, RegionCode};
use domain::stage::Stage;
use domain::user::User;
use jiff::civil::Date;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use store::dashboard::{AgentActivity, DealFacts};
use store::{Filter, SqlValue, UsageGroup, UsageRow};

use super::charts::{Mark, Row, grouped};
use super::session::{Signed, signed_in};
use super::{Chrome, page, redirect, server_error};
use crate::state::AppState;

/// Most users, regions and products a filter lists.
const MAX_LISTED: usize = 1000;
/// How far back agent figures look when no period is chosen.
const AGENT_DAYS: i64 = 30;

/// The period filter: open deals closing in it (or all open deals), won deals closed in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    AllOpen,
    ThisQuarter,
    NextQuarter,
    ThisYear,
}

impl Period {
    const ALL: [Period; 4] = [
        Period::AllOpen,
        Period::ThisQuarter,
        Period::NextQuarter,
        Period::ThisYear,
    ];

    fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == raw)
    }

    fn key(self) -> &'static str {
        match self {
            Period::AllOpen => "",
            Period::ThisQuarter => "this_quarter",
            Period::NextQuarter => "next_quarter",
            Period::ThisYear => "this_year",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Period::AllOpen => "every close date",
            Period::ThisQuarter => "this quarter",
            Period::NextQuarter => "next quarter",
            Period::ThisYear => "this year",
        }
    }

    /// The dates `[start, end)` of the period around `today`.
    fn range(self, today: Date) -> Option<(Date, Date)> {
        let quarter_start = |year: i16, quarter: i8| Date::new(year, quarter * 3 + 1, 1).ok();
        let quarter = (today.month() - 1) / 3;
        let year = today.year();
        let next = |y: i16, q: i8| if q == 3 { (y + 1, 0) } else { (y, q + 1) };
        match self {
            Period::AllOpen => None,
            Period::ThisQuarter => {
                let (ny, nq) = next(year, quarter);
                Some((quarter_start(year, quarter)?, quarter_start(ny, nq)?))
            }
            Period::NextQuarter => {
                let (y, q) = next(year, quarter);
                let (ny, nq) = next(y, q);
                Some((quarter_start(y, q)?, quarter_start(ny, nq)?))
            }
            Period::ThisYear => {
                Some((Date::new(year, 1, 1).ok()?, Date::new(year + 1, 1, 1).ok()?))
            }
        }
    }
}

/// The filters, as the form sends them.
#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    region: Option<String>,
    product: Option<String>,
    period: Option<String>,
}

struct Filters {
    region: Option<RegionCode>,
    product: Option<ProductId>,
    period: Period,
}

impl Filters {
    fn of(query: &DashboardQuery) -> Self {
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        Self {
            region: given(&query.region).and_then(|r| RegionCode::parse(r).ok()),
            product: given(&query.product)
                .and_then(|p| uuid::Uuid::try_parse(p).ok())
                .map(ProductId::from_uuid),
            period: given(&query.period)
                .and_then(Period::parse)
                .unwrap_or(Period::AllOpen),
        }
    }
}

/// One quota's line in the forecast table.
struct QuotaLine {
    who: String,
    target: String,
    won: String,
    open: String,
    weighted: String,
    gap: String,
    coverage: String,
    short: bool,
    action: String,
}

/// One role's line in the agent table.
#[derive(Default)]
struct RoleLine {
    role: String,
    runs: i64,
    failed: i64,
    proposals: i64,
    executed: i64,
    to_approval: i64,
    forbidden: i64,
    approved: i64,
    rejected: i64,
    edited: i64,
    approval_rate: String,
    llm_calls: i64,
    tokens: String,
    cost: String,
}

/// A filter option: value, label, chosen.
type Choice = (String, String, bool);

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    regions: Vec<Choice>,
    products: Vec<Choice>,
    periods: Vec<Choice>,
    period_label: &'static str,
    open_deals: usize,
    currency: String,
    other_currency: usize,
    open_total: String,
    weighted_total: String,
    won_total: String,
    by_stage: String,
    by_region: String,
    quotas: Vec<QuotaLine>,
    coverage: String,
    agent_days: String,
    roles: Vec<RoleLine>,
    agent_runs: String,
    pending: i64,
    /// `false` when the tenant has more open deals than one read takes (the figures then cover
    /// the oldest 50,000).
    complete: bool,
    /// A region is chosen.
    region_chosen: bool,
    /// The query string of the chosen filters, for the live refresh.
    query: String,
}

fn money(d: Decimal) -> String {
    let whole = d.round_dp(0).to_string();
    let (sign, digits) = whole
        .strip_prefix('-')
        .map_or(("", whole.as_str()), |rest| ("-", rest));
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}")
}

fn float(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// `GET /dashboard?region=&product=&period=`.
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
    let filters = Filters::of(&query);
    match build(&state, &signed, &filters).await {
        Ok(page_data) => page(StatusCode::OK, &page_data, &[]),
        Err(e) => server_error(&e.to_string()),
    }
}

/// The open and weighted value of deals, by a key.
#[derive(Default)]
struct Sums {
    deals: usize,
    open: Decimal,
    weighted: Decimal,
}

fn pipeline_rows<'a>(sums: impl Iterator<Item = (String, &'a Sums)>, currency: &str) -> Vec<Row> {
    sums.map(|(label, s)| Row {
        label,
        values: vec![float(s.open), float(s.weighted)],
        shown: format!(
            "{} / {} {currency} · {} {}",
            money(s.open),
            money(s.weighted),
            s.deals,
            if s.deals == 1 { "deal" } else { "deals" }
        ),
    })
    .collect()
}

async fn build(
    state: &AppState,
    signed: &Signed,
    filters: &Filters,
) -> Result<DashboardPage, store::Error> {
    let store = &state.store;
    let tenant = signed.tenant;
    let now = store::now();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let range = filters.period.range(today);

    let in_force =
        agents::crew::sales::goals::quotas_in_force(store, tenant, None, None, today).await?;
    // Won deals count from the earliest of: the chosen period, the quotas' periods, this year.
    let midnight = |day: Date| {
        day.to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(now)
    };
    let year_start = Date::new(today.year(), 1, 1).unwrap_or(today);
    let won_since = in_force
        .iter()
        .map(|q| q.period_start)
        .chain(range.map(|(start, _)| start))
        .fold(year_start, Date::min);
    let (deals, complete) = store.pipeline_facts(tenant, midnight(won_since)).await?;
    let with_product: Option<HashSet<_>> = match filters.product {
        Some(product) => Some(
            store
                .deal_facts(
                    tenant,
                    vec![Filter::Linked {
                        table: "opportunity_products",
                        owner_column: "opportunity_id",
                        value_column: "product_id",
                        values: vec![SqlValue::Uuid(Some(product.as_uuid()))],
                    }],
                )
                .await?
                .into_iter()
                .map(|d| d.id)
                .collect(),
        ),
        None => None,
    };
    let chosen = |d: &&DealFacts| {
        filters
            .region
            .as_ref()
            .is_none_or(|r| d.region.as_ref() == Some(r))
            && with_product.as_ref().is_none_or(|set| set.contains(&d.id))
    };
    let in_range = |day: Date| range.is_none_or(|(start, end)| day >= start && day < end);
    let open: Vec<&DealFacts> = deals
        .iter()
        .filter(chosen)
        .filter(|d| d.stage.is_open() && in_range(d.close_date))
        .collect();
    // The currency most of the open value is in; the figures use it.
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
    let counted: Vec<&&DealFacts> = open
        .iter()
        .filter(|d| d.amount.currency().to_string() == currency)
        .collect();
    // Keyed by the stage's place in the stage machine, so the chart follows it.
    let mut stages: BTreeMap<usize, (Stage, Sums)> = BTreeMap::new();
    let mut regions_sum: BTreeMap<String, Sums> = BTreeMap::new();
    let mut total = Sums::default();
    for d in &counted {
        let weighted = d.amount.amount() * agents::crew::sales::goals::stage_weight(d.stage);
        let region = d
            .region
            .as_ref()
            .map_or_else(|| "no region".to_owned(), |r| r.as_str().to_owned());
        let position = Stage::ALL.iter().position(|s| *s == d.stage).unwrap_or(0);
        for sums in [
            &mut stages
                .entry(position)
                .or_insert_with(|| (d.stage, Sums::default()))
                .1,
            regions_sum.entry(region).or_default(),
            &mut total,
        ] {
            sums.deals += 1;
            sums.open += d.amount.amount();
            sums.weighted += weighted;
        }
    }
    let stage_rows = pipeline_rows(
        stages
            .values()
            .map(|(stage, sums)| (stage.to_string(), sums)),
        &currency,
    );
    let won: Decimal = deals
        .iter()
        .filter(chosen)
        .filter(|d| d.stage == Stage::ClosedWon && d.amount.currency().to_string() == currency)
        .filter(|d| {
            range.is_some_and(|_| {
                in_range(d.stage_changed_at.to_zoned(jiff::tz::TimeZone::UTC).date())
            })
        })
        .map(|d| d.amount.amount())
        .sum();

    let users: Vec<User> = store.list_all(tenant, Vec::new(), MAX_LISTED).await?;
    let names: BTreeMap<_, _> = users.iter().map(|u| (u.id, u.name.clone())).collect();
    let quotas: Vec<_> = in_force
        .into_iter()
        .filter(|q| {
            filters.region.as_ref().is_none_or(|r| {
                q.region.as_ref() == Some(r)
                    || q.user_id.is_some_and(|u| {
                        users
                            .iter()
                            .any(|user| user.id == u && user.home_region.as_ref() == Some(r))
                    })
            })
        })
        .collect();
    let pursuits =
        agents::crew::sales::goals::pursue_all(store, tenant, &quotas, &deals, today).await?;
    let who = |p: &agents::crew::sales::goals::Pursuit| {
        quotas
            .iter()
            .find(|q| q.id == p.quota_id)
            .and_then(|q| q.user_id)
            .and_then(|u| names.get(&u).cloned())
            .unwrap_or_else(|| p.scope.clone())
    };
    let coverage_rows: Vec<Row> = pursuits
        .iter()
        .map(|p| Row {
            label: who(p),
            values: vec![p.coverage.map_or(0.0, float)],
            shown: p.coverage.map_or_else(
                || "target met".to_owned(),
                |c| format!("{c}x of a {} {} gap", money(p.gap), p.currency),
            ),
        })
        .collect();
    let quota_lines = pursuits
        .iter()
        .map(|p| QuotaLine {
            who: who(p),
            target: format!("{} {}", money(p.target), p.currency),
            won: format!("{} ({}%)", money(p.won), p.attainment_percent.round_dp(0)),
            open: money(p.open_pipeline),
            weighted: money(p.weighted_pipeline),
            gap: money(p.gap),
            coverage: p
                .coverage
                .map_or_else(|| "target met".to_owned(), |c| format!("{c}x")),
            short: p
                .coverage
                .is_some_and(|c| c < Decimal::from(agents::crew::sales::goals::TARGET_COVERAGE)),
            action: p
                .next_best_actions
                .first()
                .map(|a| a.action.clone())
                .unwrap_or_default(),
        })
        .collect();

    // Agent figures: since the period's start when it has begun, else over the last 30 days
    // (a period yet to come has no agent work).
    let last_days = now - jiff::SignedDuration::from_hours(24 * AGENT_DAYS);
    let since = match range {
        Some((start, _)) => midnight(start).min(last_days),
        None => last_days,
    };
    let activity = store.agent_activity(tenant, since).await?;
    let usage = store
        .llm_usage(tenant, UsageGroup::Route, Some(since), None)
        .await?;
    let roles = role_lines(&activity, &usage);
    let run_rows: Vec<Row> = roles
        .iter()
        .filter(|r| r.runs > 0)
        .map(|r| Row {
            label: r.role.clone(),
            values: vec![(r.runs - r.failed) as f64, r.failed as f64],
            shown: format!("{} runs, {} failed", r.runs, r.failed),
        })
        .collect();
    let pending = store.pending_approvals(tenant).await?;

    let regions: Vec<Region> = store.list_all(tenant, Vec::new(), MAX_LISTED).await?;
    let products: Vec<Product> = store.list_all(tenant, Vec::new(), MAX_LISTED).await?;
    let query = serde_urlencoded::to_string([
        ("region", filters.region.as_ref().map_or("", |r| r.as_str())),
        (
            "product",
            &filters.product.map(|p| p.to_string()).unwrap_or_default(),
        ),
        ("period", filters.period.key()),
    ])
    .unwrap_or_default();
    let agent_days = if since < last_days {
        format!("since {}", since.strftime("%Y-%m-%d"))
    } else {
        format!("in the last {AGENT_DAYS} days")
    };
    Ok(DashboardPage {
        chrome: Chrome::of(signed, "/dashboard"),
        regions: regions
            .into_iter()
            .map(|r| {
                let chosen = Some(&r.code) == filters.region.as_ref();
                let code = r.code.as_str().to_owned();
                (code.clone(), format!("{code} · {}", r.name), chosen)
            })
            .collect(),
        products: products
            .into_iter()
            .map(|p| {
                let chosen = Some(p.id) == filters.product;
                (p.id.to_string(), p.name, chosen)
            })
            .collect(),
        periods: Period::ALL
            .iter()
            .map(|p| {
                (
                    p.key().to_owned(),
                    p.label().to_owned(),
                    *p == filters.period,
                )
            })
            .collect(),
        period_label: filters.period.label(),
        open_deals: open.len(),
        other_currency: open.len() - counted.len(),
        open_total: money(total.open),
        weighted_total: money(total.weighted),
        won_total: money(won),
        by_stage: grouped(
            &format!("Pipeline by stage, open and weighted ({currency})"),
            &["open", "weighted"],
            &stage_rows,
            None,
        ),
        by_region: grouped(
            &format!("Pipeline by region, open and weighted ({currency})"),
            &["open", "weighted"],
            &pipeline_rows(
                regions_sum
                    .iter()
                    .map(|(region, sums)| (region.clone(), sums)),
                &currency,
            ),
            None,
        ),
        coverage: grouped(
            "Pipeline coverage of the gap to target",
            &[],
            &coverage_rows,
            Some(&Mark {
                value: f64::from(agents::crew::sales::goals::TARGET_COVERAGE),
                label: format!("{}x healthy", agents::crew::sales::goals::TARGET_COVERAGE),
            }),
        ),
        currency,
        quotas: quota_lines,
        agent_runs: grouped(
            &format!("Agent runs by role, {agent_days}"),
            &["succeeded", "failed"],
            &run_rows,
            None,
        ),
        agent_days,
        roles,
        pending,
        complete,
        region_chosen: filters.region.is_some(),
        query,
    })
}

/// Each role's runs, proposals, approvals and LLM usage, roles with nothing left out.
fn role_lines(activity: &AgentActivity, usage: &[UsageRow]) -> Vec<RoleLine> {
    let mut lines: BTreeMap<String, RoleLine> = BTreeMap::new();
    fn line<'a>(lines: &'a mut BTreeMap<String, RoleLine>, role: &str) -> &'a mut RoleLine {
        lines.entry(role.to_owned()).or_insert_with(|| RoleLine {
            role: role.to_owned(),
            ..RoleLine::default()
        })
    }
    for r in &activity.runs {
        let l = line(&mut lines, &r.role);
        l.runs += r.runs;
        if r.status == "failed" {
            l.failed += r.runs;
        }
    }
    for a in &activity.actions {
        let l = line(&mut lines, &a.role);
        l.proposals += a.actions;
        match a.decision.as_str() {
            "executed" => l.executed += a.actions,
            "pending_approval" => l.to_approval += a.actions,
            _ => l.forbidden += a.actions,
        }
    }
    for a in &activity.approvals {
        let l = line(&mut lines, &a.role);
        match a.status.as_str() {
            "approved" => {
                l.approved += a.approvals;
                if a.edited {
                    l.edited += a.approvals;
                }
            }
            "rejected" => l.rejected += a.approvals,
            _ => {}
        }
    }
    let mut usage_of: BTreeMap<&str, &UsageRow> = BTreeMap::new();
    for u in usage {
        usage_of.insert(u.key.as_str(), u);
    }
    for (role, u) in &usage_of {
        let l = line(&mut lines, role);
        l.llm_calls = u.calls;
    }
    lines
        .into_values()
        .map(|mut l| {
            let decided = l.approved + l.rejected;
            l.approval_rate = if decided > 0 {
                format!("{}%", l.approved * 100 / decided)
            } else {
                "–".to_owned()
            };
            match usage_of.get(l.role.as_str()) {
                Some(u) => {
                    l.tokens = format!("{} in / {} out", u.input_tokens, u.output_tokens);
                    l.cost = format!("${}", u.cost_usd.round_dp(4));
                }
                None => {
                    l.tokens = "–".to_owned();
                    l.cost = "–".to_owned();
                }
            }
            l
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_calendar_quarters_and_years() {
        let day = |s: &str| s.parse::<Date>().unwrap();
        let today = day("2026-12-07");
        assert_eq!(
            Period::ThisQuarter.range(today),
            Some((day("2026-10-01"), day("2027-01-01")))
        );
        assert_eq!(
            Period::NextQuarter.range(today),
            Some((day("2027-01-01"), day("2027-04-01")))
        );
        assert_eq!(
            Period::ThisYear.range(day("2027-02-10")),
            Some((day("2027-01-01"), day("2028-01-01")))
        );
        assert_eq!(Period::AllOpen.range(today), None);
        assert_eq!(Period::parse("next_quarter"), Some(Period::NextQuarter));
        assert_eq!(Period::parse("forever"), None);
    }

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(Decimal::new(123_456_789, 2)), "1,234,568");
        assert_eq!(money(Decimal::from(999)), "999");
        assert_eq!(money(Decimal::from(-1000)), "-1,000");
    }

    #[test]
    fn role_lines_count_edits_only_among_approvals() {
        let activity = AgentActivity {
            runs: vec![
                store::dashboard::RunCount {
                    role: "sales".into(),
                    skill: "qualify".into(),
                    status: "succeeded".into(),
                    runs: 8,
                },
                store::dashboard::RunCount {
                    role: "sales".into(),
                    skill: "qualify".into(),
                    status: "failed".into(),
                    runs: 2,
                },
            ],
            actions: vec![store::dashboard::ActionCount {
                role: "sales".into(),
                decision: "pending_approval".into(),
                actions: 4,
            }],
            approvals: vec![
                store::dashboard::ApprovalCount {
                    role: "sales".into(),
                    status: "approved".into(),
                    edited: true,
                    approvals: 1,
                },
                store::dashboard::ApprovalCount {
                    role: "sales".into(),
                    status: "approved".into(),
                    edited: false,
                    approvals: 2,
                },
                store::dashboard::ApprovalCount {
                    role: "sales".into(),
                    status: "rejected".into(),
                    edited: false,
                    approvals: 1,
                },
            ],
        };
        let lines = role_lines(&activity, &[]);
        assert_eq!(lines.len(), 1);
        let sales = &lines[0];
        assert_eq!((sales.runs, sales.failed, sales.proposals), (10, 2, 4));
        assert_eq!((sales.approved, sales.rejected, sales.edited), (3, 1, 1));
        assert_eq!(sales.approval_rate, "75%");
        assert_eq!(sales.cost, "–");
    }
}
