//! Tenant isolation through the API: with tenant A's key, tenant B's objects do not exist.

use serde_json::{Value, json};
use testkit::{Backend, assert_problem, both_backends, spawn_app};

async fn another_tenants_objects_answer_404_and_never_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.tenant("alpha").await;
    let b = app.tenant("bravo").await;

    // Tenant B's world.
    let kb = &b.admin_key;
    let account = app
        .create(
            kb,
            "/api/v1/accounts",
            json!({"name": "B Secret Account", "domains": ["bsecret.com"]}),
        )
        .await;
    let contact = app
        .create(
            kb,
            "/api/v1/contacts",
            json!({"account_id": account["id"], "name": "B Person", "email": "p@bsecret.com"}),
        )
        .await;
    let other = app
        .create(
            kb,
            "/api/v1/contacts",
            json!({"account_id": account["id"], "name": "B Other"}),
        )
        .await;
    let edge = app.create(kb, "/api/v1/contact-relationships", json!({"from_contact_id": contact["id"], "to_contact_id": other["id"], "kind": "opposes"})).await;
    let product = app
        .create(
            kb,
            "/api/v1/products",
            json!({"code": "B1", "name": "B Product"}),
        )
        .await;
    let opp = app.create(kb, "/api/v1/opportunities", json!({
        "account_id": account["id"], "name": "B Deal", "amount": {"amount": "5", "currency": "USD"},
        "close_date": "2027-01-01", "product_ids": [product["id"]]
    })).await;
    let activity = app
        .create(
            kb,
            "/api/v1/activities",
            json!({"kind": "note", "body": "B only", "opportunity_id": opp["id"]}),
        )
        .await;
    let task = app
        .create(kb, "/api/v1/tasks", json!({"title": "B task"}))
        .await;
    let user = app
        .create(
            kb,
            "/api/v1/users",
            json!({"email": "u@bravo.com", "name": "B User", "role": "rep"}),
        )
        .await;
    let key: Value = app
        .create(
            kb,
            "/api/v1/apikeys",
            json!({"name": "b key", "role": "viewer"}),
        )
        .await;
    let regions: Value = app
        .get(kb, "/api/v1/regions")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let region = regions["items"][0].clone();

    let before = app.snapshot(&[b.id]).await;
    let ka = &a.admin_key;
    let objects = [
        ("accounts", &account, json!({"name": "pwned"})),
        ("contacts", &contact, json!({"name": "pwned"})),
        ("contact-relationships", &edge, json!({})),
        ("products", &product, json!({"name": "pwned"})),
        ("opportunities", &opp, json!({"name": "pwned"})),
        ("activities", &activity, json!({"body": "pwned"})),
        ("tasks", &task, json!({"title": "pwned"})),
        ("users", &user, json!({"name": "pwned"})),
        ("apikeys", &key, json!({})),
        ("regions", &region, json!({"name": "pwned"})),
    ];
    for (collection, object, patch) in &objects {
        let path = format!("/api/v1/{collection}/{}", object["id"].as_str().unwrap());
        assert_problem(app.get(ka, &path).send().await.unwrap(), 404, "not_found").await;
        let r = app.patch(ka, &path, patch).send().await.unwrap();
        assert_eq!(r.status(), 404, "PATCH {path}");
        let r = app.delete(ka, &path).send().await.unwrap();
        assert_eq!(r.status(), 404, "DELETE {path}");
        let list: Value = app
            .get(ka, &format!("/api/v1/{collection}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let leaked = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == object["id"]);
        assert!(!leaked, "{collection} list leaks tenant B's object");
    }
    let opp_id = opp["id"].as_str().unwrap();
    let r = app
        .post(
            ka,
            &format!("/api/v1/opportunities/{opp_id}/stage"),
            &json!({"stage": "discovery"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;
    let r = app
        .get(ka, &format!("/api/v1/opportunities/{opp_id}/stage-history"))
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;

    // Filters and references with B's ids or data find nothing and create nothing.
    let by_domain: Value = app
        .get(ka, "/api/v1/accounts?email=p@bsecret.com")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_domain["items"], json!([]));
    let by_account: Value = app
        .get(
            ka,
            &format!(
                "/api/v1/contacts?account_id={}",
                account["id"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_account["items"], json!([]));
    for (collection, body) in [
        (
            "contacts",
            json!({"account_id": account["id"], "name": "x"}),
        ),
        (
            "opportunities",
            json!({"account_id": account["id"], "name": "x", "amount": {"amount": "1", "currency": "USD"}, "close_date": "2027-01-01"}),
        ),
        (
            "activities",
            json!({"kind": "note", "body": "x", "opportunity_id": opp["id"]}),
        ),
        ("tasks", json!({"title": "x", "assignee_id": user["id"]})),
        (
            "contact-relationships",
            json!({"from_contact_id": contact["id"], "to_contact_id": other["id"], "kind": "influences"}),
        ),
    ] {
        let r = app
            .post(ka, &format!("/api/v1/{collection}"), &body)
            .send()
            .await
            .unwrap();
        assert_problem(r, 422, "unknown_reference").await;
    }
    // A key for B's user is refused before the reference is even looked at.
    let r = app
        .post(
            ka,
            "/api/v1/apikeys",
            &json!({"name": "x", "role": "viewer", "user_id": user["id"]}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    // Same domain in another tenant is fine: domains are unique per tenant only.
    let mine = app
        .create(
            ka,
            "/api/v1/accounts",
            json!({"name": "A's view of bsecret", "domains": ["bsecret.com"]}),
        )
        .await;
    let r = app
        .delete(
            ka,
            &format!("/api/v1/accounts/{}", mine["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    let audit: Value = app
        .get(ka, "/api/v1/audit?limit=500")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let leaked = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e.to_string().contains("B Secret"));
    assert!(!leaked, "tenant A's audit log shows tenant B's events");

    assert_eq!(
        app.snapshot(&[b.id]).await,
        before,
        "tenant B's rows changed"
    );
}

async fn keys_only_open_their_own_tenant(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.tenant("alpha").await;
    let b = app.tenant("bravo").await;
    // A key whose tenant part is rewritten to B's id fails: the secret is bound to A.
    let forged = a.admin_key.replace(
        &a.id.as_uuid().simple().to_string(),
        &b.id.as_uuid().simple().to_string(),
    );
    assert_problem(
        app.get(&forged, "/api/v1/accounts").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    let me: Value = app
        .get(&b.admin_key, "/api/v1/tenant")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["tenant"]["name"], "bravo");
}

both_backends!(
    another_tenants_objects_answer_404_and_never_change,
    keys_only_open_their_own_tenant
);
