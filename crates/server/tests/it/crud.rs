//! Create, read, list, update and delete through the API, with pagination, filters, ETags,
//! idempotency and the event log.

use serde_json::{Value, json};
use testkit::{Backend, assert_problem, both_backends, spawn_app};

async fn account_contact_opportunity(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let k = &t.admin_key;

    let account = app
        .create(
            k,
            "/api/v1/accounts",
            json!({"name": "Acme Corp", "domains": ["Acme.com", "acme.co.uk"], "region": "EMEA"}),
        )
        .await;
    let account_id = account["id"].as_str().unwrap().to_owned();
    assert_eq!(account["domains"], json!(["acme.co.uk", "acme.com"]));
    assert_eq!(account["version"], 1);

    let contact = app
        .create(
            k,
            "/api/v1/contacts",
            json!({
                "account_id": account_id, "name": "Jane Doe", "email": "jane@acme.com",
                "title": "CFO", "persona_level": "c_suite", "buying_role": "economic_buyer"
            }),
        )
        .await;
    assert_eq!(contact["buying_role"], "economic_buyer");
    let champion = app
        .create(
            k,
            "/api/v1/contacts",
            json!({"account_id": account_id, "name": "Raj", "buying_role": "champion"}),
        )
        .await;
    let edge = app
        .create(k, "/api/v1/contact-relationships", json!({
            "from_contact_id": champion["id"], "to_contact_id": contact["id"], "kind": "reports_to"
        }))
        .await;
    assert_eq!(edge["kind"], "reports_to");

    let product = app
        .create(
            k,
            "/api/v1/products",
            json!({"code": "sky-core", "name": "Sky Core"}),
        )
        .await;
    assert_eq!(product["code"], "SKY-CORE");

    let opp = app
        .create(
            k,
            "/api/v1/opportunities",
            json!({
                "account_id": account_id, "name": "Acme rollout",
                "amount": {"amount": "250000.50", "currency": "EUR"}, "close_date": "2027-06-30",
                "region": "EMEA", "product_ids": [product["id"]]
            }),
        )
        .await;
    assert_eq!(opp["stage"], "prospecting");
    assert_eq!(
        opp["amount"],
        json!({"amount": "250000.50", "currency": "EUR"})
    );
    let opp_id = opp["id"].as_str().unwrap();

    // The amount may also come as a bare decimal with the currency beside it.
    let flat = app
        .create(k, "/api/v1/opportunities", json!({
            "account_id": account_id, "name": "Flat", "amount": 99000.5, "currency": "usd", "close_date": "2027-01-31"
        }))
        .await;
    assert_eq!(
        flat["amount"],
        json!({"amount": "99000.50", "currency": "USD"})
    );
    let flat_path = format!("/api/v1/opportunities/{}", flat["id"].as_str().unwrap());
    let repriced: Value = app
        .patch(k, &flat_path, &json!({"amount": "120000"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        repriced["amount"],
        json!({"amount": "120000.00", "currency": "USD"})
    );
    let r = app
        .patch(k, &flat_path, &json!({"amount": "1.5", "currency": "JPY"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_input").await;
    assert_eq!(
        app.delete(k, &flat_path).send().await.unwrap().status(),
        204
    );

    let activity = app
        .create(k, "/api/v1/activities", json!({
            "kind": "email", "subject": "Pricing", "body": "Hi Jane,\nhere is the proposal.",
            "occurred_at": "2026-11-20T10:00:00Z", "account_id": account_id, "opportunity_id": opp_id,
            "participants": [{"role": "from", "email": "rep@skyvera.com"}, {"role": "to", "contact_id": contact["id"]}]
        }))
        .await;
    assert_eq!(activity["participants"][1]["contact_id"], contact["id"]);

    // Read back, including the opportunity with its activities.
    let got: Value = app
        .get(
            k,
            &format!("/api/v1/opportunities/{opp_id}?include=activities"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["activities"][0]["id"], activity["id"]);
    assert_eq!(got["product_ids"], json!([product["id"]]));

    // Filters: account by an address on a subdomain, opportunities by product and stage.
    let by_email: Value = app
        .get(k, "/api/v1/accounts?email=someone@mail.acme.com")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_email["items"].as_array().unwrap().len(), 1);
    let none: Value = app
        .get(k, "/api/v1/accounts?email=someone@acme.org")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none["items"], json!([]));
    let by_product: Value = app
        .get(
            k,
            &format!(
                "/api/v1/opportunities?product_id={}&stage=prospecting",
                product["id"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_product["items"][0]["id"], opp["id"]);

    // A product in use cannot be deleted; the contact's account cannot be deleted while it has people.
    let r = app
        .delete(
            k,
            &format!("/api/v1/products/{}", product["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 409, "conflict").await;

    // Task lifecycle.
    let task = app
        .create(
            k,
            "/api/v1/tasks",
            json!({"title": "Send MAP", "opportunity_id": opp_id, "due_date": "2026-12-01"}),
        )
        .await;
    let task_path = format!("/api/v1/tasks/{}", task["id"].as_str().unwrap());
    let done: Value = app
        .patch(k, &task_path, &json!({"status": "done"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(done["status"], "done");
    assert_eq!(done["version"], 2);
    let r = app.delete(k, &task_path).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let r = app.get(k, &task_path).send().await.unwrap();
    assert_problem(r, 404, "not_found").await;

    // Every change is in the audit log with who did it.
    let audit: Value = app
        .get(k, "/api/v1/audit?resource=task&limit=10")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["created", "updated", "deleted"]);
    assert_eq!(
        audit["items"][1]["payload"]["changes"]["status"],
        json!({"from": "open", "to": "done"})
    );
    assert_eq!(audit["items"][0]["actor_kind"], "service");
    assert!(audit["items"][0]["request_id"].is_string());
}

async fn pagination_walks_every_item_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("jigtree").await;
    let mut created = Vec::new();
    for i in 0..7 {
        let a = app
            .create(
                &t.admin_key,
                "/api/v1/accounts",
                json!({"name": format!("Account {i}")}),
            )
            .await;
        created.push(a["id"].as_str().unwrap().to_owned());
    }
    for order in ["asc", "desc"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/accounts?limit=3&order={order}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page: Value = app
                .get(&t.admin_key, &path)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["id"].as_str().unwrap().to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let mut expected = created.clone();
        if order == "desc" {
            expected.reverse();
        }
        assert_eq!(seen, expected, "order {order}");
    }
    let filtered: Value = app
        .get(&t.admin_key, "/api/v1/accounts?name=unt%205")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
}

async fn etag_prevents_lost_updates(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("totogi").await;
    let k = &t.admin_key;
    let acct = app
        .create(k, "/api/v1/accounts", json!({"name": "Initech"}))
        .await;
    let path = format!("/api/v1/accounts/{}", acct["id"].as_str().unwrap());
    let r = app.get(k, &path).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"1\"");

    // Alice updates with the current ETag; Bob's later update with the same ETag is refused.
    let r = app
        .patch(k, &path, &json!({"industry": "Software"}))
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let before = app.snapshot(&[t.id]).await;
    let r = app
        .patch(k, &path, &json!({"name": "Initrode"}))
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_problem(r, 412, "version_mismatch").await;
    let r = app
        .delete(k, &path)
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_problem(r, 412, "version_mismatch").await;
    assert_eq!(app.snapshot(&[t.id]).await, before);

    // `null` clears a field; absent fields stay.
    let cleared: Value = app
        .patch(k, &path, &json!({"industry": null}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["industry"], Value::Null);
    assert_eq!(cleared["name"], "Initech");
}

async fn idempotency_key_replays_the_first_response(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let k = &t.admin_key;
    let body = json!({"name": "Umbrella"});
    let first = app
        .post(k, "/api/v1/accounts", &body)
        .header("idempotency-key", "abc-1")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let before = app.snapshot(&[t.id]).await;

    let again = app
        .post(k, "/api/v1/accounts", &body)
        .header("idempotency-key", "abc-1")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first);
    assert_eq!(
        app.snapshot(&[t.id]).await,
        before,
        "a replay must create nothing"
    );

    let different = app
        .post(k, "/api/v1/accounts", &json!({"name": "Other"}))
        .header("idempotency-key", "abc-1")
        .send()
        .await
        .unwrap();
    assert_problem(different, 422, "idempotency_key_reused").await;
    assert_eq!(app.snapshot(&[t.id]).await, before);

    let list: Value = app
        .get(k, "/api/v1/accounts")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

async fn users_keys_and_regions_are_admin_managed(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let admin = &t.admin_key;
    let user = app
        .create(admin, "/api/v1/users", json!({"email": "maria@skyvera.com", "name": "Maria", "role": "manager", "home_region": "EMEA"}))
        .await;
    let dup = app
        .post(
            admin,
            "/api/v1/users",
            &json!({"email": "MARIA@skyvera.com", "name": "M2", "role": "rep"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(dup, 409, "conflict").await;

    // A service key (an agent's, even an admin one) cannot mint a key that acts as a human.
    let impersonate = app
        .post(
            admin,
            "/api/v1/apikeys",
            &json!({"name": "m", "role": "manager", "user_id": user["id"]}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(impersonate, 403, "forbidden").await;
    // An admin human may create a personal key for themselves.
    let boss = app
        .create(
            admin,
            "/api/v1/users",
            json!({"email": "boss@skyvera.com", "name": "Boss", "role": "admin"}),
        )
        .await;
    let boss_key = app
        .key(
            t.id,
            domain::user::Role::Admin,
            Some(boss["id"].as_str().unwrap().parse().unwrap()),
        )
        .await;
    let own = app
        .create(
            &boss_key,
            "/api/v1/apikeys",
            json!({"name": "boss laptop", "role": "manager", "user_id": boss["id"]}),
        )
        .await;
    let me: Value = app
        .get(own["key"].as_str().unwrap(), "/api/v1/tenant")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["actor"]["principal"],
        json!({"kind": "user", "user_id": boss["id"]})
    );
    assert_eq!(me["actor"]["role"], "manager");
    // Keys can be renamed and lowered, never raised.
    let own_path = format!("/api/v1/apikeys/{}", own["id"].as_str().unwrap());
    let renamed: Value = app
        .patch(
            admin,
            &own_path,
            &json!({"name": "old laptop", "role": "viewer"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (renamed["name"].as_str(), renamed["role"].as_str()),
        (Some("old laptop"), Some("viewer"))
    );
    let r = app
        .patch(admin, &own_path, &json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_input").await;
    // Creating a key is idempotent; the replay cannot show the secret again.
    let body = json!({"name": "ci", "role": "rep"});
    let first = app
        .post(admin, "/api/v1/apikeys", &body)
        .header("idempotency-key", "key-1")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert!(first["key"].is_string());
    let again = app
        .post(admin, "/api/v1/apikeys", &body)
        .header("idempotency-key", "key-1")
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert!(
        again.get("key").is_none(),
        "a replay must not carry the secret"
    );

    let (maria_key_id, personal) = app
        .key_with_id(
            t.id,
            domain::user::Role::Manager,
            Some(user["id"].as_str().unwrap().parse().unwrap()),
        )
        .await;

    let me: Value = app
        .get(&personal, "/api/v1/tenant")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["actor"]["principal"],
        json!({"kind": "user", "user_id": user["id"]})
    );

    // Managers cannot manage keys or users; admins can list and revoke.
    let r = app.get(&personal, "/api/v1/apikeys").send().await.unwrap();
    assert_problem(r, 403, "forbidden").await;
    let r = app
        .post(
            &personal,
            "/api/v1/users",
            &json!({"email": "x@y.com", "name": "X", "role": "rep"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    let keys: Value = app
        .get(admin, "/api/v1/apikeys?active=true")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys["items"].as_array().unwrap().len(), 5);
    let revoked: Value = app
        .delete(admin, &format!("/api/v1/apikeys/{maria_key_id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(revoked["revoked_at"].is_string());
    let r = app.get(&personal, "/api/v1/tenant").send().await.unwrap();
    assert_problem(r, 401, "unauthorized").await;

    // Regions are configurable per tenant.
    let regions: Value = app
        .get(admin, "/api/v1/regions")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = regions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["APAC", "EMEA", "AMERICAS"]);
    let latam = app
        .create(admin, "/api/v1/regions", json!({"code": "latam", "name": "Latin America", "time_zone": "America/Sao_Paulo", "currency": "BRL", "locale": "pt-BR"}))
        .await;
    assert_eq!(latam["code"], "LATAM");
    let r = app.post(admin, "/api/v1/regions", &json!({"code": "X1", "name": "X", "time_zone": "Mars/Base", "currency": "USD", "locale": "en"})).send().await.unwrap();
    assert_problem(r, 422, "invalid_input").await;
    // A region in use by a user cannot be deleted.
    let emea = regions["items"][1]["id"].as_str().unwrap();
    let r = app
        .delete(admin, &format!("/api/v1/regions/{emea}"))
        .send()
        .await
        .unwrap();
    assert_problem(r, 409, "conflict").await;
}

async fn concurrent_retries_create_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let body = json!({"name": "Müller GmbH", "domains": ["mueller.de"]});
    let attempts = (0..8).map(|_| {
        app.post(&t.admin_key, "/api/v1/accounts", &body)
            .header("idempotency-key", "same-key")
            .send()
    });
    let responses = futures_util::future::join_all(attempts).await;
    let mut ids = Vec::new();
    for r in responses {
        let r = r.unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        ids.push(v["id"].clone());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every retry answers with the one account");
    let list: Value = app
        .get(&t.admin_key, "/api/v1/accounts")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // An equivalent body spelled differently is the same request.
    let respelled = app
        .request(reqwest::Method::POST, &t.admin_key, "/api/v1/accounts")
        .header("content-type", "application/json")
        .header("idempotency-key", "same-key")
        .body("{ \"domains\": [\"mueller.de\"],   \"name\": \"Müller GmbH\" }")
        .send()
        .await
        .unwrap();
    assert_eq!(respelled.status(), 201);
    // Name search folds case beyond ASCII, the same on both backends.
    let found: Value = app
        .get(&t.admin_key, "/api/v1/accounts")
        .query(&[("name", "MÜLLER")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
}

both_backends!(
    concurrent_retries_create_once,
    account_contact_opportunity,
    pagination_walks_every_item_once,
    etag_prevents_lost_updates,
    idempotency_key_replays_the_first_response,
    users_keys_and_regions_are_admin_managed,
);
