//! `agent-army demo` end to end: the real binary (bench profile) on a fresh database each run,
//! from start to exit: migrate, seed three tenants, index their knowledge, run the agents over
//! every activity on the offline engine until all events are handled, and print the report.
//! Reports the wall time per run (p50 and worst) and the demo's own split (seeding, agents).
//! SQLite always; PostgreSQL when `AGENT_ARMY_TEST_DATABASE_URL` is set.
//!
//! Run: `cargo bench -p agent-army --bench demo` (options: `-- --runs 5`).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark harness fails loudly"
)]

use std::time::{Duration, Instant};

use testkit::{Backend, TestDb};

mod common;

use common::cli;

fn runs() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

/// The "timings:" line of the report.
fn timings(report: &str) -> String {
    report
        .lines()
        .find(|l| l.starts_with("timings:"))
        .unwrap_or("no timings line")
        .to_owned()
}

async fn bench(name: &str, backend: Backend, runs: usize) {
    let mut walls: Vec<Duration> = Vec::new();
    let mut last = String::new();
    for _ in 0..runs {
        let db = TestDb::create(&backend).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let out = cli(&dir.path().join("data"), &db)
            .arg("demo")
            .output()
            .unwrap();
        walls.push(started.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        last = timings(&String::from_utf8(out.stdout).unwrap());
    }
    walls.sort();
    println!(
        "{name}: demo end to end over {runs} runs: p50 {:.2} s, worst {:.2} s; last run's report: {last}",
        walls[walls.len() / 2].as_secs_f64(),
        walls[walls.len() - 1].as_secs_f64(),
    );
}

fn main() {
    let runs = runs();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        bench("SQLite", Backend::Sqlite, runs).await;
        match Backend::postgres() {
            Some(pg) => bench("PostgreSQL", pg, runs).await,
            None => println!("PostgreSQL skipped: set AGENT_ARMY_TEST_DATABASE_URL"),
        }
    });
}
