//! Bad input of every kind gets the right 4xx with a problem body and leaves the database exactly
//! as it was.

use domain::user::Role;
use reqwest::Method;
use serde_json::{Value, json};
use server::ServerConfig;
use testkit::{
    Backend, TestApp, TestTenant, assert_problem, both_backends, spawn_app, spawn_app_with,
};

const COLLECTIONS: &[&str] = &[
    "accounts",
    "contacts",
    "contact-relationships",
    "opportunities",
    "activities",
    "tasks",
    "products",
    "users",
    "apikeys",
    "regions",
];

async fn seeded(backend: Backend) -> (TestApp, TestTenant, Value) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let account = app
        .create(&t.admin_key, "/api/v1/accounts", json!({"name": "Acme"}))
        .await;
    (app, t, account)
}

async fn raw(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: &str,
) -> reqwest::Response {
    app.request(method, key, path)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

async fn malformed_and_mistyped_json_is_refused(backend: Backend) {
    let (app, t, account) = seeded(backend).await;
    let k = &t.admin_key;
    let before = app.snapshot(&[t.id]).await;
    for collection in COLLECTIONS {
        let path = format!("/api/v1/{collection}");
        for body in ["{", "not json", "{\"name\": \"x\",}", "[1, 2", "\u{0}"] {
            assert_problem(
                raw(&app, k, Method::POST, &path, body).await,
                400,
                "malformed_json",
            )
            .await;
        }
        for body in [
            "{}",
            "[]",
            "null",
            "42",
            "{\"name\": 5}",
            "{\"name\": \"x\", \"no_such_field\": 1}",
        ] {
            assert_problem(
                raw(&app, k, Method::POST, &path, body).await,
                422,
                "invalid_input",
            )
            .await;
        }
    }
    let account_id = account["id"].as_str().unwrap();
    for body in [
        json!({"account_id": account_id, "name": "x", "buying_role": "king"}),
        json!({"account_id": account_id, "name": "x", "persona_level": 3}),
        json!({"account_id": account_id, "name": "x", "email": "not-an-email"}),
        json!({"account_id": "not-a-uuid", "name": "x"}),
    ] {
        let r = app.post(k, "/api/v1/contacts", &body).send().await.unwrap();
        assert_problem(r, 422, "invalid_input").await;
    }
    let opp = |amount: Value, date: &str, stage: &str| json!({"account_id": account_id, "name": "x", "amount": amount, "close_date": date, "stage": stage});
    for body in [
        opp(
            json!({"amount": 1.005, "currency": "USD"}),
            "2027-01-01",
            "prospecting",
        ),
        opp(
            json!({"amount": "-5", "currency": "USD"}),
            "2027-01-01",
            "prospecting",
        ),
        opp(
            json!({"amount": "5", "currency": "XYZ"}),
            "2027-01-01",
            "prospecting",
        ),
        opp(
            json!({"amount": "5.5", "currency": "JPY"}),
            "2027-01-01",
            "prospecting",
        ),
        opp(json!("5 USD"), "2027-01-01", "prospecting"),
        opp(json!(0.300_000_000_000_000_04), "2027-01-01", "prospecting"),
        opp(json!(true), "2027-01-01", "prospecting"),
        opp(
            json!({"amount": "5", "currency": "USD"}),
            "2027-02-30",
            "prospecting",
        ),
        opp(
            json!({"amount": "5", "currency": "USD"}),
            "2027-01-01",
            "closed_won",
        ),
        opp(
            json!({"amount": "5", "currency": "USD"}),
            "2027-01-01",
            "signed",
        ),
    ] {
        let r = app
            .post(k, "/api/v1/opportunities", &body)
            .send()
            .await
            .unwrap();
        assert_problem(r, 422, "invalid_input").await;
    }
    for (path, body) in [
        (
            "/api/v1/accounts",
            json!({"name": "x", "domains": ["not a domain"]}),
        ),
        ("/api/v1/accounts", json!({"name": "   "})),
        ("/api/v1/accounts", json!({"name": "two\nlines"})),
        (
            "/api/v1/accounts",
            json!({"name": "x", "region": "NOWHERE"}),
        ),
        ("/api/v1/activities", json!({"kind": "fax", "body": "x"})),
        (
            "/api/v1/activities",
            json!({"kind": "note", "body": "x", "occurred_at": "yesterday"}),
        ),
        (
            "/api/v1/activities",
            json!({"kind": "note", "body": "x", "participants": [{"role": "to"}]}),
        ),
        ("/api/v1/tasks", json!({"title": "x", "status": "done"})),
        (
            "/api/v1/users",
            json!({"email": "a@b.co", "name": "x", "role": "superuser"}),
        ),
        ("/api/v1/apikeys", json!({"name": "x", "role": "root"})),
        (
            "/api/v1/contact-relationships",
            json!({"from_contact_id": account_id, "to_contact_id": account_id, "kind": "loves"}),
        ),
    ] {
        let r = app.post(k, path, &body).send().await.unwrap();
        let status = r.status().as_u16();
        let problem: Value = r.json().await.unwrap();
        assert!(status == 422, "{path} {body}: {status} {problem}");
        assert!(
            matches!(
                problem["code"].as_str(),
                Some("invalid_input" | "unknown_reference")
            ),
            "{problem}"
        );
    }
    // Wrong content type.
    let r = app
        .request(Method::POST, k, "/api/v1/accounts")
        .body("{\"name\":\"x\"}")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415, "unsupported_media_type").await;
    let r = app
        .request(Method::POST, k, "/api/v1/accounts")
        .header("content-type", "text/plain")
        .body("{\"name\":\"x\"}")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415, "unsupported_media_type").await;
    // Bad patches.
    let path = format!("/api/v1/accounts/{account_id}");
    assert_problem(
        raw(&app, k, Method::PATCH, &path, "{\"name\": null}").await,
        422,
        "invalid_input",
    )
    .await;
    assert_problem(
        raw(&app, k, Method::PATCH, &path, "{\"id\": \"x\"}").await,
        422,
        "invalid_input",
    )
    .await;
    let r = app
        .patch(k, &path, &json!({"name": "y"}))
        .header("if-match", "garbage")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "invalid_if_match").await;
    assert_eq!(app.snapshot(&[t.id]).await, before);
}

async fn oversized_bodies_get_413(backend: Backend) {
    let app = spawn_app_with(
        backend,
        ServerConfig {
            body_limit_bytes: 4096,
            ..ServerConfig::default()
        },
    )
    .await;
    let t = app.tenant("skyvera").await;
    let before = app.snapshot(&[t.id]).await;
    let big = json!({"name": "x".repeat(10_000)}).to_string();
    for collection in COLLECTIONS {
        let r = raw(
            &app,
            &t.admin_key,
            Method::POST,
            &format!("/api/v1/{collection}"),
            &big,
        )
        .await;
        assert_problem(r, 413, "body_too_large").await;
    }
    assert_eq!(app.snapshot(&[t.id]).await, before);
}

async fn long_fields_within_the_body_limit_are_refused(backend: Backend) {
    let (app, t, _) = seeded(backend).await;
    let before = app.snapshot(&[t.id]).await;
    let r = app
        .post(
            &t.admin_key,
            "/api/v1/accounts",
            &json!({"name": "x".repeat(301)}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_input").await;
    let r = app
        .post(
            &t.admin_key,
            "/api/v1/activities",
            &json!({"kind": "note", "body": "y".repeat(600 * 1024)}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_input").await;
    assert_eq!(app.snapshot(&[t.id]).await, before);
}

async fn unknown_ids_and_bad_queries(backend: Backend) {
    let (app, t, _) = seeded(backend).await;
    let k = &t.admin_key;
    let before = app.snapshot(&[t.id]).await;
    let random = uuid::Uuid::now_v7();
    for collection in COLLECTIONS {
        for id in [
            random.to_string(),
            "42".into(),
            "'%20OR%201=1--".into(),
            "..%2F..%2Fetc%2Fpasswd".into(),
        ] {
            let path = format!("/api/v1/{collection}/{id}");
            assert_problem(app.get(k, &path).send().await.unwrap(), 404, "not_found").await;
            let r = app.delete(k, &path).send().await.unwrap();
            assert_eq!(r.status(), 404, "DELETE {path}");
        }
        for query in [
            "limit=0",
            "limit=501",
            "limit=abc",
            "cursor=nope",
            "order=sideways",
        ] {
            let r = app
                .get(k, &format!("/api/v1/{collection}?{query}"))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            assert_eq!(status, 400, "{collection}?{query}");
        }
    }
    for query in ["stage=won", "account_id=x", "region=a%20b", "product_id=1"] {
        let r = app
            .get(k, &format!("/api/v1/opportunities?{query}"))
            .send()
            .await
            .unwrap();
        assert_problem(r, 400, "invalid_query").await;
    }
    let r = app
        .post(
            k,
            &format!("/api/v1/opportunities/{random}/stage"),
            &json!({"stage": "discovery"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;
    let r = app.get(k, "/api/v1/nothing-here").send().await.unwrap();
    assert_problem(r, 404, "not_found").await;
    let r = app
        .request(Method::PUT, k, "/api/v1/accounts")
        .send()
        .await
        .unwrap();
    assert_problem(r, 405, "method_not_allowed").await;
    let r = app
        .post(k, "/api/v1/accounts", &json!({"name": "x"}))
        .header("idempotency-key", "k".repeat(300))
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "invalid_idempotency_key").await;
    assert_eq!(app.snapshot(&[t.id]).await, before);
}

async fn sql_metacharacters_are_just_text(backend: Backend) {
    let (app, t, _) = seeded(backend).await;
    let k = &t.admin_key;
    let closer = app
        .create(
            k,
            "/api/v1/users",
            json!({"email": "closer@skyvera.com", "name": "Closer", "role": "rep"}),
        )
        .await;
    let human = app
        .key(
            t.id,
            Role::Rep,
            Some(closer["id"].as_str().unwrap().parse().unwrap()),
        )
        .await;
    let nasty = [
        "Robert'); DROP TABLE accounts;--",
        "x' OR '1'='1",
        "\"; DELETE FROM events; --",
        "50% off_ \\ `backtick` $1 ?1 :name",
        "Ünïcødé 日本語 🚀",
    ];
    for text in nasty {
        let account = app
            .create(
                k,
                "/api/v1/accounts",
                json!({"name": text, "industry": text}),
            )
            .await;
        assert_eq!(account["name"], text);
        let contact = app
            .create(k, "/api/v1/contacts", json!({"account_id": account["id"], "name": text, "title": text, "phone": text, "email": "o'brien@acme.com"}))
            .await;
        assert_eq!(contact["title"], text);
        let product = app
            .create(
                k,
                "/api/v1/products",
                json!({"code": format!("P{}", text.len()), "name": text, "description": text}),
            )
            .await;
        assert_eq!(product["description"], text);
        let opp = app
            .create(k, "/api/v1/opportunities", json!({"account_id": account["id"], "name": text, "amount": {"amount": "1", "currency": "USD"}, "close_date": "2027-01-01"}))
            .await;
        let activity = app
            .create(k, "/api/v1/activities", json!({"kind": "email", "subject": text, "body": text, "opportunity_id": opp["id"], "participants": [{"role": "from", "name": text}]}))
            .await;
        assert_eq!(activity["body"], text);
        let task = app
            .create(
                k,
                "/api/v1/tasks",
                json!({"title": text, "description": text}),
            )
            .await;
        assert_eq!(task["description"], text);
        let user = app
            .create(k, "/api/v1/users", json!({"email": format!("u{}@skyvera.com", text.len()), "name": text, "role": "viewer"}))
            .await;
        assert_eq!(user["name"], text);
        let region = app
            .create(k, "/api/v1/regions", json!({"code": format!("R{}", text.len()), "name": text, "time_zone": "UTC", "currency": "USD", "locale": "en"}))
            .await;
        assert_eq!(region["name"], text);
        let key = app
            .create(
                k,
                "/api/v1/apikeys",
                json!({"name": text, "role": "viewer"}),
            )
            .await;
        assert_eq!(key["name"], text);
        let other = app
            .create(
                k,
                "/api/v1/contacts",
                json!({"account_id": account["id"], "name": "Other"}),
            )
            .await;
        let edge = app
            .create(k, "/api/v1/contact-relationships", json!({"from_contact_id": contact["id"], "to_contact_id": other["id"], "kind": "opposes", "note": text}))
            .await;
        assert_eq!(edge["note"], text);
        let r = app
            .post(
                &human,
                &format!(
                    "/api/v1/opportunities/{}/stage",
                    opp["id"].as_str().unwrap()
                ),
                &json!({"stage": "closed_lost", "reason": text}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // Read back verbatim, and searching with the text finds exactly what contains it.
        let got: Value = app
            .get(
                k,
                &format!("/api/v1/accounts/{}", account["id"].as_str().unwrap()),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(got["name"], text);
    }
    let all: Value = app
        .get(k, "/api/v1/accounts?limit=100")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        nasty.len() + 1,
        "every account still there"
    );
    let search: Value = app
        .get(k, "/api/v1/accounts")
        .query(&[("name", "' OR '1'='1")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(search["items"].as_array().unwrap().len(), 1);
    let wildcard: Value = app
        .get(k, "/api/v1/accounts")
        .query(&[("name", "%")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        wildcard["items"].as_array().unwrap().len(),
        1,
        "% is matched literally"
    );
    let events: Value = app
        .get(k, "/api/v1/audit?limit=500")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        events["items"].as_array().unwrap().len() > 30,
        "the event log survived"
    );
}

async fn bad_credentials_and_roles(backend: Backend) {
    let (app, t, account) = seeded(backend).await;
    let viewer = app.key(t.id, Role::Viewer, None).await;
    let rep = app.key(t.id, Role::Rep, None).await;
    let url = format!("{}/api/v1/accounts", app.url);
    let r = app.client.get(&url).send().await.unwrap();
    assert_problem(r, 401, "unauthorized").await;
    for header in [
        "Bearer",
        "Bearer ",
        "Bearer garbage",
        "Basic dXNlcjpwYXNz",
        "Bearer aa_0_0",
        "Token abc",
    ] {
        let r = app
            .client
            .get(&url)
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_problem(r, 401, "unauthorized").await;
    }
    let last = t.admin_key.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &t.admin_key[..t.admin_key.len() - 1]);
    assert_problem(
        app.get(&tampered, "/api/v1/accounts").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;

    // A revoked key is refused on writes too, and nothing is written.
    let (revoked_id, revoked) = app.key_with_id(t.id, Role::Admin, None).await;
    let r = app
        .delete(&t.admin_key, &format!("/api/v1/apikeys/{revoked_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let before_revoked_write = app.snapshot(&[t.id]).await;
    let r = app
        .post(&revoked, "/api/v1/accounts", &json!({"name": "sneaky"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "unauthorized").await;
    assert_eq!(app.snapshot(&[t.id]).await, before_revoked_write);
    let before = before_revoked_write;
    // A viewer reads but never writes; a rep cannot manage products, users, keys or regions.
    assert_eq!(
        app.get(&viewer, "/api/v1/accounts")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let account_path = format!("/api/v1/accounts/{}", account["id"].as_str().unwrap());
    for r in [
        app.post(&viewer, "/api/v1/accounts", &json!({"name": "x"})).send().await.unwrap(),
        app.patch(&viewer, &account_path, &json!({"name": "x"})).send().await.unwrap(),
        app.delete(&viewer, &account_path).send().await.unwrap(),
        app.post(&rep, "/api/v1/products", &json!({"code": "X", "name": "x"})).send().await.unwrap(),
        app.post(&rep, "/api/v1/users", &json!({"email": "a@b.co", "name": "x", "role": "admin"})).send().await.unwrap(),
        app.post(&rep, "/api/v1/apikeys", &json!({"name": "x", "role": "admin"})).send().await.unwrap(),
        app.post(&rep, "/api/v1/regions", &json!({"code": "XX", "name": "x", "time_zone": "UTC", "currency": "USD", "locale": "en"})).send().await.unwrap(),
        app.get(&rep, "/api/v1/audit").send().await.unwrap(),
        app.get(&rep, "/api/v1/apikeys").send().await.unwrap(),
    ] {
        assert_problem(r, 403, "forbidden").await;
    }
    assert_eq!(app.snapshot(&[t.id]).await, before);
}

async fn dates_etags_and_request_ids(backend: Backend) {
    let (app, t, account) = seeded(backend).await;
    let k = &t.admin_key;
    let before = app.snapshot(&[t.id]).await;
    let account_id = account["id"].as_str().unwrap();
    for (path, body) in [
        (
            "/api/v1/opportunities",
            json!({"account_id": account_id, "name": "x", "amount": {"amount": "1", "currency": "USD"}, "close_date": "0001-01-01"}),
        ),
        (
            "/api/v1/opportunities",
            json!({"account_id": account_id, "name": "x", "amount": {"amount": "1", "currency": "USD"}, "close_date": "-009999-01-01"}),
        ),
        (
            "/api/v1/tasks",
            json!({"title": "x", "due_date": "1850-01-01"}),
        ),
        (
            "/api/v1/activities",
            json!({"kind": "call", "body": "x", "occurred_at": "-000001-01-01T00:00:00Z"}),
        ),
        (
            "/api/v1/activities",
            json!({"kind": "call", "body": "x", "occurred_at": "2026-01-02T10:00:00Z", "ended_at": "2026-01-02T09:00:00Z"}),
        ),
    ] {
        let r = app.post(k, path, &body).send().await.unwrap();
        assert_problem(r, 422, "invalid_input").await;
    }
    let r = app
        .get(k, "/api/v1/activities?since=-000001-01-01T00:00:00Z")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "invalid_query").await;
    let path = format!("/api/v1/accounts/{account_id}");
    let r = app
        .patch(k, &path, &json!({"name": "y"}))
        .header("if-match", "W/\"1\"")
        .send()
        .await
        .unwrap();
    assert_problem(r, 412, "version_mismatch").await;
    let r = app
        .get(k, "/api/v1/accounts")
        .header("x-request-id", "x".repeat(500))
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(
        id.len() <= 64 && id != "x".repeat(500),
        "an oversized request id is replaced: {id}"
    );
    assert_eq!(app.snapshot(&[t.id]).await, before);
}

both_backends!(
    dates_etags_and_request_ids,
    malformed_and_mistyped_json_is_refused,
    oversized_bodies_get_413,
    long_fields_within_the_body_limit_are_refused,
    unknown_ids_and_bad_queries,
    sql_metacharacters_are_just_text,
    bad_credentials_and_roles,
);
