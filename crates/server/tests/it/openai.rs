//! The OpenAI-compatible endpoint: offline answers, a routed fake provider, retries, fail-open,
//! and streaming in OpenAI's chunk format.

use serde_json::{Value, json};
use testkit::{
    Backend, FakeProvider, FakeReply, TestApp, assert_problem, both_backends, spawn_app,
    spawn_app_with_gateway,
};

fn chat(stream: bool) -> Value {
    json!({"model": "sales", "stream": stream, "stream_options": {"include_usage": true},
        "messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Hello there"}]})
}

/// Parses an SSE body into its `data:` payloads.
fn sse_data(body: &str) -> Vec<String> {
    body.split("\n\n")
        .filter_map(|event| {
            event
                .lines()
                .find_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
        })
        .map(|d| d.trim().to_owned())
        .collect()
}

async fn gateway_to(fake: &FakeProvider, retries: u32) -> llm::Gateway {
    let config: llm::GatewayConfig = serde_json::from_value(json!({
        "providers": {"fake": {"kind": "openai", "base_url": fake.base_url, "first_token_timeout_secs": 2, "total_timeout_secs": 5}},
        "routes": {"sales": ["fake/gpt-test"]},
        "max_retries": retries,
        "prices": {"fake/gpt-test": {"input_per_mtok": "1.00", "output_per_mtok": "2.00"}},
    }))
    .unwrap();
    llm::Gateway::from_config(&config).unwrap()
}

async fn streamed_text(app: &TestApp, key: &str) -> (Vec<Value>, String) {
    let r = app
        .post(key, "/v1/chat/completions", &chat(true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let data = sse_data(&r.text().await.unwrap());
    assert_eq!(
        data.last().map(String::as_str),
        Some("[DONE]"),
        "a stream ends with [DONE]"
    );
    let chunks: Vec<Value> = data[..data.len() - 1]
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    let text = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    (chunks, text)
}

async fn offline_engine_answers_without_a_model(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let r = app
        .post(&t.admin_key, "/v1/chat/completions", &chat(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-agent-army-provider"], "offline");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["model"], "sales");
    let content = body["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(
        content.contains("no language model is configured"),
        "{content}"
    );
    assert_eq!(body["agent_army"]["provider"], "offline");

    let (chunks, text) = streamed_text(&app, &t.admin_key).await;
    assert!(text.contains("offline engine"));
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    assert!(
        chunks
            .iter()
            .any(|c| c["choices"][0]["finish_reason"] == "stop")
    );
    assert!(
        chunks.last().unwrap()["usage"]["total_tokens"]
            .as_u64()
            .unwrap()
            > 0
    );

    let models: Value = app
        .get(&t.admin_key, "/v1/models")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 8);
    assert!(ids.contains(&"sales") && ids.contains(&"collections"));

    let r = app
        .post(
            &t.admin_key,
            "/v1/chat/completions",
            &json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "model_not_found").await;
    let r = app
        .post(
            &t.admin_key,
            "/v1/chat/completions",
            &json!({"model": "sales", "messages": []}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_input").await;
    let r = app
        .client
        .post(format!("{}/v1/chat/completions", app.url))
        .json(&chat(false))
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "unauthorized").await;
}

async fn routed_model_answers_retries_and_fails_open(backend: Backend) {
    let fake = FakeProvider::start().await;
    let app = spawn_app_with_gateway(backend, gateway_to(&fake, 2).await).await;
    let t = app.tenant("skyvera").await;

    // A plain answer from the routed model, with the request in OpenAI's format.
    fake.script([FakeReply::Text("Hi from the model".into())]);
    let r = app
        .post(&t.admin_key, "/v1/chat/completions", &chat(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-agent-army-provider"], "fake");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "Hi from the model"
    );
    assert_eq!(body["usage"]["total_tokens"], 10);
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent["model"], "gpt-test");
    assert_eq!(
        sent["messages"][1],
        json!({"role": "user", "content": "Hello there"})
    );

    // 429 with Retry-After, then success: retried on the same model.
    let before = fake.requests().len();
    fake.script([
        FakeReply::Status(429, Some(0)),
        FakeReply::Text("after a pause".into()),
    ]);
    let body: Value = app
        .post(&t.admin_key, "/v1/chat/completions", &chat(false))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["choices"][0]["message"]["content"], "after a pause");
    assert_eq!(fake.requests().len(), before + 2);

    // Every attempt fails: the offline engine answers and says why; no 500.
    fake.script([
        FakeReply::Status(500, None),
        FakeReply::Status(502, None),
        FakeReply::Malformed,
    ]);
    let r = app
        .post(&t.admin_key, "/v1/chat/completions", &chat(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["agent_army"]["provider"], "offline");
    assert!(
        body["agent_army"]["fallback_reason"]
            .as_str()
            .unwrap()
            .contains("every configured model failed")
    );

    // A refused request (400) is not retried.
    let before = fake.requests().len();
    fake.script([FakeReply::Status(400, None)]);
    let body: Value = app
        .post(&t.admin_key, "/v1/chat/completions", &chat(false))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["agent_army"]["provider"], "offline");
    assert_eq!(fake.requests().len(), before + 1);

    // Streaming relays the model's chunks and usage.
    fake.script([FakeReply::Text("streamed words here".into())]);
    let (chunks, text) = streamed_text(&app, &t.admin_key).await;
    assert_eq!(text, "streamed words here");
    assert_eq!(chunks.last().unwrap()["usage"]["total_tokens"], 10);
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent["stream"], true);

    // A stream the provider drops mid-way ends with finish_reason "error", never hangs.
    fake.script([FakeReply::DroppedStream("partial".into())]);
    let (chunks, text) = streamed_text(&app, &t.admin_key).await;
    assert_eq!(text, "partial");
    assert!(
        chunks
            .iter()
            .any(|c| c["choices"][0]["finish_reason"] == "error")
    );

    // A provider slower than the first-token deadline counts as failed.
    fake.script([FakeReply::Delayed(
        std::time::Duration::from_secs(3),
        Box::new(FakeReply::Text("late".into())),
    )]);
    let fast_fail = gateway_to(&fake, 0).await;
    let served = fast_fail
        .complete(
            "sales",
            &llm::ChatRequest {
                messages: vec![llm::Message::new(llm::MessageRole::User, "hi")],
                ..Default::default()
            },
        )
        .await;
    assert_eq!(served.provider, "offline");
    assert!(served.fallback_reason.unwrap().contains("timed out"));
}

async fn anthropic_models_serve_through_the_same_endpoint(backend: Backend) {
    let fake = FakeProvider::start().await;
    let config: llm::GatewayConfig = serde_json::from_value(json!({
        "providers": {"claude": {"kind": "anthropic", "base_url": fake.base_url.trim_end_matches("/v1"), "api_key_file": key_file()}},
        "routes": {"default": ["claude/claude-test"]},
    }))
    .unwrap();
    let app = spawn_app_with_gateway(backend, llm::Gateway::from_config(&config).unwrap()).await;
    let t = app.tenant("skyvera").await;

    fake.script([FakeReply::Text("Hello from Claude".into())]);
    let r = app
        .post(&t.admin_key, "/v1/chat/completions", &chat(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-agent-army-provider"], "claude");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "Hello from Claude"
    );
    assert_eq!(body["usage"]["prompt_tokens"], 11);
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent["system"], "You are helpful.");
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": "Hello there"}])
    );
    assert_eq!(sent["_headers"]["anthropic-version"], "2023-06-01");
    assert_eq!(sent["_headers"]["x-api-key"], "sk-ant-test");
    assert!(sent["max_tokens"].as_u64().unwrap() > 0);

    fake.script([FakeReply::Text("streamed by claude".into())]);
    let (chunks, text) = streamed_text(&app, &t.admin_key).await;
    assert_eq!(text, "streamed by claude");
    assert_eq!(
        chunks.last().unwrap()["usage"],
        json!({"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15})
    );

    fake.script([FakeReply::DroppedStream("half".into())]);
    let (chunks, _) = streamed_text(&app, &t.admin_key).await;
    assert!(
        chunks
            .iter()
            .any(|c| c["choices"][0]["finish_reason"] == "error")
    );

    // 529 "overloaded" and 500s fail over to the offline engine.
    fake.script([
        FakeReply::Status(529, None),
        FakeReply::Status(529, None),
        FakeReply::Status(500, None),
    ]);
    let body: Value = app
        .post(&t.admin_key, "/v1/chat/completions", &chat(false))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["agent_army"]["provider"], "offline");
}

/// A key file, the way production passes secrets without the environment.
fn key_file() -> String {
    let path = std::env::temp_dir().join(format!("aa-anthropic-key-{}", std::process::id()));
    std::fs::write(&path, "sk-ant-test\n").unwrap();
    path.display().to_string()
}

async fn traces_record_every_call_per_tenant(backend: Backend) {
    let fake = FakeProvider::start().await;
    let app = spawn_app_with_gateway(backend, gateway_to(&fake, 1).await).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    fake.script([
        FakeReply::Text("first".into()),
        FakeReply::Status(429, Some(0)),
        FakeReply::Text("second".into()),
        FakeReply::Text("streamed answer".into()),
        FakeReply::Status(500, None),
        FakeReply::Status(500, None),
    ]);
    for stream in [false, false, true, false] {
        let r = app
            .post(&t.admin_key, "/v1/chat/completions", &chat(stream))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let _ = r.text().await.unwrap();
    }
    app.traces.flush().await;

    let calls: Value = app
        .get(&t.admin_key, "/api/v1/llm/calls?limit=100")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = calls["items"].as_array().unwrap();
    let outcomes: Vec<&str> = items
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["ok", "error", "ok", "ok", "error", "error", "offline"],
        "{calls}"
    );
    assert_eq!(
        items[0]["cost_usd"], "0.000013",
        "7 tokens in at $1/M plus 3 out at $2/M"
    );
    assert_eq!(items[0]["input_tokens"], 7);
    assert_eq!(items[1]["error_kind"], "rate_limited");
    assert_eq!(items[3]["streamed"], true);
    assert!(items[3]["ttft_ms"].is_number());
    assert_eq!(items[6]["provider"], "offline");
    assert_eq!(items[6]["cost_usd"], "0");
    assert!(
        items
            .iter()
            .all(|c| c["route"] == "sales" && c["prompt"].is_null())
    );
    let one: Value = app
        .get(
            &t.admin_key,
            &format!("/api/v1/llm/calls/{}", items[0]["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["id"], items[0]["id"]);

    let usage: Value = app
        .get(&t.admin_key, "/api/v1/llm/usage?group_by=outcome")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ok = usage["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "ok")
        .unwrap();
    assert_eq!(ok["calls"], 3);
    assert_eq!(ok["cost_usd"], "0.000039");
    let by_day: Value = app
        .get(&t.admin_key, "/api/v1/llm/usage")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_day["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        by_day["items"][0]["key"].as_str().unwrap().len(),
        10,
        "YYYY-MM-DD"
    );
    let r = app
        .get(&t.admin_key, "/api/v1/llm/usage?group_by=planet")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "invalid_query").await;

    // Another tenant sees none of it; a rep sees no traces at all.
    let theirs: Value = app
        .get(&other.admin_key, "/api/v1/llm/calls")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["items"], json!([]));
    let r = app
        .get(
            &other.admin_key,
            &format!("/api/v1/llm/calls/{}", items[0]["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;
    let rep = app.key(t.id, domain::user::Role::Rep, None).await;
    assert_problem(
        app.get(&rep, "/api/v1/llm/calls").send().await.unwrap(),
        403,
        "forbidden",
    )
    .await;

    // Prompts are kept only when the tenant asks, and then redacted.
    let r = app
        .patch(
            &t.admin_key,
            "/api/v1/llm/settings",
            &json!({"keep_prompts": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    fake.script([
        FakeReply::Text("Write to ceo@acme.com".into()),
        FakeReply::Text("streamed to cfo@acme.com".into()),
    ]);
    let secret_chat = |stream: bool| {
        json!({"model": "sales", "stream": stream, "messages": [{"role": "user",
            "content": "Email jane@acme.com, our key is sk-live-0123456789abcdefghij, budget 50k"}]})
    };
    for stream in [false, true] {
        let r = app
            .post(&t.admin_key, "/v1/chat/completions", &secret_chat(stream))
            .send()
            .await
            .unwrap();
        let _ = r.text().await.unwrap();
    }
    app.traces.flush().await;
    let calls: Value = app
        .get(&t.admin_key, "/api/v1/llm/calls?order=desc&limit=2")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for call in calls["items"].as_array().unwrap() {
        let prompt = call["prompt"].as_str().unwrap();
        let completion = call["completion"].as_str().unwrap();
        assert!(
            prompt.contains("[email]")
                && prompt.contains("[secret]")
                && prompt.contains("budget 50k"),
            "{prompt}"
        );
        assert!(
            !prompt.contains("jane@") && !prompt.contains("sk-live"),
            "{prompt}"
        );
        assert!(
            completion.contains("[email]") && !completion.contains("@acme.com"),
            "{completion}"
        );
    }
}

async fn budgets_and_tenant_routes(backend: Backend) {
    let fake = FakeProvider::start().await;
    let app = spawn_app_with_gateway(backend, gateway_to(&fake, 0).await).await;
    let t = app.tenant("skyvera").await;
    let k = &t.admin_key;

    let settings: Value = app
        .get(k, "/api/v1/llm/settings")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(settings["monthly_token_budget"], Value::Null);
    assert_eq!(settings["month"]["state"], "ok");
    let r = app
        .patch(
            k,
            "/api/v1/llm/settings",
            &json!({"monthly_token_budget": 25}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"1\"");

    // Each fake answer uses 10 tokens: ok, ok, then past 80% a warning, then past the budget the
    // offline engine answers.
    let mut states = Vec::new();
    let mut providers = Vec::new();
    for _ in 0..4 {
        let r = app
            .post(k, "/v1/chat/completions", &chat(false))
            .send()
            .await
            .unwrap();
        states.push(
            r.headers()["x-agent-army-budget"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
        providers.push(
            r.headers()["x-agent-army-provider"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
        let body: Value = r.json().await.unwrap();
        if providers.last().map(String::as_str) == Some("offline") {
            assert!(
                body["agent_army"]["fallback_reason"]
                    .as_str()
                    .unwrap()
                    .contains("budget")
            );
        }
        app.traces.flush().await;
    }
    assert_eq!(states, ["ok", "ok", "warning", "exceeded"]);
    assert_eq!(providers, ["fake", "fake", "fake", "offline"]);
    let settings: Value = app
        .get(k, "/api/v1/llm/settings")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(settings["month"]["tokens"].as_i64().unwrap() >= 30);
    assert_eq!(settings["month"]["state"], "exceeded");
    let r = app
        .patch(
            k,
            "/api/v1/llm/settings",
            &json!({"monthly_token_budget": null}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The tenant's own price overrides the installation's $1/$2 for its traces and budgets.
    let r = app
        .patch(
            k,
            "/api/v1/llm/settings",
            &json!({"prices": {"fake/gpt-test": {"input_per_mtok": "10", "output_per_mtok": "20.5"}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["prices"]["fake/gpt-test"]["output_per_mtok"], "20.5");
    let r = app
        .post(k, "/v1/chat/completions", &chat(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.traces.flush().await;
    let calls: Value = app
        .get(k, "/api/v1/llm/calls?order=desc&limit=1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        calls["items"][0]["cost_usd"], "0.000132",
        "7 tokens in at $10/M plus 3 out at $20.5/M, to a millionth: {calls}"
    );

    // Bad settings change nothing.
    let before = app.snapshot(&[t.id]).await;
    for (body, status, code) in [
        (json!({"monthly_token_budget": -5}), 422, "invalid_input"),
        (
            json!({"monthly_cost_budget_usd": "-1"}),
            422,
            "invalid_input",
        ),
        (
            json!({"monthly_cost_budget_usd": "0.0000001"}),
            422,
            "invalid_input",
        ),
        (json!({"soft_limit_percent": 0}), 422, "invalid_input"),
        (json!({"soft_limit_percent": 101}), 422, "invalid_input"),
        (json!({"keep_prompts": "yes"}), 422, "invalid_input"),
        (json!({"routes": {"sales": "fake/x"}}), 422, "invalid_input"),
        (json!({"colour": "blue"}), 422, "invalid_input"),
        (
            json!({"prices": {"nowhere/x": {"input_per_mtok": "1", "output_per_mtok": "1"}}}),
            422,
            "invalid_input",
        ),
        (
            json!({"prices": {"fake/x": {"input_per_mtok": "-1", "output_per_mtok": "1"}}}),
            422,
            "invalid_input",
        ),
        (
            json!({"prices": {"fake/x": {"input_per_mtok": "1"}}}),
            422,
            "invalid_input",
        ),
        (
            json!({"prices": {"fake": {"input_per_mtok": "1", "output_per_mtok": "1"}}}),
            422,
            "invalid_input",
        ),
    ] {
        let r = app
            .patch(k, "/api/v1/llm/settings", &body)
            .send()
            .await
            .unwrap();
        assert_problem(r, status, code).await;
    }
    let r = app
        .request(reqwest::Method::PATCH, k, "/api/v1/llm/settings")
        .header("content-type", "application/json")
        .body("{\"keep_prompts\":")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "malformed_json").await;
    let r = app
        .request(reqwest::Method::POST, k, "/v1/chat/completions")
        .header("content-type", "application/json")
        .body("{\"model\": \"sales\", \"messages\": [")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "malformed_json").await;
    for bad in [
        json!({"model": "sales"}),
        json!({"model": "sales", "messages": [{"role": "wizard", "content": "hi"}]}),
        json!({"model": "sales", "messages": [{"role": "user", "content": 42}]}),
        json!({"model": 7, "messages": [{"role": "user", "content": "hi"}]}),
    ] {
        let r = app
            .post(k, "/v1/chat/completions", &bad)
            .send()
            .await
            .unwrap();
        assert_problem(r, 422, "invalid_input").await;
    }
    for query in ["outcome=great", "limit=0", "cursor=x"] {
        let r = app
            .get(k, &format!("/api/v1/llm/calls?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{query}");
    }
    let r = app
        .get(k, "/api/v1/llm/usage?since=yesterday")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "invalid_query").await;
    assert_eq!(
        app.snapshot(&[t.id]).await,
        before,
        "refused requests change nothing"
    );

    // A tenant's own route; targets must name configured providers.
    let r = app
        .patch(
            k,
            "/api/v1/llm/settings",
            &json!({"routes": {"collections": ["nowhere/x"]}}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_input").await;
    let r = app
        .patch(
            k,
            "/api/v1/llm/settings",
            &json!({"routes": {"overlord": ["fake/x"]}}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_input").await;
    let r = app
        .patch(
            k,
            "/api/v1/llm/settings",
            &json!({"routes": {"collections": ["fake/dunning-model"]}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    fake.script([FakeReply::Text("pay up, politely".into())]);
    let body: Value = app
        .post(
            k,
            "/v1/chat/completions",
            &json!({"model": "collections", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["choices"][0]["message"]["content"], "pay up, politely");
    assert_eq!(fake.requests().pop().unwrap()["model"], "dunning-model");

    // Stale versions, roles, and another tenant.
    let r = app
        .patch(k, "/api/v1/llm/settings", &json!({"keep_prompts": true}))
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_problem(r, 412, "version_mismatch").await;
    let manager = app.key(t.id, domain::user::Role::Manager, None).await;
    assert_eq!(
        app.get(&manager, "/api/v1/llm/settings")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = app
        .patch(
            &manager,
            "/api/v1/llm/settings",
            &json!({"keep_prompts": true}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    let other = app.tenant("jigtree").await;
    let theirs: Value = app
        .get(&other.admin_key, "/api/v1/llm/settings")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["routes"], json!({}));
    assert_eq!(theirs["version"], 0);
}

both_backends!(
    budgets_and_tenant_routes,
    traces_record_every_call_per_tenant,
    offline_engine_answers_without_a_model,
    routed_model_answers_retries_and_fails_open,
    anthropic_models_serve_through_the_same_endpoint,
);

/// Whether the official `openai` Python client is installed (`.ci/run` installs it).
fn python_openai_available() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import openai"])
        .output()
        .is_ok_and(|o| o.status.success())
}

async fn official_python_client_works(backend: Backend) {
    if !python_openai_available() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "note: openai Python client test skipped (pip install openai)"
        );
        return;
    }
    let fake = FakeProvider::start().await;
    fake.script([
        FakeReply::Text("The Acme deal is in negotiation.".into()),
        FakeReply::Text("Streaming works fine.".into()),
    ]);
    let app = spawn_app_with_gateway(backend, gateway_to(&fake, 0).await).await;
    let t = app.tenant("skyvera").await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/openai_client.py");
    let url = app.url.clone();
    let key = t.admin_key.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .arg(&url)
            .arg(&key)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(
        out.status.success(),
        "python client failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The client talked to the routed model through us, streaming included.
    assert!(fake.requests().iter().any(|r| r["stream"] == true));
}

mod python {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn official_python_client_works_on_sqlite() {
        official_python_client_works(Backend::Sqlite).await;
    }
}
