//! LLM gateway overhead: the latency our `/v1/chat/completions` adds in front of a model provider.
//!
//! A scripted fake provider (testkit's, speaking OpenAI's wire format) runs in this process; the
//! real `agent-army serve` (release build) runs as a separate process routed to it. The same
//! streaming chat request is sent directly to the fake and through the gateway at 1, 50 and 500
//! concurrent streams; the difference of the percentiles is the overhead. CPU time used by the
//! server and by this process (load generator plus fake) is reported beside it.
//!
//! Run: `cargo bench -p agent-army --bench gateway` (options: `-- --seconds 5`).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark harness fails loudly"
)]

use std::process::Command;

use serde_json::json;
use testkit::{FakeProvider, TestDb};

mod common;

use common::{cli, cpu_time, load, options, start};

fn chat_body() -> serde_json::Value {
    json!({"model": "sales", "stream": true, "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "Summarise the Acme deal in one line."}]})
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
        assert!(cli(&data, &db).args(["tenant", "create", "bench"]).stdout(std::process::Stdio::null()).status().unwrap().success());
        let out = cli(&data, &db).args(["apikey", "create", "--tenant", "bench", "--role", "admin"]).output().unwrap();
        let key = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_owned();
        let served = start(&data, &db, Some(&config)).await;
        let pid = served.child.id();
        let server_pid = pid.to_string();

        println!("\n### Gateway overhead, streaming chat ({} s per run)", options.seconds);
        println!("| concurrent streams | direct p50 / p99 | via gateway p50 / p99 | overhead p50 / p99 | gateway req/s | server CPU | bench CPU |");
        println!("|---|---|---|---|---|---|---|");
        for concurrency in [1usize, 50, 500] {
            let direct_url = format!("{}/chat/completions", fake.base_url);
            let body = chat_body();
            let direct = load(options.seconds, concurrency, pid, move |c, _| c.post(&direct_url).json(&body)).await;

            let gateway_url = format!("{}/v1/chat/completions", served.url);
            let (body, key) = (chat_body(), key.clone());
            let server_before = cpu_time(&server_pid);
            let bench_before = cpu_time("self");
            let via = load(options.seconds, concurrency, pid, move |c, _| c.post(&gateway_url).bearer_auth(&key).json(&body)).await;
            let server_cpu = cpu_time(&server_pid).saturating_sub(server_before);
            let bench_cpu = cpu_time("self").saturating_sub(bench_before);
            let secs = via.elapsed.as_secs_f64();
            println!(
                "| {concurrency} | {:.2} / {:.2} ms | {:.2} / {:.2} ms | {:.2} / {:.2} ms | {:.0} ({} errors) | {:.0}% of a core | {:.0}% of a core |",
                direct.percentile_ms(50.0),
                direct.percentile_ms(99.0),
                via.percentile_ms(50.0),
                via.percentile_ms(99.0),
                via.percentile_ms(50.0) - direct.percentile_ms(50.0),
                via.percentile_ms(99.0) - direct.percentile_ms(99.0),
                via.per_second(),
                via.errors + direct.errors,
                server_cpu.as_secs_f64() / secs * 100.0,
                bench_cpu.as_secs_f64() / secs * 100.0,
            );
        }
        let mut child = served.child;
        let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        let _ = child.wait();
    });
}
