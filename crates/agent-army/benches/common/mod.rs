//! What the benchmarks share: options, starting the real binary, a closed-loop load generator with
//! latency percentiles, and process memory and CPU readings.

#![allow(dead_code, reason = "each bench uses part of this module")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use testkit::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_agent-army");

pub struct Options {
    pub seconds: u64,
    pub connections: usize,
}

pub fn options() -> Options {
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

pub fn cli(data: &Path, db: &TestDb) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(data)
        .env("AGENT_ARMY_LOG__LEVEL", "warn");
    if db.postgres_name().is_some() {
        cmd.arg("--database-url").arg(db.url());
    }
    cmd
}

pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub struct Served {
    pub child: Child,
    pub url: String,
    pub cold_start: Duration,
}

pub async fn start(data: &Path, db: &TestDb, config: Option<&Path>) -> Served {
    let began = Instant::now();
    let mut command = cli(data, db);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let mut child = command
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

pub struct Run {
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub latencies_us: Vec<u32>,
    pub peak_rss_kib: u64,
}

impl Run {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    pub fn percentile_ms(&self, p: f64) -> f64 {
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
pub async fn load<F>(seconds: u64, connections: usize, pid: u32, make: F) -> Run
where
    F: Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..connections {
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
    let deadline = started + Duration::from_secs(seconds);
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

/// CPU time (user plus system) a process has used, from `/proc/<pid>/stat`.
pub fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    // The kernel's USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

/// CPU time of a process and all its descendants (for servers with worker processes).
pub fn tree_cpu_time(root: u32) -> Duration {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            if let Some(ppid) = after
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u32>().ok())
            {
                parents.push((pid, ppid));
            }
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    tree.iter().map(|pid| cpu_time(&pid.to_string())).sum()
}

/// Sends requests at a fixed rate for `seconds`, whatever the answers' pace (open loop), and
/// records each latency: the latency at an offered load, without queueing in the generator.
pub async fn open_loop<F>(rate: u32, seconds: u64, make: F) -> Run
where
    F: Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    llm::ensure_tls_provider();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap_or_default();
    let make = Arc::new(make);
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let started = Instant::now();
    let total = u64::from(rate) * seconds;
    let mut tasks = Vec::new();
    for n in 0..total {
        let due = started + interval.mul_f64(n as f64);
        tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
        let (client, make) = (client.clone(), Arc::clone(&make));
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let ok = match make(&client).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            (
                u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX),
                ok,
            )
        }));
    }
    let mut run = Run {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
        peak_rss_kib: 0,
    };
    for task in tasks {
        if let Ok((latency, ok)) = task.await {
            run.requests += 1;
            run.errors += usize::from(!ok);
            run.latencies_us.push(latency);
        }
    }
    run.elapsed = started.elapsed();
    run
}
