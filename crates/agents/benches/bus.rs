//! Event bus throughput and dispatch latency: events written by state changes (accounts created
//! through the store, each appending an `account.created` event in its transaction) delivered to
//! a no-op handler through the durable job queue.
//!
//! - Drain: 5,000 events are written with the runtime stopped, then the runtime(s) start and the
//!   clock runs until every job is handled and deleted: events per second through the bus.
//! - Live: the runtime runs while a writer offers events at a fixed rate; dispatch latency is the
//!   time from the write's timestamp (taken just before its transaction) to the handler's start.
//!
//! On SQLite (one process), and on PostgreSQL with one and two runtimes when
//! `AGENT_ARMY_TEST_DATABASE_URL` is set. The first runtime shares the writers' store, as a
//! server handles the events it writes; the second has its own pools and LISTEN connection, as
//! another replica would.
//!
//! Run: `cargo bench -p agents --bench bus` (options: `-- --events 5000 --seconds 5 --rate 500`).

#![expect(clippy::unwrap_used, reason = "benchmark harness fails loudly")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agents::{Handler, HandlerError, Runtime, RuntimeConfig};
use async_trait::async_trait;
use domain::account::NewAccount;
use domain::actor::Actor;
use domain::id::TenantId;
use domain::tenant::TenantSlug;
use store::jobs::Job;
use store::{Store, WriteCtx};
use testkit::{Backend, TestDb};
use tokio::sync::watch;

/// Counts jobs and records dispatch latency; does nothing else.
#[derive(Default)]
struct NoOp {
    handled: AtomicUsize,
    latencies_us: Mutex<Vec<u64>>,
}

#[async_trait]
impl Handler for NoOp {
    fn name(&self) -> &str {
        "noop"
    }

    fn event_kinds(&self) -> Vec<String> {
        vec!["account.created".into()]
    }

    async fn handle(&self, job: &Job) -> Result<(), HandlerError> {
        let waited = (store::now() - job.enqueued_at)
            .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
            .map(|d| d.as_micros().max(0) as u64)
            .unwrap_or(0);
        if let Ok(mut l) = self.latencies_us.lock() {
            l.push(waited);
        }
        self.handled.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config() -> RuntimeConfig {
    RuntimeConfig {
        concurrency: 32,
        ..RuntimeConfig::default()
    }
}

async fn write_event(store: &Store, tenant: TenantId, i: u64) {
    let w = WriteCtx::new(tenant, Actor::operator(), None);
    let account = NewAccount {
        name: format!("Account {i}"),
        domains: Vec::new(),
        industry: None,
        region: None,
        owner_id: None,
    }
    .into_account(w.now)
    .unwrap();
    store.create(&w, account, None).await.unwrap();
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank] as f64 / 1000.0
}

struct Runtimes {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<Result<(), store::Error>>>,
}

/// Starts `n` runtimes: the first on the writers' store (as in a server, which handles the events
/// it writes), the others each on their own store (pools and listener), as other replicas.
async fn start(db: &TestDb, writers: &Store, handler: &Arc<NoOp>, n: usize) -> Runtimes {
    let (stop, stopped) = watch::channel(false);
    let mut tasks = Vec::new();
    for i in 0..n {
        let store = if i == 0 {
            writers.clone()
        } else {
            Store::connect(&db.connect_options()).await.unwrap()
        };
        let runtime = Runtime::new(store, vec![handler.clone() as Arc<dyn Handler>], config());
        tasks.push(tokio::spawn(runtime.run(stopped.clone())));
    }
    Runtimes { stop, tasks }
}

async fn stop(runtimes: Runtimes) {
    let _ = runtimes.stop.send(true);
    for task in runtimes.tasks {
        let _ = task.await;
    }
}

async fn scenario(backend: &Backend, label: &str, replicas: usize) {
    let events = arg("--events", 5000);
    let seconds = arg("--seconds", 5);
    let rate = arg("--rate", 500);
    let db = TestDb::create(backend).await.unwrap();
    let store = Store::connect(&db.connect_options()).await.unwrap();
    store.migrate().await.unwrap();
    let noop = Arc::new(NoOp::default());
    let subscriptions = Runtime::new(
        store.clone(),
        vec![noop.clone() as Arc<dyn Handler>],
        config(),
    )
    .subscriptions();
    store.register_subscriptions(&subscriptions).await.unwrap();
    let tenant = store
        .create_tenant(TenantSlug::parse("bench").unwrap(), None)
        .await
        .unwrap()
        .id;

    // Drain: write with the runtime stopped, then time the runtime through the backlog.
    let writers = 8;
    let per_writer = events / writers;
    let mut handles = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..per_writer {
                write_event(&store, tenant, w * per_writer + i).await;
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let total = (per_writer * writers) as usize;
    let began = Instant::now();
    let runtimes = start(&db, &store, &noop, replicas).await;
    while noop.handled.load(Ordering::Relaxed) < total {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    while store.job_counts().await.unwrap().0 > 0 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let drain = began.elapsed();
    let drained_per_second = total as f64 / drain.as_secs_f64();

    // Live: a fixed offered rate, latency from write to handler start.
    noop.latencies_us.lock().unwrap().clear();
    let before = noop.handled.load(Ordering::Relaxed);
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let count = rate * seconds;
    let mut next = tokio::time::Instant::now();
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..count {
        tokio::time::sleep_until(next).await;
        next += interval;
        let store = store.clone();
        writes.spawn(async move { write_event(&store, tenant, 1_000_000 + i).await });
    }
    while writes.join_next().await.is_some() {}
    while noop.handled.load(Ordering::Relaxed) < before + count as usize {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    stop(runtimes).await;
    let mut latencies = noop.latencies_us.lock().unwrap().clone();
    latencies.sort_unstable();
    println!(
        "| {label} | {replicas} | {total} in {:.2} s: **{drained_per_second:.0} events/s** | {rate}/s for {seconds} s | {:.2} / {:.2} ms |",
        drain.as_secs_f64(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("| backend | runtimes | drain (backlog through the bus) | live offered rate | dispatch p50 / p99 |");
        println!("|---|---|---|---|---|");
        scenario(&Backend::Sqlite, "SQLite", 1).await;
        if let Some(pg) = Backend::postgres() {
            scenario(&pg, "PostgreSQL", 1).await;
            scenario(&pg, "PostgreSQL", 2).await;
        }
    });
}
