//! LLM gateway overhead: the latency our `/v1/chat/completions` adds in front of a model provider,
//! beside the LiteLLM proxy in front of the same provider when `litellm` is installed
//! (`pip install 'litellm[proxy]==1.103.7'`; set `AGENT_ARMY_BENCH_LITELLM=0` to skip it).
//!
//! A scripted fake provider (testkit's, speaking OpenAI's wire format) runs in this process; the
//! real `agent-army serve` (release build) and LiteLLM (`--num_workers` = cores, no database,
//! `LITELLM_LOCAL_MODEL_COST_MAP=True`) run as separate processes routed to it. The same streaming
//! chat request is sent directly to the fake and through each gateway: closed loop at 1, 50 and
//! 500 concurrent streams, and open loop at fixed offered rates, where latency rather than
//! queueing is measured. Overhead is the difference of the percentiles from the direct run. CPU
//! time of each server (and its workers) is reported as a share of one core.
//!
//! Run: `cargo bench -p agent-army --bench gateway` (options: `-- --seconds 5`).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark harness fails loudly"
)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use testkit::{FakeProvider, TestDb};

mod common;

use common::{Run, cli, load, open_loop, options, start, tree_cpu_time};

fn chat_body() -> serde_json::Value {
    json!({"model": "sales", "stream": true, "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "Summarise the Acme deal in one line."}]})
}

/// A gateway under test.
struct Target {
    name: &'static str,
    url: String,
    key: Option<String>,
    /// The process whose CPU (with its workers) is counted.
    pid: Option<u32>,
}

impl Target {
    fn request(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        let request = client.post(&self.url).json(&chat_body());
        match &self.key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }
}

fn cell(run: &Run) -> String {
    format!(
        "{:.2} / {:.2} ms",
        run.percentile_ms(50.0),
        run.percentile_ms(99.0)
    )
}

fn overhead(run: &Run, base: &Run) -> String {
    format!(
        "{:.2} / {:.2} ms",
        run.percentile_ms(50.0) - base.percentile_ms(50.0),
        run.percentile_ms(99.0) - base.percentile_ms(99.0)
    )
}

/// Starts the LiteLLM proxy in front of the fake, if it is installed and wanted.
async fn start_litellm(fake: &FakeProvider, dir: &std::path::Path) -> Option<(Child, String)> {
    if std::env::var("AGENT_ARMY_BENCH_LITELLM").is_ok_and(|v| v == "0") {
        return None;
    }
    if !Command::new("litellm")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        println!("\nLiteLLM not installed: pip install 'litellm[proxy]==1.103.7' to compare");
        return None;
    }
    let config = dir.join("litellm.yaml");
    std::fs::write(
        &config,
        format!(
            "model_list:\n  - model_name: sales\n    litellm_params:\n      model: openai/bench-model\n      api_base: {}\n      api_key: fake\n",
            fake.base_url
        ),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("litellm")
        .args(["--config"])
        .arg(&config)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--num_workers",
            "2",
        ])
        .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let url = format!("http://127.0.0.1:{port}");
    let client = testkit::http_client();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if client
            .get(format!("{url}/health/liveliness"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Some((child, url));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    println!("\nLiteLLM did not become ready in 120 s; skipped");
    None
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let fake = FakeProvider::start().await;
        let db = TestDb::create(&testkit::Backend::Sqlite).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = dir.path().join("agent-army.toml");
        std::fs::write(
            &config,
            format!(
                "[llm.providers.fake]\nkind = \"openai\"\nbase_url = \"{}\"\nmax_concurrency = 1024\n\n\
                 [llm.routes]\ndefault = [\"fake/bench-model\"]\n",
                fake.base_url
            ),
        )
        .unwrap();
        assert!(cli(&data, &db).args(["tenant", "create", "bench"]).stdout(Stdio::null()).status().unwrap().success());
        let out = cli(&data, &db).args(["apikey", "create", "--tenant", "bench", "--role", "admin"]).output().unwrap();
        let key = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_owned();
        let served = start(&data, &db, Some(&config)).await;
        let ours = served.child.id();
        let litellm = start_litellm(&fake, dir.path()).await;

        let mut targets = vec![
            Target { name: "direct", url: format!("{}/chat/completions", fake.base_url), key: None, pid: None },
            Target { name: "agent-army", url: format!("{}/v1/chat/completions", served.url), key: Some(key), pid: Some(ours) },
        ];
        if let Some((child, url)) = &litellm {
            targets.push(Target { name: "litellm", url: format!("{url}/v1/chat/completions"), key: None, pid: Some(child.id()) });
        }

        println!("\n### Closed loop, streaming chat ({} s per run): p50 / p99 and overhead over direct", options.seconds);
        println!("| concurrent streams | gateway | latency | overhead | req/s | gateway CPU |");
        println!("|---|---|---|---|---|---|");
        for concurrency in [1usize, 50, 500] {
            let mut base: Option<Run> = None;
            for target in &targets {
                let before = target.pid.map(tree_cpu_time);
                let url = target.url.clone();
                let key = target.key.clone();
                let t = Target { name: target.name, url, key, pid: None };
                let run = load(options.seconds, concurrency, ours, move |c, _| t.request(c)).await;
                let cpu = match (target.pid, before) {
                    (Some(pid), Some(before)) => {
                        format!("{:.0}% of a core", tree_cpu_time(pid).saturating_sub(before).as_secs_f64() / run.elapsed.as_secs_f64() * 100.0)
                    }
                    _ => "-".into(),
                };
                let over = base.as_ref().map_or_else(|| "-".into(), |b| overhead(&run, b));
                println!("| {concurrency} | {} | {} | {over} | {:.0} ({} errors) | {cpu} |", target.name, cell(&run), run.per_second(), run.errors);
                if base.is_none() {
                    base = Some(run);
                }
            }
        }

        println!("\n### Open loop at fixed offered rates ({} s each): p50 / p99 and overhead over direct", options.seconds);
        println!("| offered rate | gateway | latency | overhead | errors |");
        println!("|---|---|---|---|---|");
        for rate in [50u32, 100] {
            let mut base: Option<Run> = None;
            for target in &targets {
                let t = Target { name: target.name, url: target.url.clone(), key: target.key.clone(), pid: None };
                let run = open_loop(rate, options.seconds, move |c| t.request(c)).await;
                let over = base.as_ref().map_or_else(|| "-".into(), |b| overhead(&run, b));
                println!("| {rate}/s | {} | {} | {over} | {} |", target.name, cell(&run), run.errors);
                if base.is_none() {
                    base = Some(run);
                }
            }
        }

        for mut child in [Some(served.child), litellm.map(|(c, _)| c)].into_iter().flatten() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let _ = child.wait();
        }
    });
}
