//! Health, readiness, metrics, request ids and the OpenAPI document.

use serde_json::Value;
use testkit::{Backend, both_backends, spawn_app};

async fn health_metrics_and_openapi(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let health: Value = app
        .client
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let ready = app
        .client
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["database"], app.store.backend_name());

    let r = app
        .get(&t.admin_key, "/api/v1/accounts")
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-me-123");
    let r = app
        .get(&t.admin_key, "/api/v1/accounts")
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("x-request-id"));

    let metrics = app
        .client
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/api/v1/accounts\""), "{metrics}");

    let doc: Value = app
        .client
        .get(format!("{}/api/openapi.json", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for resource in [
        "accounts",
        "contacts",
        "opportunities",
        "activities",
        "tasks",
        "products",
        "users",
        "apikeys",
    ] {
        let collection = format!("/api/v1/{resource}");
        let item = format!("/api/v1/{resource}/{{id}}");
        assert!(
            paths[&collection]["get"].is_object() && paths[&collection]["post"].is_object(),
            "{collection}"
        );
        assert!(
            paths[&item]["get"].is_object() && paths[&item]["delete"].is_object(),
            "{item}"
        );
    }
    assert!(paths["/api/v1/opportunities/{id}/stage"]["post"].is_object());
    assert!(doc["components"]["schemas"]["Opportunity"].is_object());
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
}

both_backends!(health_metrics_and_openapi);
