//! The demo's report: per tenant, what was created, what the agents ran, each deal's
//! qualification, and what waits for a human; then the timings.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use domain::approval::ApprovalStatus;
use domain::opportunity::Opportunity;
use domain::task::Task;
use store::{Filter, ListQuery, SqlValue, Store};

use super::Seeded;

/// How long each part took.
pub struct Timings {
    pub seed: Duration,
    pub agents: Duration,
    pub total: Duration,
    /// Whether the agents handled every event before the deadline.
    pub caught_up: bool,
}

/// One deal's qualification.
pub struct DealLine {
    pub name: String,
    pub stage: String,
    pub amount: String,
    /// BANT element statuses, in order.
    pub bant: Vec<(String, String)>,
    pub meddicc_met: usize,
    pub versions: usize,
    /// The last version's changes, "framework.element from→to".
    pub last_changes: Vec<String>,
    /// The deal plan's versions, risks and first next step.
    pub plan_versions: usize,
    pub risks: usize,
    pub next_step: Option<String>,
}

/// One rep's standing against their quota.
pub struct GoalLine {
    pub rep: String,
    pub attainment: String,
    pub coverage: String,
    pub top_action: Option<String>,
}

/// One tenant's part of the report.
pub struct TenantReport {
    pub seeded_line: String,
    pub runs_by_skill: BTreeMap<String, usize>,
    pub waiting: BTreeMap<String, usize>,
    pub tasks: usize,
    pub deals: Vec<DealLine>,
    /// Coverage gaps of the accounts' political maps, by code.
    pub gaps: BTreeMap<&'static str, usize>,
    pub goals: Vec<GoalLine>,
}

/// Everything the report says.
pub struct Report {
    pub tenants: Vec<(String, TenantReport)>,
}

async fn all_runs(
    store: &Store,
    tenant: domain::id::TenantId,
) -> anyhow::Result<Vec<domain::agent_run::AgentRun>> {
    let mut query = ListQuery {
        limit: store::MAX_LIMIT,
        ..ListQuery::default()
    };
    let mut out = Vec::new();
    loop {
        let page = store.list_agent_runs(tenant, &query).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(next) => query.after = Some(next),
            None => return Ok(out),
        }
    }
}

async fn waiting_approvals(
    store: &Store,
    tenant: domain::id::TenantId,
) -> anyhow::Result<BTreeMap<String, usize>> {
    let mut query = ListQuery {
        limit: store::MAX_LIMIT,
        filters: vec![Filter::Eq(
            "status",
            SqlValue::text(ApprovalStatus::Pending.as_str()),
        )],
        ..ListQuery::default()
    };
    let mut out = BTreeMap::new();
    loop {
        let page = store.list_approvals(tenant, &query).await?;
        for approval in &page.items {
            *out.entry(approval.kind.as_str().to_owned()).or_default() += 1;
        }
        match page.next_cursor {
            Some(next) => query.after = Some(next),
            None => return Ok(out),
        }
    }
}

async fn deal_line(store: &Store, seeded: &Seeded, deal: &Opportunity) -> anyhow::Result<DealLine> {
    let history = store
        .scorecard_history(seeded.tenant, deal.id, None, 100)
        .await?;
    let latest = history.first();
    let status = |framework: &str, element: &str| -> String {
        latest
            .and_then(|v| v.scorecard.get(framework))
            .and_then(|f| f.get(element))
            .and_then(|e| e.get("status"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("unknown")
            .to_owned()
    };
    let bant = ["budget", "authority", "need", "timeline"]
        .iter()
        .map(|e| ((*e).to_owned(), status("bant", e)))
        .collect();
    let meddicc_met = latest
        .and_then(|v| v.scorecard.get("meddicc"))
        .and_then(serde_json::Value::as_object)
        .map_or(0, |elements| {
            elements
                .values()
                .filter(|e| e.get("status").and_then(serde_json::Value::as_str) == Some("met"))
                .count()
        });
    let last_changes = latest
        .map(|v| {
            v.changes
                .iter()
                .filter(|c| c.framework == "bant")
                .map(|c| format!("{} {}→{}", c.element, c.from, c.to))
                .collect()
        })
        .unwrap_or_default();
    let plans = store
        .plan_history(
            seeded.tenant,
            domain::plan::PlanKind::Opportunity,
            deal.id.as_uuid(),
            None,
            100,
        )
        .await?;
    let plan = plans.first().and_then(|v| {
        serde_json::from_value::<agents::crew::sales::plans::OpportunityPlan>(v.plan.clone()).ok()
    });
    Ok(DealLine {
        plan_versions: plans.len(),
        risks: plan.as_ref().map_or(0, |p| p.risks.len()),
        next_step: plan.and_then(|p| p.next_steps.into_iter().next().map(|s| s.text)),
        name: deal.name.clone(),
        stage: deal.stage.as_str().to_owned(),
        amount: format!("{} {}", deal.amount.currency().code(), deal.amount.amount()),
        bant,
        meddicc_met,
        versions: history.len(),
        last_changes,
    })
}

/// Reads back what the agents did.
pub async fn gather(store: &Store, seeded: &[Seeded]) -> anyhow::Result<Report> {
    let mut tenants = Vec::new();
    for s in seeded {
        let mut runs_by_skill = BTreeMap::new();
        for run in all_runs(store, s.tenant).await? {
            *runs_by_skill.entry(run.skill).or_default() += 1;
        }
        let tasks = store
            .list_all::<Task>(s.tenant, Vec::new(), usize::MAX)
            .await?;
        let mut deals = Vec::new();
        for deal in store
            .list_all::<Opportunity>(s.tenant, Vec::new(), usize::MAX)
            .await?
        {
            deals.push(deal_line(store, s, &deal).await?);
        }
        let mut gaps = BTreeMap::new();
        for account in store
            .list_all::<domain::account::Account>(s.tenant, Vec::new(), usize::MAX)
            .await?
        {
            let map =
                agents::crew::sales::political_map::political_map(store, s.tenant, account.id)
                    .await?;
            for gap in map.gaps {
                *gaps.entry(gap.code).or_default() += 1;
            }
        }
        let users: BTreeMap<domain::id::UserId, String> = store
            .list_all::<domain::user::User>(s.tenant, Vec::new(), usize::MAX)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let today = jiff::Zoned::now().date();
        let goals = agents::crew::sales::goals::goals(store, s.tenant, None, None, today)
            .await?
            .into_iter()
            .map(|p| GoalLine {
                rep: p
                    .scope
                    .strip_prefix("rep ")
                    .and_then(|id| id.parse().ok())
                    .and_then(|id| users.get(&id).cloned())
                    .unwrap_or(p.scope.clone()),
                attainment: format!("{}% of {} {}", p.attainment_percent, p.target, p.currency),
                coverage: p
                    .coverage
                    .map_or_else(|| "target met".to_owned(), |c| format!("coverage {c}x")),
                top_action: p.next_best_actions.first().map(|a| a.action.clone()),
            })
            .collect();
        tenants.push((
            format!("{} ({})", s.display, s.slug),
            TenantReport {
                seeded_line: format!(
                    "{} accounts, {} contacts, {} deals, {} activities, {} knowledge documents, {} price-book entries",
                    s.accounts, s.contacts, s.opportunities, s.activities, s.documents, s.prices
                ),
                runs_by_skill,
                waiting: waiting_approvals(store, s.tenant).await?,
                tasks: tasks.len(),
                deals,
                gaps,
                goals,
            },
        ));
    }
    Ok(Report { tenants })
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// Prints the report.
pub fn print(
    out: &mut impl Write,
    report: &Report,
    timings: &Timings,
    backend: &str,
    data_dir: &Path,
) -> std::io::Result<()> {
    let mut runs = 0;
    let mut waiting = 0;
    for (name, t) in &report.tenants {
        writeln!(out, "== {name}")?;
        writeln!(out, "created: {}", t.seeded_line)?;
        let skills: Vec<String> = t
            .runs_by_skill
            .iter()
            .map(|(skill, n)| format!("{skill} {n}"))
            .collect();
        runs += t.runs_by_skill.values().sum::<usize>();
        writeln!(out, "agent runs (offline engine): {}", skills.join(", "))?;
        for deal in &t.deals {
            let bant: Vec<String> = deal
                .bant
                .iter()
                .map(|(element, status)| format!("{element} {status}"))
                .collect();
            writeln!(
                out,
                "  {} [{}, {}]: BANT {}; MEDDICC {}/8 met; {} scorecard versions{}",
                deal.name,
                deal.stage,
                deal.amount,
                bant.join(", "),
                deal.meddicc_met,
                deal.versions,
                if deal.last_changes.is_empty() {
                    String::new()
                } else {
                    format!("; last change: {}", deal.last_changes.join(", "))
                }
            )?;
            writeln!(
                out,
                "    plan v{}: {} risks; next: {}",
                deal.plan_versions,
                deal.risks,
                deal.next_step.as_deref().unwrap_or("none")
            )?;
        }
        for goal in &t.goals {
            writeln!(
                out,
                "  goal {}: {}, {}; next best action: {}",
                goal.rep,
                goal.attainment,
                goal.coverage,
                goal.top_action.as_deref().unwrap_or("none")
            )?;
        }
        let gaps: Vec<String> = t
            .gaps
            .iter()
            .map(|(code, n)| format!("{code} {n}"))
            .collect();
        writeln!(
            out,
            "political-map gaps: {}",
            if gaps.is_empty() {
                "none".to_owned()
            } else {
                gaps.join(", ")
            }
        )?;
        let held: Vec<String> = t
            .waiting
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        waiting += t.waiting.values().sum::<usize>();
        writeln!(
            out,
            "held for approval: {}; tasks created: {}",
            if held.is_empty() {
                "nothing".to_owned()
            } else {
                held.join(", ")
            },
            t.tasks
        )?;
        writeln!(out)?;
    }
    writeln!(
        out,
        "timings: seeding {}, agents {} ({runs} runs{}), total {}",
        seconds(timings.seed),
        seconds(timings.agents),
        if timings.caught_up {
            String::new()
        } else {
            "; stopped waiting before every event was handled, `serve` finishes the rest".to_owned()
        },
        seconds(timings.total)
    )?;
    writeln!(
        out,
        "{waiting} proposals wait for a human. `agent-army serve` opens this {backend} database \
         (data directory {}); `agent-army apikey create --tenant skyvera --role admin` gives you a key.",
        data_dir.display()
    )
}
