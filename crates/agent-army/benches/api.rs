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

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::{Backend, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_agent-army");

struct Options {
    seconds: u64,
    connections: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
    };
    Options {
        seconds: value("--seconds").unwrap_or(10),
        connections: value("--connections").unwrap_or(32) as usize,
    }
}

fn cli(data: &Path, db: &TestDb) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(data)
        .env("AGENT_ARMY_LOG__LEVEL", "warn");
    if db.postgres_name().is_some() {
        cmd.arg("--database-url").arg(db.url());
    }
    cmd
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

struct Served {
    child: Child,
    url: String,
    cold_start: Duration,
}

async fn start(data: &Path, db: &TestDb) -> Served {
    let began = Instant::now();
    let mut child = cli(data, db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("AGENT_ARMY_LOG__LEVEL", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let client = testkit::http_client();
    while !client
        .get(format!("{url}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {}
    Served {
        child,
        url,
        cold_start: began.elapsed(),
    }
}

struct Run {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies_us: Vec<u32>,
    peak_rss_kib: u64,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
        f64::from(sorted[rank]) / 1000.0
    }
}

/// Runs `connections` workers for `seconds`, each sending `make(client, n)` back to back.
async fn load<F>(options: &Options, pid: u32, make: F) -> Run
where
    F: Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..options.connections {
        let make = Arc::clone(&make);
        let stop = Arc::clone(&stop);
        workers.push(tokio::spawn(async move {
            llm::ensure_tls_provider();
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let (mut latencies, mut errors, mut n) = (Vec::with_capacity(100_000), 0usize, 0usize);
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = match make(&client, w * 1_000_000 + n).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                latencies.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                errors += usize::from(!ok);
                n += 1;
            }
            (latencies, errors)
        }));
    }
    let mut peak = 0;
    let deadline = started + Duration::from_secs(options.seconds);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        peak = peak.max(rss_kib(pid));
    }
    stop.store(true, Ordering::Relaxed);
    let mut run = Run {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
        peak_rss_kib: peak,
    };
    for w in workers {
        let (lat, errors) = w.await.unwrap();
        run.requests += lat.len();
        run.errors += errors;
        run.latencies_us.extend(lat);
    }
    run.elapsed = started.elapsed();
    run
}

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

    let served = start(&data, &db).await;
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
    let writes = load(options, pid, move |c, n| {
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
    let reads = load(options, pid, move |c, _| {
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
