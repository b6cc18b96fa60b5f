//! The agent runtime through the API: events start runs, the guardrails hold outbound work for a
//! human, approvals release it exactly once, post-close handoffs follow a human close, dead
//! letters replay, and the event stream serves the tenant's events.

use std::time::Duration;

use domain::user::Role;
use serde_json::{Value, json};
use testkit::{AppOptions, Backend, TestApp, TestTenant, assert_problem, both_backends};

pub async fn spawn_with_agents(backend: Backend) -> TestApp {
    testkit::spawn_app_with_options(
        backend,
        AppOptions {
            agents: true,
            ..AppOptions::default()
        },
    )
    .await
}

/// GETs `path` until `done` accepts the body, for up to ten seconds.
pub async fn wait_for(
    app: &TestApp,
    key: &str,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        last = app
            .get(key, path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    unreachable!("timed out waiting on {path}; last answer {last}");
}

/// An account on acme.com with one contact, and a human manager with a personal key.
pub struct Scene {
    pub account: String,
    pub manager_key: String,
}

pub async fn scene(app: &TestApp, t: &TestTenant) -> Scene {
    let account = app
        .create(
            &t.admin_key,
            "/api/v1/accounts",
            json!({"name": "Acme", "domains": ["acme.com"]}),
        )
        .await;
    let account = account["id"].as_str().unwrap().to_owned();
    app.create(
        &t.admin_key,
        "/api/v1/contacts",
        json!({"account_id": account, "name": "Jo Smith", "email": "jo@acme.com"}),
    )
    .await;
    let user = app
        .create(
            &t.admin_key,
            "/api/v1/users",
            json!({"email": "mara@skyvera.com", "name": "Mara", "role": "manager"}),
        )
        .await;
    let user_id = user["id"].as_str().unwrap().parse().unwrap();
    let manager_key = app.key(t.id, Role::Manager, Some(user_id)).await;
    Scene {
        account,
        manager_key,
    }
}

pub fn inbound_email(account: &str, from: &str, subject: &str, body: &str) -> Value {
    json!({"kind": "email", "subject": subject, "body": body, "account_id": account,
        "participants": [{"role": "from", "email": from, "name": "Jo Smith"}]})
}

/// The runs an activity triggered, once there is at least one.
pub async fn runs_of(app: &TestApp, key: &str, activity: &str) -> Vec<Value> {
    let page = wait_for(
        app,
        key,
        &format!("/api/v1/agent-runs?activity_id={activity}"),
        |p| p["items"].as_array().is_some_and(|i| !i.is_empty()),
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

async fn inbound_email_is_triaged_and_the_reply_waits_for_a_human(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    let activity = app
        .create(
            &t.admin_key,
            "/api/v1/activities",
            inbound_email(
                &s.account,
                "jo@acme.com",
                "Pricing for 200 seats",
                "Could you send a quote for 200 seats? Thanks.",
            ),
        )
        .await;
    let activity_id = activity["id"].as_str().unwrap();
    let runs = runs_of(&app, &t.admin_key, activity_id).await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!(run["role"], "sales");
    assert_eq!(run["skill"], "triage_email");
    assert_eq!(run["trigger"], "event");
    assert_eq!(run["answered_by"], "offline");
    assert_eq!(run["injection_suspected"], false);
    let actions = run["actions"].as_array().unwrap();
    let decision = |kind: &str| {
        actions
            .iter()
            .find(|a| a["kind"] == kind)
            .map(|a| a["decision"].as_str().unwrap().to_owned())
    };
    assert_eq!(decision("send_email").as_deref(), Some("pending_approval"));
    assert_eq!(decision("create_task").as_deref(), Some("executed"));

    // The task ran without a human; the reply waits.
    wait_for(
        &app,
        &t.admin_key,
        &format!("/api/v1/tasks?account_id={}", s.account),
        |p| p["items"].as_array().is_some_and(|i| i.len() == 1),
    )
    .await;
    let outbox: Value = app
        .get(&t.admin_key, "/api/v1/outbox")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outbox["items"], json!([]), "nothing leaves before approval");
    let pending: Value = app
        .get(&t.admin_key, "/api/v1/approvals?status=pending")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let approvals = pending["items"].as_array().unwrap();
    assert_eq!(approvals.len(), 1);
    let approval = &approvals[0];
    assert_eq!(approval["payload"]["to"], json!(["jo@acme.com"]));
    let id = approval["id"].as_str().unwrap();
    for status in ["approved", "rejected"] {
        let page: Value = app
            .get(&t.admin_key, &format!("/api/v1/approvals?status={status}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["items"], json!([]), "{status}");
    }

    // A service key never approves; a human does, once.
    let approve = format!("/api/v1/approvals/{id}/approve");
    assert_problem(
        app.post(&t.admin_key, &approve, &json!({}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let r = app
        .post(&s.manager_key, &approve, &json!({"note": "fine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let approved: Value = r.json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    assert_problem(
        app.post(&s.manager_key, &approve, &json!({}))
            .send()
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    let outbox = wait_for(&app, &t.admin_key, "/api/v1/outbox", |p| {
        p["items"].as_array().is_some_and(|i| !i.is_empty())
    })
    .await;
    let entries = outbox["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["approval_id"], json!(id));
    assert_eq!(entries[0]["to"], json!(["jo@acme.com"]));
    assert_eq!(entries[0]["channel"], "email");
    let done = wait_for(
        &app,
        &t.admin_key,
        &format!("/api/v1/approvals/{id}"),
        |a| !a["executed_at"].is_null(),
    )
    .await;
    assert!(done["decided_by"].is_string());
}

async fn approvals_refuse_bad_decisions_and_change_nothing(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let s = scene(&app, &t).await;
    let activity = app
        .create(
            &t.admin_key,
            "/api/v1/activities",
            inbound_email(&s.account, "jo@acme.com", "Demo", "Can we meet next week?"),
        )
        .await;
    runs_of(&app, &t.admin_key, activity["id"].as_str().unwrap()).await;
    let pending = wait_for(
        &app,
        &t.admin_key,
        "/api/v1/approvals?status=pending",
        |p| p["items"].as_array().is_some_and(|i| i.len() == 1),
    )
    .await;
    let id = pending["items"][0]["id"].as_str().unwrap().to_owned();
    let approve = format!("/api/v1/approvals/{id}/approve");
    let reject = format!("/api/v1/approvals/{id}/reject");
    // Let the executor finish the auto-run task before taking the snapshot.
    wait_for(
        &app,
        &t.admin_key,
        &format!("/api/v1/tasks?account_id={}", s.account),
        |p| p["items"].as_array().is_some_and(|i| i.len() == 1),
    )
    .await;
    let before = app.snapshot(&[t.id]).await;
    let cases: Vec<(String, Value, u16, &str)> = vec![
        (reject.clone(), json!({}), 422, "invalid_input"),
        (
            reject.clone(),
            json!({"reason": "   "}),
            422,
            "invalid_input",
        ),
        (
            approve.clone(),
            json!({"payload": {"kind": "create_task", "title": "x"}}),
            422,
            "invalid_input",
        ),
        (
            approve.clone(),
            json!({"payload": {"kind": "sign_contract", "description": "x"}}),
            422,
            "invalid_input",
        ),
        (
            approve.clone(),
            json!({"payload": "yes"}),
            422,
            "invalid_input",
        ),
        (approve.clone(), json!({"colour": 1}), 422, "invalid_input"),
        (
            "/api/v1/approvals/not-an-id/approve".into(),
            json!({}),
            404,
            "not_found",
        ),
        (
            format!("/api/v1/approvals/{}/approve", uuid::Uuid::now_v7()),
            json!({}),
            404,
            "not_found",
        ),
    ];
    for (path, body, status, code) in cases {
        let r = app.post(&s.manager_key, &path, &body).send().await.unwrap();
        assert_problem(r, status, code).await;
    }
    let r = app
        .request(reqwest::Method::POST, &s.manager_key, &approve)
        .header("content-type", "application/json")
        .body("{\"payload\":")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "malformed_json").await;
    // Another tenant's approval does not exist for this one.
    let other_user = app
        .create(
            &other.admin_key,
            "/api/v1/users",
            json!({"email": "lee@jigtree.com", "name": "Lee", "role": "admin"}),
        )
        .await;
    let other_manager = app
        .key(
            other.id,
            Role::Admin,
            Some(other_user["id"].as_str().unwrap().parse().unwrap()),
        )
        .await;
    assert_problem(
        app.post(&other_manager, &approve, &json!({}))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&other.admin_key, &format!("/api/v1/approvals/{id}"))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        before,
        app.snapshot(&[t.id]).await,
        "refused decisions changed nothing"
    );

    // Rejected with a reason: the action never runs.
    let r = app
        .post(
            &s.manager_key,
            &reject,
            &json!({"reason": "We call instead."}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rejected: Value = r.json().await.unwrap();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["note"], "We call instead.");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let outbox: Value = app
        .get(&t.admin_key, "/api/v1/outbox")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outbox["items"], json!([]));
}

async fn an_edited_approval_sends_the_edited_message(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    let activity = app
        .create(
            &t.admin_key,
            "/api/v1/activities",
            inbound_email(&s.account, "jo@acme.com", "Pricing", "A quote please?"),
        )
        .await;
    runs_of(&app, &t.admin_key, activity["id"].as_str().unwrap()).await;
    let pending = wait_for(
        &app,
        &t.admin_key,
        "/api/v1/approvals?status=pending",
        |p| p["items"].as_array().is_some_and(|i| i.len() == 1),
    )
    .await;
    let approval = &pending["items"][0];
    let mut payload = approval["payload"].clone();
    payload["body"] = json!("Hi Jo, the quote is attached. Best, Mara");
    payload["cc"] = json!(["finance@acme.com"]);
    let r = app
        .post(
            &s.manager_key,
            &format!(
                "/api/v1/approvals/{}/approve",
                approval["id"].as_str().unwrap()
            ),
            &json!({"payload": payload}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let approved: Value = r.json().await.unwrap();
    assert_eq!(approved["edited"], true);
    let outbox = wait_for(&app, &t.admin_key, "/api/v1/outbox", |p| {
        p["items"].as_array().is_some_and(|i| !i.is_empty())
    })
    .await;
    assert_eq!(
        outbox["items"][0]["body"],
        "Hi Jo, the quote is attached. Best, Mara"
    );
    assert_eq!(outbox["items"][0]["cc"], json!(["finance@acme.com"]));
}

async fn a_policy_that_trusts_known_recipients_sends_without_approval(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    let r = app
        .patch(
            &t.admin_key,
            "/api/v1/guardrails/policy",
            &json!({"modes": {"send_email": "execute"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A policy cannot loosen what only humans do.
    assert_problem(
        app.patch(
            &t.admin_key,
            "/api/v1/guardrails/policy",
            &json!({"modes": {"sign_contract": "execute"}}),
        )
        .send()
        .await
        .unwrap(),
        422,
        "invalid_input",
    )
    .await;
    // Known sender: the reply runs at once and the outbox says no approval released it.
    let known = app
        .create(
            &t.admin_key,
            "/api/v1/activities",
            inbound_email(&s.account, "jo@acme.com", "Hello", "Just saying hello."),
        )
        .await;
    let runs = runs_of(&app, &t.admin_key, known["id"].as_str().unwrap()).await;
    let send = runs[0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "send_email")
        .cloned()
        .unwrap();
    assert_eq!(send["decision"], "executed");
    let outbox = wait_for(&app, &t.admin_key, "/api/v1/outbox", |p| {
        p["items"].as_array().is_some_and(|i| !i.is_empty())
    })
    .await;
    assert_eq!(outbox["items"][0]["approval_id"], Value::Null);
    // Unknown sender: still held, whatever the policy.
    let unknown = app
        .create(
            &t.admin_key,
            "/api/v1/activities",
            inbound_email(&s.account, "someone@elsewhere.io", "Hi", "Hello there."),
        )
        .await;
    let runs = runs_of(&app, &t.admin_key, unknown["id"].as_str().unwrap()).await;
    let send = runs[0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "send_email")
        .cloned()
        .unwrap();
    assert_eq!(send["decision"], "pending_approval");
    assert!(
        send["reasons"].to_string().contains("not on the account"),
        "{send}"
    );
}

async fn a_human_close_hands_the_deal_to_delivery_roles(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    let opp = app
        .create(
            &t.admin_key,
            "/api/v1/opportunities",
            json!({"account_id": s.account, "name": "Acme rollout", "amount": "120000.00", "currency": "EUR",
                "close_date": "2026-12-15", "stage": "negotiation"}),
        )
        .await;
    let opp = opp["id"].as_str().unwrap();
    let r = app
        .post(
            &s.manager_key,
            &format!("/api/v1/opportunities/{opp}/stage"),
            &json!({"stage": "closed_won"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let runs = wait_for(
        &app,
        &t.admin_key,
        &format!("/api/v1/agent-runs?opportunity_id={opp}"),
        |p| p["items"].as_array().is_some_and(|i| i.len() == 3),
    )
    .await;
    let mut skills: Vec<&str> = runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["skill"].as_str().unwrap())
        .collect();
    skills.sort_unstable();
    assert_eq!(skills, ["invoice_schedule", "kickoff", "onboarding_plan"]);
    // Their tasks run without approval (internal work) and land on the deal.
    wait_for(
        &app,
        &t.admin_key,
        &format!("/api/v1/tasks?opportunity_id={opp}&limit=100"),
        |p| p["items"].as_array().is_some_and(|i| i.len() == 13),
    )
    .await;
}

async fn failed_jobs_become_dead_letters_an_admin_replays(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let job = store::jobs::NewJob {
        kind: domain::job::JobKind::Event,
        subscriber: "retired_handler".into(),
        subject_id: uuid::Uuid::now_v7(),
        dedupe_key: "test:retired".into(),
        max_attempts: 1,
        run_at: store::now(),
    };
    assert!(app.store.enqueue_job(t.id, &job).await.unwrap());
    let letters = wait_for(
        &app,
        &t.admin_key,
        "/api/v1/dead-letters?waiting=true",
        |p| p["items"].as_array().is_some_and(|i| i.len() == 1),
    )
    .await;
    let letter = &letters["items"][0];
    assert!(
        letter["last_error"]
            .as_str()
            .unwrap()
            .contains("retired_handler")
    );
    let rep = app.key(t.id, Role::Rep, None).await;
    assert_problem(
        app.get(&rep, "/api/v1/dead-letters").send().await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    let replay = format!(
        "/api/v1/dead-letters/{}/replay",
        letter["id"].as_str().unwrap()
    );
    let r = app
        .post(&t.admin_key, &replay, &json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_problem(
        app.post(&t.admin_key, &replay, &json!({}))
            .send()
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    // The replay ran and failed again: a second dead letter, the first marked replayed.
    wait_for(&app, &t.admin_key, "/api/v1/dead-letters", |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 2)
    })
    .await;
    let waiting: Value = app
        .get(&t.admin_key, "/api/v1/dead-letters?waiting=false")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(waiting["items"].as_array().unwrap().len(), 1);
}

async fn skills_run_on_demand_with_checked_input(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    let crew: Value = app
        .get(&t.admin_key, "/api/v1/agents")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let roles = crew["items"].as_array().unwrap();
    assert_eq!(roles.len(), 8);
    let sales = roles.iter().find(|r| r["role"] == "sales").unwrap();
    assert!(
        sales["skills"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "triage_email")
    );

    let path = "/api/v1/agents/sales/skills/meeting_minutes";
    let r = app
        .post(
            &s.manager_key,
            path,
            &json!({"account_id": s.account, "subject": "Weekly sync",
                "body": "Jo: We agreed on a pilot.\nMara: I'll send the plan by Friday."}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let run: Value = r.json().await.unwrap();
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["output"]["decisions"], json!(["We agreed on a pilot."]));
    assert_eq!(run["actions"][0]["decision"], "executed");

    let viewer = app.key(t.id, Role::Viewer, None).await;
    // The executor has finished the run's task.
    wait_for(
        &app,
        &t.admin_key,
        &format!("/api/v1/tasks?account_id={}", s.account),
        |p| p["items"].as_array().is_some_and(|i| i.len() == 1),
    )
    .await;
    let before = app.snapshot(&[t.id]).await;
    for (path, body, status, code) in [
        (path, json!({"subject": "no body"}), 422, "invalid_input"),
        (path, json!({"body": "x", "extra": 1}), 422, "invalid_input"),
        (
            "/api/v1/agents/sales/skills/no_such_skill",
            json!({"body": "x"}),
            404,
            "not_found",
        ),
        (
            "/api/v1/agents/wizard/skills/triage_email",
            json!({"body": "x"}),
            404,
            "not_found",
        ),
        (
            path,
            json!({"body": "x", "account_id": uuid::Uuid::now_v7().to_string()}),
            404,
            "not_found",
        ),
    ] {
        let r = app.post(&s.manager_key, path, &body).send().await.unwrap();
        assert_problem(r, status, code).await;
    }
    assert_problem(
        app.post(&viewer, path, &json!({"body": "x"}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        before,
        app.snapshot(&[t.id]).await,
        "refused runs wrote nothing"
    );
}

async fn the_event_stream_serves_the_tenants_events(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let r = app
        .client
        .get(format!("{}/api/v1/events/stream", app.url))
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "unauthorized").await;
    let mut stream = app
        .get(&t.admin_key, "/api/v1/events/stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    app.create(
        &other.admin_key,
        "/api/v1/accounts",
        json!({"name": "Not yours"}),
    )
    .await;
    app.create(&t.admin_key, "/api/v1/accounts", json!({"name": "Globex"}))
        .await;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !text.contains("Globex") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("event: account.created"), "{text}");
    assert!(
        !text.contains("Not yours"),
        "another tenant's event leaked: {text}"
    );
}

async fn proposals_per_sender_are_deduplicated_and_capped(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    let mut decisions = Vec::new();
    for subject in [
        "Hello", "Hello", "One", "Two", "Three", "Four", "Five", "Six",
    ] {
        let activity = app
            .create(
                &t.admin_key,
                "/api/v1/activities",
                inbound_email(&s.account, "jo@acme.com", subject, "Please call me."),
            )
            .await;
        let runs = runs_of(&app, &t.admin_key, activity["id"].as_str().unwrap()).await;
        let send = runs[0]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == "send_email")
            .cloned()
            .unwrap();
        decisions.push((
            send["decision"].as_str().unwrap().to_owned(),
            send["reasons"][0].to_string(),
        ));
    }
    assert_eq!(decisions[0].0, "pending_approval");
    assert_eq!(
        decisions[1].0, "forbidden",
        "a duplicate of a waiting proposal"
    );
    assert!(
        decisions[1].1.contains("already waits"),
        "{:?}",
        decisions[1]
    );
    let pending = decisions
        .iter()
        .filter(|d| d.0 == "pending_approval")
        .count();
    assert_eq!(pending, 5, "at most five waiting per sender: {decisions:?}");
    assert!(decisions[7].1.contains("held back"), "{:?}", decisions[7]);
}

async fn bad_queries_and_changes_on_runtime_routes_are_refused(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let k = &t.admin_key;
    let rep = app.key(t.id, Role::Rep, None).await;
    // First uses stamp the keys' last_used_at; do them before the snapshot.
    for key in [k, &rep] {
        assert_eq!(
            app.get(key, "/api/v1/tenant")
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let before = app.snapshot(&[t.id]).await;
    for path in [
        "/api/v1/agent-runs?activity_id=nope",
        "/api/v1/agent-runs?trigger=telepathy",
        "/api/v1/agent-runs?injection_suspected=maybe",
        "/api/v1/approvals?status=maybe",
        "/api/v1/approvals?kind=teleport",
        "/api/v1/outbox?channel=fax",
        "/api/v1/dead-letters?waiting=perhaps",
        "/api/v1/activities?injection_suspected=2",
        "/api/v1/approvals?limit=0",
    ] {
        let r = app.get(k, path).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
    }
    for (path, status) in [
        ("/api/v1/agent-runs/not-an-id", 404),
        (
            &format!("/api/v1/agent-runs/{}", uuid::Uuid::now_v7()) as &str,
            404,
        ),
    ] {
        assert_eq!(
            app.get(k, path).send().await.unwrap().status(),
            status,
            "{path}"
        );
    }
    let replay = format!("/api/v1/dead-letters/{}/replay", uuid::Uuid::now_v7());
    assert_problem(
        app.post(k, &replay, &json!({})).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(k, "/api/v1/dead-letters/x/replay", &json!({}))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    for body in [
        json!({"modes": {"teleport": "execute"}}),
        json!({"modes": {"send_email": "sometimes"}}),
        json!({"modes": {"move_money": "require_approval"}}),
        json!({"auto_discount_max_percent": "101"}),
        json!({"auto_discount_max_percent": "-1"}),
        json!({"colour": "red"}),
    ] {
        let r = app
            .patch(k, "/api/v1/guardrails/policy", &body)
            .send()
            .await
            .unwrap();
        assert_problem(r, 422, "invalid_input").await;
    }
    let r = app
        .patch(
            &rep,
            "/api/v1/guardrails/policy",
            &json!({"auto_discount_max_percent": "5"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    assert_eq!(
        before,
        app.snapshot(&[t.id]).await,
        "refused requests changed nothing"
    );
}

both_backends!(
    bad_queries_and_changes_on_runtime_routes_are_refused,
    proposals_per_sender_are_deduplicated_and_capped,
    inbound_email_is_triaged_and_the_reply_waits_for_a_human,
    approvals_refuse_bad_decisions_and_change_nothing,
    an_edited_approval_sends_the_edited_message,
    a_policy_that_trusts_known_recipients_sends_without_approval,
    a_human_close_hands_the_deal_to_delivery_roles,
    failed_jobs_become_dead_letters_an_admin_replays,
    skills_run_on_demand_with_checked_input,
    the_event_stream_serves_the_tenants_events,
);
