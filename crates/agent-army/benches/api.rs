//! HTTP API load benchmark: the real `agent-army serve` process (release build) driven over
//! loopback by an in-process load generator with keep-alive connections.
//!
//! Measures, per backend: cold start to ready, sustained write throughput (POST
//! /api/v1/activities), read throughput and latency (GET /api/v1/opportunities/{id}?include=
//! activities), and server memory (RSS) at idle and under load. SQLite always; PostgreSQL when
//! `AGENT_ARMY_TEST_DATABASE_URL` is set.
//!
//! Run: `cargo bench -p agent-army --bench api` (options: `-- --seconds 10 --connections 32`).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark harness fails loudly"
)]

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use testkit::{Backend, TestDb};

mod common;

use common::{Options, cli, load, options, rss_kib, start};

async fn bench(name: &str, backend: Backend, options: &Options) {
    let db = TestDb::create(&backend).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(cli(&data, &db).arg("migrate").status().unwrap().success());
    assert!(
        cli(&data, &db)
            .args(["tenant", "create", "bench"])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success()
    );
    let out = cli(&data, &db)
        .args(["apikey", "create", "--tenant", "bench", "--role", "admin"])
        .output()
        .unwrap();
    let key = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();

    let served = start(&data, &db, None).await;
    let pid = served.child.id();
    let url = served.url.clone();
    let http = testkit::http_client();
    let account: Value = http
        .post(format!("{url}/api/v1/accounts"))
        .bearer_auth(&key)
        .json(&json!({"name": "Acme", "domains": ["acme.com"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let opp: Value = http.post(format!("{url}/api/v1/opportunities")).bearer_auth(&key)
        .json(&json!({"account_id": account["id"], "name": "Acme rollout", "amount": {"amount": "120000", "currency": "USD"}, "close_date": "2027-06-30"}))
        .send().await.unwrap().json().await.unwrap();
    let opp_id = opp["id"].as_str().unwrap().to_owned();
    for i in 0..20 {
        let r = http.post(format!("{url}/api/v1/activities")).bearer_auth(&key)
            .json(&json!({"kind": "email", "subject": format!("Thread {i}"), "body": "Hello,\nfollowing up on the proposal.", "opportunity_id": opp_id, "account_id": account["id"]}))
            .send().await.unwrap();
        assert_eq!(r.status(), 201);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = rss_kib(pid);

    let (write_url, write_key, write_opp) = (
        format!("{url}/api/v1/activities"),
        key.clone(),
        opp_id.clone(),
    );
    let writes = load(options.seconds, options.connections, pid, move |c, n| {
        c.post(&write_url).bearer_auth(&write_key).json(&json!({
            "kind": "note", "subject": format!("note {n}"),
            "body": "Call notes: budget confirmed for Q3, security review next week.",
            "opportunity_id": write_opp,
        }))
    })
    .await;

    // Reads use a fresh opportunity with 20 activities, so the payload does not grow with the
    // write phase.
    let opp2: Value = http.post(format!("{url}/api/v1/opportunities")).bearer_auth(&key)
        .json(&json!({"account_id": account["id"], "name": "Read target", "amount": {"amount": "1", "currency": "USD"}, "close_date": "2027-06-30"}))
        .send().await.unwrap().json().await.unwrap();
    let read_id = opp2["id"].as_str().unwrap().to_owned();
    for i in 0..20 {
        http.post(format!("{url}/api/v1/activities")).bearer_auth(&key)
            .json(&json!({"kind": "email", "subject": format!("Thread {i}"), "body": "Hello,\nfollowing up on the proposal.", "opportunity_id": read_id}))
            .send().await.unwrap();
    }
    let read_url = format!("{url}/api/v1/opportunities/{read_id}?include=activities");
    let read_key = key.clone();
    let reads = load(options.seconds, options.connections, pid, move |c, _| {
        c.get(&read_url).bearer_auth(&read_key)
    })
    .await;

    let mut child = served.child;
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();

    println!(
        "\n### {name} ({} connections, {} s per phase)",
        options.connections, options.seconds
    );
    println!("| figure | value |\n|---|---|");
    println!(
        "| cold start to ready (spawn → /readyz 200) | {:.0} ms |",
        served.cold_start.as_secs_f64() * 1000.0
    );
    println!(
        "| writes: create activity | {:.0} req/s ({} ok, {} errors) |",
        writes.per_second(),
        writes.requests - writes.errors,
        writes.errors
    );
    println!(
        "| write latency p50 / p99 | {:.2} ms / {:.2} ms |",
        writes.percentile_ms(50.0),
        writes.percentile_ms(99.0)
    );
    println!(
        "| reads: opportunity + 20 activities | {:.0} req/s ({} ok, {} errors) |",
        reads.per_second(),
        reads.requests - reads.errors,
        reads.errors
    );
    println!(
        "| read latency p50 / p99 | {:.2} ms / {:.2} ms |",
        reads.percentile_ms(50.0),
        reads.percentile_ms(99.0)
    );
    println!(
        "| server RSS idle / peak under load | {:.1} MiB / {:.1} MiB |",
        idle_rss as f64 / 1024.0,
        writes.peak_rss_kib.max(reads.peak_rss_kib) as f64 / 1024.0
    );
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        bench("SQLite", Backend::Sqlite, &options).await;
        match Backend::postgres() {
            Some(pg) => bench("PostgreSQL", pg, &options).await,
            None => println!("\nPostgreSQL skipped: set AGENT_ARMY_TEST_DATABASE_URL"),
        }
    });
}
