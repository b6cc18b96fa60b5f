//! Goal pursuit, rep personas and outreach through the API: managers set quotas; a quota's
//! pursuit shows won and open business, the gap, the coverage and ranked next best actions; the
//! daily plan schedule gives each rep a task; a rep's persona signs the outreach the agent
//! drafts, and the draft waits for a human. Bad input and other tenants change nothing.

use serde_json::{Value, json};
use testkit::{Backend, TestApp, TestTenant, assert_problem, both_backends};

use crate::agents::{Scene, scene, spawn_with_agents, wait_for};

fn day(offset: i64) -> String {
    let today = store::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    today
        .checked_add(jiff::Span::new().days(offset))
        .unwrap()
        .to_string()
}

struct World {
    rep: String,
    rep_key: String,
    big: String,
    quota: String,
}

/// A deal of the rep on the scene's account: name, amount in EUR, stage, close in days from today.
async fn deal(
    app: &TestApp,
    t: &TestTenant,
    s: &Scene,
    rep: &str,
    (name, amount, stage, close): (&str, &str, &str, i64),
) -> String {
    let deal = app
        .create(
            &t.admin_key,
            "/api/v1/opportunities",
            json!({"account_id": s.account, "name": name, "owner_id": rep, "region": "EMEA",
                "amount": {"amount": amount, "currency": "EUR"}, "close_date": day(close), "stage": stage}),
        )
        .await;
    deal["id"].as_str().unwrap().to_owned()
}

async fn world(app: &TestApp, t: &TestTenant, s: &Scene) -> World {
    let rep = app
        .create(
            &t.admin_key,
            "/api/v1/users",
            json!({"email": "rafa@skyvera.com", "name": "Rafa Costa", "role": "rep", "home_region": "EMEA"}),
        )
        .await;
    let rep = rep["id"].as_str().unwrap().to_owned();
    let rep_key = app
        .key(t.id, domain::user::Role::Rep, Some(rep.parse().unwrap()))
        .await;
    let big = deal(app, t, s, &rep, ("Big rollout", "400000", "proposal", 30)).await;
    deal(app, t, s, &rep, ("Small pilot", "50000", "discovery", 20)).await;
    deal(app, t, s, &rep, ("Next year", "900000", "discovery", 300)).await;
    let won = deal(app, t, s, &rep, ("Won deal", "100000", "negotiation", 5)).await;
    let r = app
        .post(
            &s.manager_key,
            &format!("/api/v1/opportunities/{won}/stage"),
            &json!({"stage": "closed_won"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let quota = app
        .create(
            &s.manager_key,
            "/api/v1/quotas",
            json!({"user_id": rep, "period_start": day(-10), "period_end": day(80),
                "target": {"amount": "500000", "currency": "EUR"}}),
        )
        .await;
    World {
        rep,
        rep_key,
        big,
        quota: quota["id"].as_str().unwrap().to_owned(),
    }
}

/// Waits until the agent runtime has no work left, so a snapshot is not taken mid-run.
async fn idle(app: &TestApp) {
    for _ in 0..400 {
        if app.store.pending_work().await.unwrap() == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    unreachable!("the runtime never went idle");
}

fn number(v: &Value) -> f64 {
    v.as_str()
        .map(|s| s.parse().unwrap())
        .or_else(|| v.as_f64())
        .unwrap_or_else(|| unreachable!("not a number: {v}"))
}

async fn quotas_show_pursuit_and_the_daily_plan(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let s = scene(&app, &t).await;
    let w = world(&app, &t, &s).await;

    let p: Value = app
        .get_json(&w.rep_key, &format!("/api/v1/quotas/{}/pursuit", w.quota))
        .await;
    assert_eq!(number(&p["won"]), 100_000.0, "{p}");
    assert_eq!(number(&p["open_pipeline"]), 450_000.0, "{p}");
    assert_eq!(number(&p["gap"]), 400_000.0, "{p}");
    assert!((number(&p["coverage"]) - 1.12).abs() < 0.011, "{p}");
    assert_eq!(number(&p["attainment_percent"]), 20.0);
    let actions = p["next_best_actions"].as_array().unwrap();
    assert_eq!(actions[0]["deal"], "Big rollout", "{p}");
    assert_eq!(actions[0]["opportunity_id"], w.big.as_str());
    assert!(
        actions[0]["reason"]
            .as_str()
            .unwrap()
            .contains("one stage forward adds")
    );
    assert!(
        actions
            .iter()
            .any(|a| a["action"].as_str().unwrap().starts_with("Build pipeline"))
    );

    let goals: Value = app
        .get_json(&t.admin_key, &format!("/api/v1/goals?user_id={}", w.rep))
        .await;
    assert_eq!(goals["items"].as_array().unwrap().len(), 1);

    // The daily plan: fired for EMEA now, a task for the rep with the ranked actions.
    let regions: Value = app.get_json(&t.admin_key, "/api/v1/regions").await;
    let emea = regions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "EMEA")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let schedule = agents::schedule::SCHEDULES
        .iter()
        .find(|s| s.name == "daily_plan")
        .unwrap();
    app.store
        .enqueue_job(
            t.id,
            &agents::schedule::firing_job(
                schedule,
                domain::id::RegionId::from_uuid(emea),
                store::now(),
            ),
        )
        .await
        .unwrap();
    let tasks = wait_for(
        &app,
        &t.admin_key,
        &format!("/api/v1/tasks?assignee_id={}", w.rep),
        |p| p["items"].as_array().is_some_and(|i| !i.is_empty()),
    )
    .await;
    let task = &tasks["items"][0];
    assert!(
        task["title"].as_str().unwrap().starts_with("Daily plan"),
        "{task}"
    );
    let body = task["description"].as_str().unwrap();
    assert!(body.contains("1. "), "{body}");
    assert!(body.contains("Big rollout"), "{body}");
    assert!(body.contains("20% of 500000"), "{body}");

    // Managers set quotas; a rep or a viewer does not. Bad input and other tenants change nothing.
    idle(&app).await;
    let before = app.snapshot(&[t.id, other.id]).await;
    let r = app
        .post(
            &w.rep_key,
            "/api/v1/quotas",
            &json!({"period_start": day(0), "period_end": day(30), "target": {"amount": "1", "currency": "EUR"}}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    for (body, code) in [
        (
            json!({"period_start": day(30), "period_end": day(0), "target": {"amount": "1", "currency": "EUR"}}),
            "invalid_input",
        ),
        (
            json!({"period_start": day(0), "period_end": day(30), "target": "100"}),
            "invalid_input",
        ),
        (
            json!({"user_id": uuid::Uuid::now_v7(), "period_start": day(0), "period_end": day(30),
            "target": {"amount": "1", "currency": "EUR"}}),
            "unknown_reference",
        ),
        (
            json!({"period_start": day(0), "period_end": day(30), "target": {"amount": "1", "currency": "EUR"}, "colour": 1}),
            "invalid_input",
        ),
    ] {
        let r = app
            .post(&s.manager_key, "/api/v1/quotas", &body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{body}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["code"], code, "{problem}");
    }
    let r = app
        .get(
            &other.admin_key,
            &format!("/api/v1/quotas/{}/pursuit", w.quota),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;
    let r = app
        .get(
            &t.admin_key,
            &format!("/api/v1/quotas/{}/pursuit?date=tomorrow", w.quota),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(app.snapshot(&[t.id, other.id]).await, before);
}

async fn outreach_is_drafted_in_the_reps_persona_and_waits(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let s = scene(&app, &t).await;
    let w = world(&app, &t, &s).await;
    let persona_path = format!("/api/v1/users/{}/persona", w.rep);
    let persona = json!({"display_name": "Rafa Costa", "signature": "Account Executive, Skyvera",
        "tone": "friendly", "examples": ["Hey Sam,\nQuick one. Does Thursday work?\nCheers,\nRafa"]});

    // Only a person writes a persona: the rep or a manager, never a service key.
    let r = app
        .request(reqwest::Method::PUT, &t.admin_key, &persona_path)
        .json(&persona)
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    let bad = json!({"display_name": "Rafa", "signature": "https://evil.io/track"});
    let r = app
        .request(reqwest::Method::PUT, &w.rep_key, &persona_path)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_input").await;
    let r = app
        .request(reqwest::Method::PUT, &w.rep_key, &persona_path)
        .json(&persona)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .request(reqwest::Method::PUT, &s.manager_key, &persona_path)
        .json(&persona)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stored: Value = r.json().await.unwrap();
    assert_eq!(stored["version"], 2);
    let r = app
        .get(&other.admin_key, &persona_path)
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;

    let contacts: Value = app
        .get(
            &t.admin_key,
            &format!("/api/v1/contacts?account_id={}", s.account),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jo = contacts["items"][0]["id"].as_str().unwrap().to_owned();
    let outreach = format!("/api/v1/opportunities/{}/outreach", w.big);
    let r = app
        .post(&t.admin_key, &outreach, &json!({"contact_id": jo}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let run: Value = r.json().await.unwrap();
    let action = &run["actions"][0];
    assert_eq!(action["kind"], "send_email");
    assert_eq!(action["decision"], "pending_approval", "{run}");
    let payload = &action["payload"];
    assert_eq!(payload["to"], json!(["jo@acme.com"]));
    let body = payload["body"].as_str().unwrap();
    assert!(body.starts_with("Hey Jo,"), "the rep's greeting: {body}");
    assert!(
        body.contains("Cheers,\nRafa Costa\nAccount Executive, Skyvera"),
        "{body}"
    );

    let chat: Value = app
        .post(
            &t.admin_key,
            &outreach,
            &json!({"contact_id": jo, "channel": "chat"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(chat["actions"][0]["kind"], "post_chat", "{chat}");

    // Bad requests draft nothing.
    let before = app.snapshot(&[t.id, other.id]).await;
    let elsewhere = app
        .create(
            &t.admin_key,
            "/api/v1/accounts",
            json!({"name": "Globex", "domains": ["globex.com"]}),
        )
        .await;
    let stranger = app
        .create(
            &t.admin_key,
            "/api/v1/contacts",
            json!({"account_id": elsewhere["id"], "name": "Ann", "email": "ann@globex.com"}),
        )
        .await;
    let viewer = app.key(t.id, domain::user::Role::Viewer, None).await;
    idle(&app).await;
    // Only the rep or a manager writes in a named rep's persona; the skill cannot be run with a
    // caller's own input (who signs would be the caller's choice).
    let r = app
        .post(
            &t.admin_key,
            &outreach,
            &json!({"contact_id": jo, "rep_id": w.rep}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    let r = app
        .post(
            &t.admin_key,
            "/api/v1/agents/sales/skills/draft_outreach",
            &json!({}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "skill_not_manual").await;
    let before_requests = app.snapshot(&[t.id, other.id]).await;
    assert_ne!(before, before_requests);
    for (body, status) in [
        (json!({"contact_id": stranger["id"]}), 422),
        (json!({"contact_id": uuid::Uuid::now_v7()}), 422),
        (json!({"contact_id": jo, "channel": "fax"}), 422),
        (json!({"contact_id": jo, "purpose": "bribe"}), 422),
        (json!({"contact_id": jo, "tone": "angry"}), 422),
    ] {
        let r = app
            .post(&t.admin_key, &outreach, &body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{body}");
    }
    let r = app
        .post(&other.admin_key, &outreach, &json!({"contact_id": jo}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;
    let r = app
        .post(&viewer, &outreach, &json!({"contact_id": jo}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let after = app.snapshot(&[t.id, other.id]).await;
    let changed: Vec<&str> = after
        .lines()
        .filter(|l| !before_requests.lines().any(|b| b == *l))
        .collect();
    assert!(changed.is_empty(), "bad requests changed: {changed:#?}");
}

both_backends!(
    quotas_show_pursuit_and_the_daily_plan,
    outreach_is_drafted_in_the_reps_persona_and_waits,
);
