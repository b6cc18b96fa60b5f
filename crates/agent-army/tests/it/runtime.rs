//! The agent runtime across real processes: a server killed with SIGKILL in the middle of
//! processing loses no event and repeats no effect after a restart, and two servers on one
//! PostgreSQL database handle each event exactly once and fire a schedule once.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use testkit::{Backend, FakeProvider, FakeReply, TestDb, both_backends};

use super::{cli, run, serve, stdout};

/// What an obedient model answers for every inbound email: a reply and a follow-up task.
fn triage_reply() -> String {
    json!({"summary": "A question.", "intent": "other", "asks": [],
        "reply": {"to": ["jo@acme.com"], "subject": "Re: hello", "body": "Thanks Jo, I will get back to you."},
        "follow_up": {"title": "Follow up with Jo", "due_in_days": 2}})
    .to_string()
}

/// A configuration routing the Sales agent to the fake model, with short leases.
fn config(dir: &Path, fake: &FakeProvider) -> std::path::PathBuf {
    let path = dir.join("agent-army.toml");
    std::fs::write(
        &path,
        format!(
            "[llm.providers.fake]\nkind = \"openai\"\nbase_url = \"{}\"\ntotal_timeout_secs = 10\n\n\
             [llm.routes]\nsales = [\"fake/model\"]\n\n[runtime]\nlease_secs = 2\nconcurrency = 8\npoll_ms = 100\nretry_base_ms = 100\n",
            fake.base_url
        ),
    )
    .unwrap();
    path
}

/// Creates the tenant and an admin key from the CLI.
fn bootstrap(data: &Path, db: &TestDb) -> String {
    run(cli(data, db).arg("migrate"));
    run(cli(data, db).args(["tenant", "create", "skyvera"]));
    let key =
        run(cli(data, db).args(["apikey", "create", "--tenant", "skyvera", "--role", "admin"]));
    stdout(&key).lines().last().unwrap().trim().to_owned()
}

async fn post(http: &reqwest::Client, url: &str, key: &str, path: &str, body: Value) -> Value {
    let r = http
        .post(format!("{url}{path}"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{path}");
    r.json().await.unwrap()
}

async fn count(http: &reqwest::Client, url: &str, key: &str, path: &str) -> usize {
    let mut total = 0;
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut page_url = format!("{url}{path}{sep}limit=500");
        if let Some(c) = &cursor {
            page_url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = http
            .get(page_url)
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        total += page["items"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return total,
        }
    }
}

/// Waits (up to 60 s) until `path` lists `want` items.
async fn wait_count(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    path: &str,
    want: usize,
) -> usize {
    let mut seen = 0;
    for _ in 0..600 {
        seen = count(http, url, key, path).await;
        if seen >= want {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

async fn scene(http: &reqwest::Client, url: &str, key: &str) -> String {
    let account = post(
        http,
        url,
        key,
        "/api/v1/accounts",
        json!({"name": "Acme", "domains": ["acme.com"]}),
    )
    .await;
    let account = account["id"].as_str().unwrap().to_owned();
    post(
        http,
        url,
        key,
        "/api/v1/contacts",
        json!({"account_id": account, "name": "Jo", "email": "jo@acme.com"}),
    )
    .await;
    account
}

fn email(account: &str, i: usize) -> Value {
    json!({"kind": "email", "subject": format!("Question {i}"), "body": "Could you call me back?",
        "account_id": account, "participants": [{"role": "from", "email": "jo@acme.com", "name": "Jo"}]})
}

async fn a_killed_server_loses_no_event_and_repeats_no_effect(backend: Backend) {
    const EMAILS: usize = 40;
    let db = TestDb::create(&backend).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fake = FakeProvider::start().await;
    // Each answer takes a while, so the kill lands while runs are in flight.
    fake.script((0..EMAILS * 3).map(|_| {
        FakeReply::Delayed(
            Duration::from_millis(150),
            Box::new(FakeReply::Text(triage_reply())),
        )
    }));
    let config = config(dir.path(), &fake);
    let key = bootstrap(&data, &db);
    let http = testkit::http_client();

    let (mut first, url) = serve_with(&data, &db, &config);
    let account = scene(&http, &url, &key).await;
    for i in 0..EMAILS {
        post(&http, &url, &key, "/api/v1/activities", email(&account, i)).await;
    }
    let before_kill = wait_count(&http, &url, &key, "/api/v1/agent-runs", 3).await;
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    assert!(
        before_kill < EMAILS,
        "the kill should land mid-processing ({before_kill} runs done)"
    );

    let (_second, url) = serve_with(&data, &db, &config);
    let runs = wait_count(&http, &url, &key, "/api/v1/agent-runs", EMAILS).await;
    if runs != EMAILS {
        let store = store::Store::connect(&db.connect_options()).await.unwrap();
        let letters: Value = http
            .get(format!("{url}/api/v1/dead-letters"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let jobs = store.job_counts().await;
        assert_eq!(
            runs, EMAILS,
            "events lost; jobs (queued, leased) {jobs:?}; dead letters {letters}"
        );
    }
    assert_eq!(
        wait_count(&http, &url, &key, "/api/v1/tasks", EMAILS).await,
        EMAILS
    );
    // Give any duplicate a chance to appear before counting for good.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        count(&http, &url, &key, "/api/v1/agent-runs").await,
        EMAILS,
        "one run per event"
    );
    assert_eq!(
        count(&http, &url, &key, "/api/v1/tasks").await,
        EMAILS,
        "one task per run, none twice"
    );
    // The same reply to the same sender waits once; runs recorded at the same moment (up to the
    // runtime's concurrency of 8) may each pass the check before the others commit.
    let pending = count(&http, &url, &key, "/api/v1/approvals?status=pending").await;
    assert!(
        (1..=8).contains(&pending),
        "{pending} identical replies wait"
    );
    assert_eq!(count(&http, &url, &key, "/api/v1/dead-letters").await, 0);
}

fn serve_with(data: &Path, db: &TestDb, config: &Path) -> (super::Served, String) {
    serve(data, db, Some(config))
}

async fn two_replicas_share_the_work_exactly_once() {
    const EMAILS: usize = 30;
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let db = TestDb::create(&backend).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fake = FakeProvider::start().await;
    fake.script((0..EMAILS * 2).map(|_| {
        FakeReply::Delayed(
            Duration::from_millis(20),
            Box::new(FakeReply::Text(triage_reply())),
        )
    }));
    let config = config(dir.path(), &fake);
    let key = bootstrap(&data, &db);
    let http = testkit::http_client();
    let (_a, url_a) = serve_with(&data, &db, &config);
    let (_b, url_b) = serve_with(&data, &db, &config);
    let account = scene(&http, &url_a, &key).await;
    for i in 0..EMAILS {
        let url = if i % 2 == 0 { &url_a } else { &url_b };
        post(&http, url, &key, "/api/v1/activities", email(&account, i)).await;
    }
    assert_eq!(
        wait_count(&http, &url_b, &key, "/api/v1/agent-runs", EMAILS).await,
        EMAILS
    );
    assert_eq!(
        wait_count(&http, &url_a, &key, "/api/v1/tasks", EMAILS).await,
        EMAILS
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        fake.requests().len(),
        EMAILS,
        "each event was handled once: one model call each, none by both replicas"
    );
    assert_eq!(count(&http, &url_a, &key, "/api/v1/tasks").await, EMAILS);

    // Both replicas queued the schedules at start; the dedupe keys kept one firing each.
    let store = store::Store::connect(&db.connect_options()).await.unwrap();
    let tenant = store.find_tenant("skyvera").await.unwrap();
    let regions: Vec<domain::region::Region> = store
        .list(tenant.id, &store::ListQuery::default())
        .await
        .unwrap()
        .items;
    let emea = regions.iter().find(|r| r.code.as_str() == "EMEA").unwrap();
    // A firing due now: exactly one replica runs it, once.
    let schedule = &agents::schedule::SCHEDULES[0];
    let now = store::now();
    assert!(
        store
            .enqueue_job(
                tenant.id,
                &agents::schedule::firing_job(schedule, emea.id, now)
            )
            .await
            .unwrap()
    );
    assert_eq!(
        wait_count(
            &http,
            &url_a,
            &key,
            "/api/v1/agent-runs?trigger=schedule",
            1
        )
        .await,
        1
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let runs: Value = http
        .get(format!("{url_b}/api/v1/agent-runs?trigger=schedule"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let runs = runs["items"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "the schedule fired once across replicas");
    assert_eq!(runs[0]["skill"], "pipeline_review");
    assert_eq!(runs[0]["input"]["region"], "EMEA");
}

both_backends!(a_killed_server_loses_no_event_and_repeats_no_effect);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_postgres() {
    two_replicas_share_the_work_exactly_once().await;
}
