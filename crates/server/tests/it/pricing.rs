//! Pricing guidance, battlecards and discount offers through the API: the catalog's price book
//! and bands shape the guidance, competitor documents become cited battlecards, and an offer
//! runs through the guardrails with the whole package counted toward the bands; bad offers
//! change nothing.

use domain::user::Role;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, TestTenant, assert_problem, both_backends};

use crate::agents::{scene, spawn_with_agents, wait_for};

const PRICES_CSV: &str = "product,sku,name,region,currency,list_price,unit\n\
    NET-01,NET-SEAT,Network seat,EMEA,EUR,120.00,per_seat_year\n";

const BANDS_CSV: &str = "product,region,up_to_percent,approval\n\
    ,,10,none\n\
    ,,20,manager\n\
    ,,30,director\n";

const NORTHWIND_MD: &str = "# Northwind\n\nNorthwind is the incumbent in retail networking. \
    It sells through resellers.\n\n## Strengths\n\n- Large install base\n\n## Weaknesses\n\n\
    - Lacks SCIM provisioning\n- No support for data residency in Germany\n\n## Pricing\n\n\
    List price is 90 EUR per seat.\n\n## Objections\n\n\
    - \"Northwind is cheaper\" → Compare the three-year cost, reseller margin included.\n";

const BUYER_EMAIL: &str = "Hi, Northwind quoted us less for the same seats. \
    Honestly the price is too expensive for us this year.";

/// A catalog (price book and bands), an account with a deal on NET-01 in EMEA worth EUR
/// 100,000, and the deal's id.
async fn deal(app: &TestApp, t: &TestTenant, account: &str) -> String {
    let key = &t.admin_key;
    let product = app
        .create(
            key,
            "/api/v1/products",
            json!({"code": "NET-01", "name": "Skyvera Network"}),
        )
        .await;
    for (path, csv) in [
        ("/api/v1/catalog/prices", PRICES_CSV),
        ("/api/v1/catalog/discount-bands", BANDS_CSV),
    ] {
        let r = app
            .request(Method::PUT, key, path)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    let deal = app
        .create(
            key,
            "/api/v1/opportunities",
            json!({"account_id": account, "name": "Acme network", "region": "EMEA",
                "product_ids": [product["id"]], "amount": {"amount": "100000", "currency": "EUR"},
                "close_date": "2027-06-30"}),
        )
        .await;
    deal["id"].as_str().unwrap().to_owned()
}

async fn json_of(app: &TestApp, key: &str, path: &str) -> Value {
    app.get_json(key, path).await
}

async fn markdown_of(app: &TestApp, key: &str, path: &str) -> String {
    let r = app.get(key, path).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "text/markdown; charset=utf-8");
    r.text().await.unwrap()
}

fn percent(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

async fn guidance_and_battlecards_read_the_catalog_and_the_competitors(backend: Backend) {
    let app = testkit::spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let key = &t.admin_key;
    let account = app
        .create(
            key,
            "/api/v1/accounts",
            json!({"name": "Acme", "domains": ["acme.com"]}),
        )
        .await;
    let account = account["id"].as_str().unwrap().to_owned();
    let deal = deal(&app, &t, &account).await;
    let uploaded = app
        .create(
            key,
            "/api/v1/knowledge/documents",
            json!({"source": "northwind.md", "content": NORTHWIND_MD, "kind": "competitor"}),
        )
        .await;
    let document = uploaded["document"]["id"].clone();
    let email = app
        .create(
            key,
            "/api/v1/activities",
            json!({"kind": "email", "body": BUYER_EMAIL, "occurred_at": "2026-11-02T10:00:00Z",
                "account_id": account, "opportunity_id": deal,
                "participants": [{"role": "from", "name": "Dana", "email": "dana@acme.com"}]}),
        )
        .await;

    // The guidance: opening inside the band that needs no approval, concessions up the bands
    // with their approvers, the walk-away at the last band, questions about the competitor.
    let path = format!("/api/v1/opportunities/{deal}/pricing-guidance");
    let g = json_of(&app, key, &path).await;
    assert_eq!(g["currency"], "EUR");
    assert_eq!(g["products"][0]["lines"][0][0], "NET-SEAT");
    assert_eq!(g["signals"]["competitors_named"], json!(["Northwind"]));
    let opening = &g["opening"];
    assert!(
        (0.0..=10.0).contains(&percent(&opening["percent"])),
        "{opening}"
    );
    assert_eq!(
        opening["verdict"],
        json!({"within": "band", "approval": "none", "up_to_percent": "10"})
    );
    assert!(
        (opening["reasons"].as_array().unwrap().iter())
            .any(|r| r.as_str().unwrap().contains("Northwind")),
        "{opening}"
    );
    let approvers: Vec<&str> = (g["concessions"].as_array().unwrap().iter())
        .map(|c| c["level"]["verdict"]["approval"].as_str().unwrap())
        .collect();
    assert_eq!(approvers.first(), Some(&"none"), "{approvers:?}");
    assert!(
        approvers.contains(&"manager") && approvers.last() == Some(&"director"),
        "{approvers:?}"
    );
    assert_eq!(g["walk_away"]["percent"], "30");
    assert_eq!(g["walk_away"]["net_amount"], "70000.00");
    assert_eq!(g["walk_away"]["verdict"]["approval"], "director");
    let questions = g["questions"].as_array().unwrap();
    assert!((3..=6).contains(&questions.len()), "{questions:?}");
    assert!(
        (questions.iter()).any(|q| q["question"].as_str().unwrap().contains("Northwind")),
        "{questions:?}"
    );
    assert!(!g.to_string().contains("offer_discount"), "never an offer");
    let md = markdown_of(&app, key, &format!("{path}?format=markdown")).await;
    for part in [
        "# Pricing guidance",
        "## Concession plan",
        "director approval",
        "## Walk-away: 30%",
        "## Calibrated questions",
    ] {
        assert!(md.contains(part), "{part} in {md}");
    }

    // Battlecards quote the document verbatim, with citations.
    let cards = json_of(&app, key, "/api/v1/battlecards").await;
    let card = &cards["items"][0];
    assert_eq!(card["competitor"], "Northwind");
    assert_eq!(card["mentions"], Value::Null, "no account, no mentions");
    let weakness = &card["weaknesses"][0];
    assert_eq!(weakness["quote"], "Lacks SCIM provisioning");
    assert_eq!(weakness["citation"]["document_id"], document);
    assert_eq!(
        weakness["citation"]["section"],
        json!(["Northwind", "Weaknesses"])
    );
    for list in ["strengths", "weaknesses", "pricing"] {
        for point in card[list].as_array().unwrap() {
            let quote = point["quote"].as_str().unwrap();
            assert!(NORTHWIND_MD.contains(quote), "verbatim: {quote}");
        }
    }
    assert_eq!(
        card["objection_handlers"][0]["objection"],
        "Northwind is cheaper"
    );
    // With the account: where the buyer named the competitor.
    let scoped = format!("/api/v1/battlecards?account_id={account}");
    let cards = json_of(&app, key, &scoped).await;
    let mentions = cards["items"][0]["mentions"].as_array().unwrap();
    assert_eq!(mentions.len(), 1, "{mentions:?}");
    assert_eq!(mentions[0]["activity_id"], email["id"]);
    assert!(BUYER_EMAIL.contains(mentions[0]["quote"].as_str().unwrap()));
    let md = markdown_of(&app, key, &format!("{scoped}&format=markdown")).await;
    assert!(md.starts_with("# Battlecard: Northwind"), "{md}");
    assert!(md.contains("Lacks SCIM provisioning") && md.contains("## Mentions"));
    // A viewer reads both.
    let viewer = app.key(t.id, Role::Viewer, None).await;
    json_of(&app, &viewer, &path).await;
    json_of(&app, &viewer, "/api/v1/battlecards").await;

    // Bad reads: unknown or foreign ids, bad formats, unknown parameters.
    let foreign = format!("/api/v1/battlecards?account_id={account}");
    assert_problem(
        app.get(&other.admin_key, &foreign).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&other.admin_key, &path).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    let empty = json_of(&app, &other.admin_key, "/api/v1/battlecards").await;
    assert_eq!(empty["items"], json!([]), "the tenant wall");
    for (bad, status, code) in [
        (
            format!(
                "/api/v1/opportunities/{}/pricing-guidance",
                uuid::Uuid::now_v7()
            ),
            404,
            "not_found",
        ),
        (
            "/api/v1/opportunities/not-an-id/pricing-guidance".to_owned(),
            404,
            "not_found",
        ),
        (format!("{path}?format=xml"), 400, "invalid_query"),
        (format!("{path}?colour=red"), 400, "invalid_query"),
        (
            "/api/v1/battlecards?account_id=nope".to_owned(),
            400,
            "invalid_query",
        ),
        (
            "/api/v1/battlecards?format=pdf".to_owned(),
            400,
            "invalid_query",
        ),
        (
            "/api/v1/battlecards?competitor=x".to_owned(),
            400,
            "invalid_query",
        ),
    ] {
        let r = app.get(key, &bad).send().await.unwrap();
        assert_problem(r, status, code).await;
    }
}

/// Offers `body` on the deal with `key`.
async fn offer(app: &TestApp, key: &str, deal: &str, body: &Value) -> reqwest::Response {
    let path = format!("/api/v1/opportunities/{deal}/discount-offers");
    app.post(key, &path, body).send().await.unwrap()
}

async fn offers_count_the_whole_package_toward_the_bands(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let s = scene(&app, &t).await;
    let key = &t.admin_key;
    let deal = deal(&app, &t, &s.account).await;
    // Agents may offer up to 10 % alone; the price book's bands still apply.
    let r = app
        .patch(
            key,
            "/api/v1/guardrails/policy",
            &json!({"modes": {"offer_discount": "execute"}, "auto_discount_max_percent": "10"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Inside the band that needs no approval: it runs.
    let r = offer(&app, key, &deal, &json!({"percent": "5", "note": "Pilot"})).await;
    assert_eq!(r.status(), 201);
    let run: Value = r.json().await.unwrap();
    assert_eq!(
        (&run["skill"], &run["trigger"], &run["answered_by"]),
        (
            &json!("propose_discount"),
            &json!("manual"),
            &json!("offline")
        )
    );
    assert_eq!(run["opportunity_id"], deal.as_str());
    let action = &run["actions"][0];
    assert_eq!(action["kind"], "offer_discount");
    assert_eq!(action["decision"], "executed", "{action}");
    assert_eq!(action["payload"]["percent"], "5");
    let note = action["payload"]["note"].as_str().unwrap();
    assert!(note.starts_with("Pilot\nEffective 5% of"), "{note}");

    // The same percent with three free months is worth 30 %: the director's band.
    let r = offer(
        &app,
        key,
        &deal,
        &json!({"percent": 5, "free_months": 3, "note": "Match Northwind"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let run: Value = r.json().await.unwrap();
    let action = &run["actions"][0];
    assert_eq!(action["decision"], "pending_approval", "{action}");
    assert_eq!(action["status"], "awaiting_approval");
    let reasons: Vec<&str> = (action["reasons"].as_array().unwrap().iter())
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("3 free months")
            && r.contains("band up to 30%, which needs director approval")),
        "{reasons:?}"
    );
    let note = action["payload"]["note"].as_str().unwrap();
    assert!(note.contains("Effective 30% of"), "{note}");
    let pending = wait_for(&app, key, "/api/v1/approvals?status=pending", |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;
    assert_eq!(pending["items"][0]["action_id"], action["id"]);

    // The executor has recorded the offer that ran; nothing else is left to do.
    let notes = format!("/api/v1/activities?opportunity_id={deal}");
    let done = wait_for(&app, key, &notes, |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;
    assert_eq!(done["items"][0]["subject"], "Approved discount band");

    // Bad offers are refused and store nothing.
    let viewer = app.key(t.id, Role::Viewer, None).await;
    let before = app.snapshot(&[t.id, other.id]).await;
    for (body, field) in [
        (json!({"percent": "5", "discount": "5"}), "discount"),
        (json!({"percent": "-5"}), "percent"),
        (json!({"percent": "120"}), "percent"),
        (json!({"free_months": -1}), "free_months"),
        (json!({"credits": "-100"}), "credits"),
        (json!({"percent": "50", "free_months": 12}), "percent"),
        (json!({"percent": "five"}), "percent"),
        (json!({"note": "x".repeat(2001)}), "note"),
    ] {
        let problem =
            assert_problem(offer(&app, key, &deal, &body).await, 422, "invalid_input").await;
        assert!(
            problem["detail"].as_str().unwrap().contains(field),
            "{body}: {problem}"
        );
    }
    assert_problem(
        offer(&app, &other.admin_key, &deal, &json!({"percent": "5"})).await,
        404,
        "not_found",
    )
    .await;
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_problem(
        offer(&app, key, &unknown, &json!({"percent": "5"})).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        offer(&app, &viewer, &deal, &json!({"percent": "5"})).await,
        403,
        "forbidden",
    )
    .await;
    let r = app
        .request(
            Method::POST,
            key,
            &format!("/api/v1/opportunities/{deal}/discount-offers"),
        )
        .header("content-type", "application/json")
        .body("{\"percent\":")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "malformed_json").await;
    assert_eq!(
        before,
        app.snapshot(&[t.id, other.id]).await,
        "refused offers changed nothing"
    );

    // The director band's offer: a manager cannot release it, an admin (a person) can, once.
    let approval = pending["items"][0]["id"].as_str().unwrap();
    let r = app
        .post(
            &s.manager_key,
            &format!("/api/v1/approvals/{approval}/approve"),
            &json!({}),
        )
        .send()
        .await
        .unwrap();
    let problem = assert_problem(r, 403, "forbidden").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("director"),
        "{problem}"
    );
    let admin = app
        .create(
            &t.admin_key,
            "/api/v1/users",
            json!({"email": "dora@skyvera.com", "name": "Dora", "role": "admin"}),
        )
        .await;
    let admin_key = app
        .key(
            t.id,
            domain::user::Role::Admin,
            Some(admin["id"].as_str().unwrap().parse().unwrap()),
        )
        .await;
    let r = app
        .post(
            &admin_key,
            &format!("/api/v1/approvals/{approval}/approve"),
            &json!({}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    wait_for(&app, key, &notes, |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 2)
    })
    .await;

    // An Idempotency-Key makes a retried offer a conflict, not a second offer.
    let path = format!("/api/v1/opportunities/{deal}/discount-offers");
    let again = || {
        app.post(key, &path, &json!({"percent": "2"}))
            .header("idempotency-key", "offer-2pc")
    };
    assert_eq!(again().send().await.unwrap().status(), 201);
    assert_problem(again().send().await.unwrap(), 409, "already_ran").await;
}

both_backends!(
    guidance_and_battlecards_read_the_catalog_and_the_competitors,
    offers_count_the_whole_package_toward_the_bands,
);
