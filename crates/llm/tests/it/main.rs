//! The gateway against the scripted fake provider: structured output with repair, circuit
//! breaking, concurrency limits and fail-open.

#![expect(clippy::unwrap_used, reason = "integration tests fail loudly")]

use std::time::Duration;

use llm::{ChatRequest, Gateway, GatewayConfig, Message, MessageRole};
use serde_json::json;
use testkit::{FakeProvider, FakeReply};

#[derive(Debug, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct Qualification {
    budget_confirmed: bool,
    amount: Option<String>,
}

fn gateway(fake: &FakeProvider, extra: serde_json::Value) -> Gateway {
    let mut provider = json!({"kind": "openai", "base_url": fake.base_url, "first_token_timeout_secs": 2, "total_timeout_secs": 5});
    if let (Some(p), Some(e)) = (provider.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    let config: GatewayConfig = serde_json::from_value(json!({
        "providers": {"fake": provider},
        "routes": {"sales": ["fake/m1"]},
        "max_retries": 0,
    }))
    .unwrap();
    Gateway::from_config(&config).unwrap()
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![Message::new(
            MessageRole::User,
            "Did they confirm a budget?",
        )],
        ..Default::default()
    }
}

fn offline_guess() -> Qualification {
    Qualification {
        budget_confirmed: false,
        amount: None,
    }
}

#[tokio::test]
async fn structured_output_parses_repairs_and_falls_back() {
    let fake = FakeProvider::start().await;
    let gw = gateway(&fake, json!({}));

    fake.script([FakeReply::Text(
        r#"{"budget_confirmed": true, "amount": "120000 USD"}"#.into(),
    )]);
    let got = gw
        .complete_structured("sales", &request(), "qualification", offline_guess)
        .await;
    assert_eq!(
        got.value,
        Qualification {
            budget_confirmed: true,
            amount: Some("120000 USD".into())
        }
    );
    assert_eq!(got.provider, "fake");
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent["response_format"]["type"], "json_schema");
    assert_eq!(
        sent["response_format"]["json_schema"]["name"],
        "qualification"
    );
    assert!(
        sent["response_format"]["json_schema"]["schema"]["properties"]["budget_confirmed"]
            .is_object()
    );

    // A reply that breaks the schema gets one repair attempt, which shows the model its mistake.
    fake.script([
        FakeReply::Text(r#"{"budget_confirmed": "yes"}"#.into()),
        FakeReply::Text(r#"{"budget_confirmed": true, "amount": null}"#.into()),
    ]);
    let got = gw
        .complete_structured("sales", &request(), "qualification", offline_guess)
        .await;
    assert_eq!(
        got.value,
        Qualification {
            budget_confirmed: true,
            amount: None
        }
    );
    let repair = fake.requests().pop().unwrap();
    let messages = repair["messages"].as_array().unwrap();
    assert_eq!(
        messages[messages.len() - 2]["content"],
        r#"{"budget_confirmed": "yes"}"#
    );
    assert!(
        messages.last().unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("did not match the required JSON schema")
    );

    // Still wrong after the repair: the skill's offline implementation answers, and says why.
    fake.script([
        FakeReply::Text("I think so!".into()),
        FakeReply::Text("{\"budget\": 1}".into()),
    ]);
    let got = gw
        .complete_structured("sales", &request(), "qualification", offline_guess)
        .await;
    assert_eq!(got.value, offline_guess());
    assert_eq!(got.provider, "offline");
    assert!(
        got.fallback_reason
            .unwrap()
            .contains("does not match the requested schema")
    );
}

#[tokio::test]
async fn circuit_breaker_skips_a_failing_provider_then_tries_again() {
    let fake = FakeProvider::start().await;
    let gw = gateway(
        &fake,
        json!({"breaker_failures": 2, "breaker_cooldown_secs": 1}),
    );
    fake.script([FakeReply::Status(500, None), FakeReply::Status(500, None)]);
    for _ in 0..2 {
        assert_eq!(gw.complete("sales", &request()).await.provider, "offline");
    }
    let calls = fake.requests().len();
    // Open: the provider is not called at all.
    let served = gw.complete("sales", &request()).await;
    assert_eq!(served.provider, "offline");
    assert!(
        served
            .fallback_reason
            .unwrap()
            .contains("circuit breaker open")
    );
    assert_eq!(fake.requests().len(), calls);
    // After the cool-down one trial goes out and, succeeding, closes the breaker.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    fake.script([FakeReply::Text("back".into())]);
    assert_eq!(
        gw.complete("sales", &request()).await.response.content,
        "back"
    );
    assert_eq!(gw.complete("sales", &request()).await.provider, "fake");
}

#[tokio::test]
async fn concurrency_limit_queues_calls() {
    let fake = FakeProvider::start().await;
    let gw = gateway(&fake, json!({"max_concurrency": 1}));
    let slow = || {
        FakeReply::Delayed(
            Duration::from_millis(300),
            Box::new(FakeReply::Text("ok".into())),
        )
    };
    fake.script([slow(), slow(), slow()]);
    let r = request();
    let (a, b, c) = tokio::join!(
        gw.complete("sales", &r),
        gw.complete("sales", &r),
        gw.complete("sales", &r)
    );
    assert!([a, b, c].iter().all(|s| s.provider == "fake"));
    assert_eq!(fake.requests().len(), 3);
    assert_eq!(
        fake.max_in_flight(),
        1,
        "the provider never saw two calls at once"
    );
}

fn embedder(fake: &FakeProvider) -> llm::embeddings::OpenAiEmbeddings {
    llm::embeddings::OpenAiEmbeddings::new(
        "fake",
        &fake.base_url,
        "embed-small",
        Some("sk-test".into()),
        llm::providers::http::Timeouts::default(),
    )
    .unwrap()
}

#[tokio::test]
async fn embeddings_come_back_in_input_order_in_batches() {
    use llm::embeddings::Embedder;
    let fake = FakeProvider::start().await;
    let client = embedder(&fake);
    let texts: Vec<String> = (0..70)
        .map(|i| format!("chunk number {i} about pricing"))
        .collect();
    let vectors = client.embed(&texts).await.unwrap();
    assert_eq!(vectors.len(), 70);
    let requests = fake.embedding_requests();
    assert_eq!(requests.len(), 2, "64 per request");
    assert_eq!(requests[0]["model"], "embed-small");
    assert_eq!(requests[0]["input"].as_array().unwrap().len(), 64);
    // The fake answers in reverse order; each vector still belongs to its text.
    for (text, vector) in texts.iter().zip(&vectors) {
        let expected = llm::embeddings::normalized(testkit::fake_provider::fake_embedding(text));
        assert_eq!(vector, &expected);
        let norm: f32 = vector.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4);
    }
    assert_eq!(client.name(), "fake/embed-small");
}

#[tokio::test]
async fn embedding_failures_are_classified() {
    use llm::embeddings::Embedder;
    let fake = FakeProvider::start().await;
    fake.fail_embeddings(1);
    let err = embedder(&fake).embed(&["x".to_owned()]).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(embedder(&fake).embed(&["x".to_owned()]).await.is_ok());
}
