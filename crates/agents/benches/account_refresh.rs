//! A full account refresh on the offline engine: every activity of a busy account qualified
//! again (the `qualify` skill's offline scorecard per activity) and the account's intelligence
//! rebuilt (timeline, objections, open questions, commitments, sentiment, competitors, going
//! dark), then the political map and the account and deal plans built from them. The account
//! has 60 activities over six months: 20 call transcripts of about 60 turns (a 30-minute call),
//! 30 emails and 10 notes. That part is pure CPU: no database, no model.
//!
//! A second figure is the stored refresh the Sales agent runs after each qualified activity
//! (`plans::refresh`): the same account in a temporary SQLite database, read back (account,
//! committee, activities, deals, scorecard, catalog), both plans rebuilt, compared with the
//! stored versions and, when changed, appended.
//!
//! Run: `cargo bench -p agents --bench account_refresh` (options: `-- --iterations 30`).

#![expect(clippy::unwrap_used, reason = "benchmark harness fails loudly")]

use std::time::{Duration, Instant};

use agents::crew::sales::intelligence::analyze;
use agents::crew::sales::qualify::{QualifyInput, offline_scorecard};
use agents::crew::sales::{plans, political_map};
use domain::activity::{Activity, NewActivity};
use domain::id::AccountId;
use jiff::Timestamp;

const CALL_LINES: &[&str] = &[
    "Rep: Thanks for making the time today, how was the quarter end?",
    "Dana Reyes: Busy, honestly. We closed the books late again because of the reconciliation work.",
    "Rep: What is behind the late close?",
    "Dana Reyes: We still match carrier invoices by hand, it takes the team about 20 hours a week.",
    "Omar Haddad: And every mistake means a dispute, we had thirty of them last month.",
    "Rep: What would it be worth to fix that?",
    "Dana Reyes: If we got the close down to three days we would free two people for analysis.",
    "Rep: Is there a budget for this project?",
    "Omar Haddad: We approved 180,000 euros in the plan for the second half.",
    "Rep: Who signs off on a purchase of that size?",
    "Dana Reyes: It goes to our CFO, Henrik Lund, he signs anything over 100k.",
    "Rep: What is the timeline you are working towards?",
    "Omar Haddad: We need it live by March 31, before the audit starts.",
    "Rep: Who else are you looking at?",
    "Dana Reyes: Northwind is the incumbent and they are pitching an upgrade.",
    "Rep: What matters most to you in choosing?",
    "Dana Reyes: What matters most to us is the SAP integration and the audit trail.",
    "Omar Haddad: Honestly the price you showed is too expensive for the first year.",
    "Rep: It sounds like the first-year cost is the sticking point.",
    "Omar Haddad: That's right.",
    "Rep: I'll send the revised proposal by Friday.",
    "Dana Reyes: I'll present it to the steering committee next week.",
    "Rep: How would the steering committee decide?",
    "Omar Haddad: They review the business case, then legal does the contract redlines.",
    "Dana Reyes: Can you support data residency in Germany?",
    "Rep: Yes, we run in Frankfurt.",
    "Dana Reyes: Great, that is helpful, thanks.",
    "Omar Haddad: Um, one more thing, uh, the, the security review needs your SOC 2 report.",
    "Rep: I'll share it today.",
    "Dana Reyes: Perfect. Talk next week then.",
];

fn activity(kind: &str, day: i64, body: &str, from: &str) -> Activity {
    let now = Timestamp::from_second(1_800_000_000).unwrap();
    let at = Timestamp::from_second(1_800_000_000 - (180 - day) * 86_400).unwrap();
    let new: NewActivity = serde_json::from_value(serde_json::json!({
        "kind": kind, "body": body, "occurred_at": at,
        "participants": [{"role": "from", "name": from}],
    }))
    .unwrap();
    new.into_activity(now).unwrap()
}

fn account() -> Vec<Activity> {
    let call: String = CALL_LINES
        .iter()
        .chain(CALL_LINES)
        .map(|l| format!("{l}\n"))
        .collect();
    let mut out = Vec::new();
    for i in 0..60_i64 {
        let day = i * 3;
        out.push(match i % 6 {
            0 | 3 => activity("meeting", day, &call, "Rep"),
            1 | 4 => activity(
                "email",
                day,
                &format!(
                    "Hi, following up on our call {i} days ago. The price is still too expensive \
                     for this year, and we need the SOC 2 report. Can you send the revised \
                     proposal? Regards, Dana"
                ),
                "Dana Reyes",
            ),
            2 => activity(
                "email",
                day,
                "As promised, here is the revised proposal and the SOC 2 report. Best, Mei",
                "Rep",
            ),
            _ => activity(
                "note",
                day,
                "Spoke with Omar: budget approved, CFO signs, go-live March 31; Northwind still in.",
                "Rep",
            ),
        });
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let iterations = args
        .iter()
        .position(|a| a == "--iterations")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let activities = account();
    let competitors = vec!["Northwind".to_owned()];
    let id = AccountId::generate();
    let now = Timestamp::from_second(1_800_000_000).unwrap();
    let mut refresh = Vec::with_capacity(iterations);
    let mut intelligence_only = Vec::with_capacity(iterations);
    let mut plans_only = Vec::with_capacity(iterations);
    let account_row: domain::account::Account =
        serde_json::from_value::<domain::account::NewAccount>(
            serde_json::json!({"name": "Lumen Logistics", "domains": ["lumen.example"]}),
        )
        .unwrap()
        .into_account(now)
        .unwrap();
    let mut deal: domain::opportunity::Opportunity =
        serde_json::from_value::<domain::opportunity::NewOpportunity>(serde_json::json!({
            "account_id": account_row.id, "name": "Invoice automation",
            "amount": {"amount": "180000", "currency": "EUR"}, "close_date": "2027-03-31",
        }))
        .unwrap()
        .into_opportunity(now)
        .unwrap();
    deal.account_id = id;
    for _ in 0..iterations {
        let started = Instant::now();
        let mut met = 0;
        for activity in &activities {
            let mut input = QualifyInput::from_activity(activity);
            input.competitors.clone_from(&competitors);
            let card = offline_scorecard(&input);
            met +=
                usize::from(card.bant.budget.status == agents::crew::sales::qualify::Status::Met);
        }
        let before_intel = Instant::now();
        let intel = analyze(id, &activities, &competitors, now);
        let done = Instant::now();
        let map = political_map::build(id, &[], &[], &activities, now);
        let plan = plans::opportunity::build(&deal, None, &map, &intel, now);
        let account_plan =
            plans::account::build(&account_row, std::slice::from_ref(&deal), &[], &[], &map);
        let planned = Instant::now();
        refresh.push(planned - started);
        intelligence_only.push(done - before_intel);
        plans_only.push(planned - done);
        assert!(met > 0 && intel.timeline.len() == activities.len());
        assert!(!plan.mutual_action_plan.is_empty() && !account_plan.goals.is_empty());
    }
    refresh.sort();
    intelligence_only.sort();
    plans_only.sort();
    let ms = |sorted: &[Duration], p: f64| percentile(sorted, p).as_secs_f64() * 1000.0;
    println!(
        "account refresh, {} activities ({} KiB of text): p50 {:.1} ms, p99 {:.1} ms; of which intelligence p50 {:.1} ms, p99 {:.1} ms, map and plans p50 {:.2} ms, p99 {:.2} ms ({iterations} iterations)",
        activities.len(),
        activities.iter().map(|a| a.body.len()).sum::<usize>() / 1024,
        ms(&refresh, 0.5),
        ms(&refresh, 0.99),
        ms(&intelligence_only, 0.5),
        ms(&intelligence_only, 0.99),
        ms(&plans_only, 0.5),
        ms(&plans_only, 0.99),
    );
    let stored = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(stored_refresh(&activities, iterations));
    println!(
        "stored plan refresh (SQLite, same account, one deal): p50 {:.1} ms, p99 {:.1} ms ({iterations} iterations)",
        ms(&stored, 0.5),
        ms(&stored, 0.99),
    );
}

/// `plans::refresh` against a temporary SQLite database holding the account.
async fn stored_refresh(activities: &[Activity], iterations: usize) -> Vec<Duration> {
    let db = testkit::TestDb::create(&testkit::Backend::Sqlite)
        .await
        .unwrap();
    let store = store::Store::connect(&db.connect_options()).await.unwrap();
    store.migrate_if_needed().await.unwrap();
    let tenant = store
        .create_tenant(domain::tenant::TenantSlug::parse("bench").unwrap(), None)
        .await
        .unwrap();
    let w = store::WriteCtx::new(tenant.id, domain::actor::Actor::operator(), None);
    let now = store::now();
    let account: domain::account::Account = serde_json::from_value::<domain::account::NewAccount>(
        serde_json::json!({"name": "Lumen Logistics", "domains": ["lumen.example"]}),
    )
    .unwrap()
    .into_account(now)
    .unwrap();
    store.create(&w, account.clone(), None).await.unwrap();
    let deal: domain::opportunity::Opportunity =
        serde_json::from_value::<domain::opportunity::NewOpportunity>(serde_json::json!({
            "account_id": account.id, "name": "Invoice automation",
            "amount": {"amount": "180000", "currency": "EUR"}, "close_date": "2027-03-31",
        }))
        .unwrap()
        .into_opportunity(now)
        .unwrap();
    store.create(&w, deal.clone(), None).await.unwrap();
    for activity in activities {
        let mut activity = activity.clone();
        activity.id = domain::id::ActivityId::generate();
        activity.account_id = Some(account.id);
        activity.opportunity_id = Some(deal.id);
        store.create(&w, activity, None).await.unwrap();
    }
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        plans::refresh(&store, tenant.id, account.id, Some(deal.id), None)
            .await
            .unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    store.close().await;
    times
}
