//! OTLP export of LLM call spans to a fake collector: GenAI attribute names, one span per stored
//! call with matching ids and numbers, headers from configuration, retries of a failing collector,
//! and no prompt text in spans even when the tenant keeps prompts.

use std::time::Duration;

use serde_json::{Value, json};
use server::traces::otlp::OtlpConfig;
use testkit::{
    Backend, FakeCollector, FakeProvider, FakeReply, span_attribute, spawn_app_with_otlp,
};

fn gateway_to(fake: &FakeProvider) -> llm::Gateway {
    let config: llm::GatewayConfig = serde_json::from_value(json!({
        "providers": {"fake": {"kind": "openai", "base_url": fake.base_url, "total_timeout_secs": 5}},
        "routes": {"sales": ["fake/gpt-test"]},
        "max_retries": 0,
        "prices": {"fake/gpt-test": {"input_per_mtok": "1.00", "output_per_mtok": "2.00"}},
    }))
    .unwrap();
    llm::Gateway::from_config(&config).unwrap()
}

fn otlp_to(collector: &FakeCollector) -> OtlpConfig {
    OtlpConfig {
        endpoint: collector.endpoint.clone(),
        headers: vec![("Authorization".into(), "Basic cGs6c2s=".into())],
        service_name: "agent-army-test".into(),
        timeout: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn stored_calls_are_exported_as_genai_spans() {
    let fake = FakeProvider::start().await;
    let collector = FakeCollector::start().await;
    // The collector is down for the first try: the batch is retried.
    collector.fail_first([503]);
    let app = spawn_app_with_otlp(Backend::Sqlite, gateway_to(&fake), otlp_to(&collector)).await;
    let t = app.tenant("skyvera").await;
    let r = app
        .patch(
            &t.admin_key,
            "/api/v1/llm/settings",
            &json!({"keep_prompts": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // One answer, then a failure that falls back to the offline engine.
    fake.script([
        FakeReply::Text("hello".into()),
        FakeReply::Status(500, None),
    ]);
    for _ in 0..2 {
        let r = app
            .post(
                &t.admin_key,
                "/v1/chat/completions",
                &json!({"model": "sales", "messages": [{"role": "user", "content": "secret plan for ana@example.com"}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    app.traces.flush().await;
    let calls: Value = app
        .get(&t.admin_key, "/api/v1/llm/calls?limit=10")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let calls = calls["items"].as_array().unwrap().clone();
    assert_eq!(calls.len(), 3, "ok, error, offline: {calls:?}");

    let spans = collector.wait_for_spans(3).await;
    assert_eq!(spans.len(), 3, "every stored call becomes one span");
    assert!(
        collector.headers().len() >= 2,
        "the failed export was retried"
    );
    assert!(
        collector
            .headers()
            .iter()
            .all(|h| h["authorization"] == "Basic cGs6c2s="
                && h["content-type"] == "application/x-protobuf")
    );
    for call in &calls {
        let id: uuid::Uuid = call["id"].as_str().unwrap().parse().unwrap();
        let (service, span) = spans
            .iter()
            .find(|(_, s)| s.span_id == id.as_bytes()[8..])
            .unwrap_or_else(|| panic!("no span for call {id}"));
        assert_eq!(service, "agent-army-test");
        assert_eq!(
            span.trace_id,
            id.as_bytes(),
            "a call outside a run is its own trace"
        );
        let attr = |key: &str| span_attribute(span, key);
        assert_eq!(attr("gen_ai.operation.name").as_deref(), Some("chat"));
        assert_eq!(
            span.name,
            format!("chat {}", call["model"].as_str().unwrap())
        );
        assert_eq!(
            attr("gen_ai.request.model"),
            call["model"].as_str().map(str::to_owned)
        );
        assert_eq!(attr("gen_ai.agent.name").as_deref(), Some("sales"));
        assert_eq!(attr("agent_army.tenant_id"), Some(t.id.to_string()));
        assert_eq!(
            attr("gen_ai.usage.input_tokens"),
            Some(call["input_tokens"].to_string())
        );
        assert_eq!(
            attr("gen_ai.usage.output_tokens"),
            Some(call["output_tokens"].to_string())
        );
        assert_eq!(
            attr("agent_army.cost_usd"),
            call["cost_usd"].as_str().map(str::to_owned)
        );
        assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
        assert!(
            span.attributes
                .iter()
                .all(|a| !a.key.contains("message")
                    && !format!("{:?}", a.value).contains("secret plan")),
            "spans carry no prompt or completion text"
        );
        match call["outcome"].as_str().unwrap() {
            "ok" => {
                assert_eq!(attr("gen_ai.provider.name").as_deref(), Some("openai"));
                assert_eq!(attr("gen_ai.response.model").as_deref(), Some("gpt-test"));
                assert_eq!(span.kind, 3, "CLIENT");
                assert!(span.status.is_none());
            }
            "error" => {
                assert_eq!(attr("error.type").as_deref(), Some("unavailable"));
                assert_eq!(span.status.as_ref().map(|s| s.code), Some(2), "ERROR");
            }
            "offline" => {
                assert_eq!(
                    attr("gen_ai.provider.name").as_deref(),
                    Some("agent_army.offline")
                );
                assert_eq!(span.kind, 1, "INTERNAL");
            }
            other => panic!("unexpected outcome {other}"),
        }
    }
}

#[tokio::test]
async fn a_collector_that_refuses_drops_spans_without_touching_requests() {
    let fake = FakeProvider::start().await;
    let collector = FakeCollector::start().await;
    collector.fail_first([400]);
    let app = spawn_app_with_otlp(Backend::Sqlite, gateway_to(&fake), otlp_to(&collector)).await;
    let t = app.tenant("skyvera").await;
    let chat = json!({"model": "sales", "messages": [{"role": "user", "content": "hi"}]});
    let r = app
        .post(&t.admin_key, "/v1/chat/completions", &chat)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "a refusing collector does not fail requests"
    );
    app.traces.flush().await;
    for _ in 0..200 {
        if !collector.headers().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(collector.headers().len(), 1, "the first export was tried");
    // A 400 is not retried: that batch is dropped, and the next call's span goes through.
    let r = app
        .post(&t.admin_key, "/v1/chat/completions", &chat)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.traces.flush().await;
    let spans = collector.wait_for_spans(1).await;
    assert_eq!(spans.len(), 1);
    assert_eq!(
        collector.headers().len(),
        2,
        "no retry of the refused batch"
    );
}
