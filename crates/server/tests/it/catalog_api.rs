//! The catalog over HTTP: price books and discount bands loaded as CSV or JSON (all or nothing),
//! quotes, the tenant wall, and the guardrails reading the bands for a deal.

use domain::action::{Action, Decision, DiscountOffer};
use domain::user::Role;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, both_backends, spawn_app};

async fn put(
    app: &TestApp,
    key: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> reqwest::Response {
    app.request(Method::PUT, key, path)
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

const PRICES_CSV: &str = "product,sku,name,region,currency,list_price,unit\n\
    NET-01,NET-SEAT,Network seat,EMEA,EUR,120.00,per_seat_year\n\
    NET-01,NET-SEAT,Network seat,AMERICAS,USD,130.00,per_seat_year\n\
    NET-01,NET-SEAT,Network seat,APAC,USD,125.00,per_seat_year\n\
    NET-01,NET-SEAT,Network seat,APAC,JPY,18000,per_seat_year\n\
    STO-01,STO-TB,Storage terabyte,EMEA,EUR,40,per_unit\n";

const BANDS_CSV: &str = "product,region,up_to_percent,approval\n\
    ,,10,none\n\
    ,,20,manager\n\
    ,,30,deal_desk\n\
    NET-01,EMEA,5,none\n\
    NET-01,EMEA,15,director\n";

async fn the_catalog_loads_quotes_and_stays_in_its_tenant(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let key = &t.admin_key;
    for (code, name) in [("NET-01", "Skyvera Network"), ("STO-01", "Skyvera Storage")] {
        app.create(key, "/api/v1/products", json!({"code": code, "name": name}))
            .await;
    }

    // CSV load, then the same rows again: updates, not duplicates.
    let loaded = put(&app, key, "/api/v1/catalog/prices", "text/csv", PRICES_CSV).await;
    assert_eq!(loaded.status(), 200);
    let loaded: Value = loaded.json().await.unwrap();
    assert_eq!(
        (loaded["created"].as_u64(), loaded["updated"].as_u64()),
        (Some(5), Some(0))
    );
    let again: Value = put(&app, key, "/api/v1/catalog/prices", "text/csv", PRICES_CSV)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(5))
    );
    // JSON changes one price.
    let changed = app
        .request(Method::PUT, key, "/api/v1/catalog/prices")
        .json(
            &json!({"items": [{"product": "NET-01", "sku": "net-seat", "region": "EMEA",
            "currency": "EUR", "list_price": "119.00", "unit": "per_seat_year"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let emea: Value = app
        .get(key, "/api/v1/catalog/prices?sku=NET-SEAT&region=EMEA")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(emea["items"].as_array().unwrap().len(), 1);
    assert_eq!(emea["items"][0]["list_price"], "119.00");
    assert_eq!(
        emea["items"][0]["name"], "NET-SEAT",
        "a row without a name is named by its SKU"
    );

    let bands = put(
        &app,
        key,
        "/api/v1/catalog/discount-bands",
        "text/csv",
        BANDS_CSV,
    )
    .await;
    assert_eq!(bands.status(), 200);
    let listed: Value = app
        .get(key, "/api/v1/catalog/discount-bands")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 5);

    // Quotes: list, discount, net and the band's verdict.
    let quote = |query: &'static str| {
        let app = &app;
        async move {
            let response = app
                .get(key, &format!("/api/v1/catalog/quote?{query}"))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, q) = quote("sku=net-seat&region=EMEA&quantity=10&discount_percent=12").await;
    assert_eq!(status, 200, "{q}");
    assert_eq!(q["list_total"], "1190.00");
    assert_eq!(q["discount_amount"], "142.80");
    assert_eq!(q["net_total"], "1047.20");
    assert_eq!(
        q["band"],
        json!({"within": "band", "approval": "director", "up_to_percent": "15"})
    );
    let (_, q) = quote("sku=STO-TB&region=EMEA&quantity=3&discount_percent=25").await;
    assert_eq!(q["band"]["approval"], "deal_desk");
    let (_, q) = quote("sku=STO-TB&region=EMEA&discount_percent=45").await;
    assert_eq!(q["band"], json!({"within": "beyond", "max_percent": "30"}));
    let (_, q) = quote("sku=NET-SEAT&region=APAC&currency=JPY&quantity=3").await;
    assert_eq!(q["net_total"], "54000");
    let (status, q) = quote("sku=NET-SEAT&region=APAC").await;
    assert_eq!(status, 400, "two currencies need a choice: {q}");
    let (status, _) = quote("sku=NOPE&region=EMEA").await;
    assert_eq!(status, 404);

    // The tenant wall: B sees no price and cannot quote A's SKU.
    let theirs: Value = app
        .get(&other.admin_key, "/api/v1/catalog/prices")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let response = app
        .get(
            &other.admin_key,
            "/api/v1/catalog/quote?sku=NET-SEAT&region=EMEA&currency=EUR",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let id = emea["items"][0]["id"].as_str().unwrap();
    let path = format!("/api/v1/catalog/prices/{id}");
    assert_problem(
        app.delete(&other.admin_key, &path).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    // B cannot name A's product in its own price book.
    let product_of_a = emea["items"][0]["product_id"].as_str().unwrap();
    let foreign = app
        .request(Method::PUT, &other.admin_key, "/api/v1/catalog/prices")
        .json(
            &json!({"items": [{"product": product_of_a, "sku": "X", "region": "EMEA",
            "currency": "EUR", "list_price": "1", "unit": "per_unit"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(foreign, 422, "invalid_row").await;

    // The guardrails read the bands for the deal's products and region.
    let account = app
        .create(key, "/api/v1/accounts", json!({"name": "Acme"}))
        .await;
    let network = emea["items"][0]["product_id"].clone();
    let opportunity = app
        .create(
            key,
            "/api/v1/opportunities",
            json!({"account_id": account["id"], "name": "Acme network", "region": "EMEA",
                "product_ids": [network], "amount": {"amount": "50000", "currency": "EUR"},
                "close_date": "2027-03-31"}),
        )
        .await;
    let offer = |percent: i64| {
        Action::OfferDiscount(DiscountOffer {
            opportunity_id: opportunity["id"].as_str().unwrap().parse().unwrap(),
            percent: Decimal::from(percent),
            free_months: 0,
            waived_fees: Decimal::ZERO,
            credits: Decimal::ZERO,
            extra_payment_days: 0,
            note: None,
        })
    };
    let mut policy = domain::guardrail_policy::GuardrailPolicy::default();
    policy.modes.insert(
        "offer_discount".into(),
        domain::guardrail_policy::PolicyMode::Execute,
    );
    policy.auto_discount_max_percent = Decimal::from(20);
    let known = agents::guardrails::KnownRecipients::default();
    for (percent, expected) in [
        (4, Decision::Executed),
        (12, Decision::PendingApproval),
        (18, Decision::PendingApproval),
    ] {
        let action = offer(percent);
        let band = agents::runner::discount_band(&app.store, t.id, &action)
            .await
            .unwrap();
        let verdict = agents::guardrails::evaluate(
            &action,
            &agents::guardrails::Context {
                policy: &policy,
                allowed: &[domain::action::ActionKind::OfferDiscount],
                known: &known,
                source_text: "",
                canary: None,
                discount_band: band,
            },
        );
        assert_eq!(
            verdict.decision, expected,
            "{percent}%: {:?}",
            verdict.reasons
        );
    }

    // Delete one entry.
    assert_eq!(app.delete(key, &path).send().await.unwrap().status(), 204);
    assert_problem(
        app.delete(key, &path).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
}

async fn bad_catalog_loads_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let key = &t.admin_key;
    app.create(
        key,
        "/api/v1/products",
        json!({"code": "NET-01", "name": "Network"}),
    )
    .await;
    let rep = app.key(t.id, Role::Rep, None).await;
    let before = app.snapshot(&[t.id]).await;
    let header = "product,sku,name,region,currency,list_price,unit\n";
    let good = "NET-01,NET-SEAT,Seat,EMEA,EUR,120,per_seat_year\n";
    for (bad, code) in [
        (
            "NET-01,NET-SEAT,Seat,EMEA,EUR,-5,per_seat_year\n",
            "invalid_row",
        ),
        (
            "NET-01,NET-SEAT,Seat,EMEA,EUR,abc,per_seat_year\n",
            "invalid_row",
        ),
        (
            "NET-01,NET-SEAT,Seat,EMEA,XXQ,10,per_seat_year\n",
            "invalid_row",
        ),
        (
            "NET-01,NET-SEAT,Seat,MARS,EUR,10,per_seat_year\n",
            "invalid_row",
        ),
        (
            "NOPE,NET-SEAT,Seat,EMEA,EUR,10,per_seat_year\n",
            "invalid_row",
        ),
        (
            "NET-01,NET SEAT!,Seat,EMEA,EUR,10,per_seat_year\n",
            "invalid_row",
        ),
        (
            "NET-01,NET-SEAT,Seat,EMEA,EUR,10,per_fortnight\n",
            "invalid_row",
        ),
        // The good row again: a duplicate inside one load.
        (
            "NET-01,NET-SEAT,Seat,EMEA,EUR,130,per_seat_year\n",
            "invalid_row",
        ),
    ] {
        // A good row first: the whole load is refused, not just the bad row.
        let body = format!("{header}{good}{bad}");
        let response = put(&app, key, "/api/v1/catalog/prices", "text/csv", &body).await;
        let problem = assert_problem(response, 422, code).await;
        assert!(
            problem["detail"].as_str().unwrap().starts_with("row 2"),
            "{problem}"
        );
    }
    let short_row = format!("{header}NET-01,NET-SEAT\n");
    assert_problem(
        put(&app, key, "/api/v1/catalog/prices", "text/csv", &short_row).await,
        400,
        "malformed_csv",
    )
    .await;
    assert_problem(
        put(&app, key, "/api/v1/catalog/prices", "text/csv", header).await,
        422,
        "invalid_input",
    )
    .await;
    assert_problem(
        put(
            &app,
            key,
            "/api/v1/catalog/prices",
            "application/json",
            "{\"items\": [",
        )
        .await,
        400,
        "malformed_json",
    )
    .await;
    assert_problem(
        put(
            &app,
            key,
            "/api/v1/catalog/prices",
            "application/json",
            "{\"items\": [{\"sku\": 5}]}",
        )
        .await,
        422,
        "invalid_input",
    )
    .await;
    assert_problem(
        put(&app, key, "/api/v1/catalog/prices", "text/plain", good).await,
        415,
        "unsupported_media_type",
    )
    .await;
    let bands_header = "product,region,up_to_percent,approval\n";
    for bad in [
        ",,10,manager\n,,20,none\n",
        ",,10,none\n,,10,manager\n",
        ",,0,none\n",
        ",,10,ceo\n",
        "NOPE,,10,none\n",
    ] {
        let body = format!("{bands_header}{bad}");
        let response = put(
            &app,
            key,
            "/api/v1/catalog/discount-bands",
            "text/csv",
            &body,
        )
        .await;
        assert_eq!(response.status(), 422, "{bad}");
    }
    let body = format!("{header}{good}");
    assert_problem(
        put(&app, &rep, "/api/v1/catalog/prices", "text/csv", &body).await,
        403,
        "forbidden",
    )
    .await;
    for query in [
        "",
        "sku=NET-SEAT",
        "sku=NET-SEAT&region=EMEA&quantity=0",
        "sku=NET-SEAT&region=EMEA&discount_percent=abc",
        "sku=NET-SEAT&region=EMEA&quantity=-1",
    ] {
        let response = app
            .get(key, &format!("/api/v1/catalog/quote?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
    }
    assert_eq!(
        app.snapshot(&[t.id]).await,
        before,
        "refused loads changed nothing"
    );
}

both_backends!(
    the_catalog_loads_quotes_and_stays_in_its_tenant,
    bad_catalog_loads_change_nothing
);
