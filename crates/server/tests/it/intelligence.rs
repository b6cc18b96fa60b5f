//! Account intelligence through the API: the timeline and patterns of one account's activities,
//! with verbatim quotes; another tenant's account is a 404 like an unknown one.

use serde_json::{Value, json};
use testkit::{Backend, assert_problem, both_backends};

async fn an_accounts_activities_read_together(backend: Backend) {
    let app = testkit::spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let account = app
        .create(
            &t.admin_key,
            "/api/v1/accounts",
            json!({"name": "Acme", "domains": ["acme.com"]}),
        )
        .await;
    let id = account["id"].as_str().unwrap().to_owned();
    let bodies = [
        (
            "meeting",
            "2026-09-01T10:00:00Z",
            "Rep: What is driving this?\nDana: Honestly, it looks too expensive for us.\nDana: We also talked to Northwind.\nRep: I'll send the ROI model by Friday.\n",
        ),
        (
            "email",
            "2026-09-10T10:00:00Z",
            "Hi, the price is still too expensive for this year. Can you do a smaller pilot?",
        ),
    ];
    for (kind, at, body) in bodies {
        app.create(
            &t.admin_key,
            "/api/v1/activities",
            json!({"kind": kind, "body": body, "occurred_at": at, "account_id": id,
                "participants": [{"role": "from", "name": "Dana", "email": "dana@acme.com"}]}),
        )
        .await;
    }
    let path = format!("/api/v1/accounts/{id}/intelligence");
    let intel: Value = app
        .get(&t.admin_key, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(intel["timeline"].as_array().unwrap().len(), 2);
    assert_eq!(intel["timeline"][0]["kind"], "meeting");
    let price = intel["objections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "price")
        .unwrap();
    assert_eq!(price["recurring"], true);
    for mention in price["mentions"].as_array().unwrap() {
        let quote = mention["quote"].as_str().unwrap();
        assert!(bodies.iter().any(|(_, _, b)| b.contains(quote)), "{quote}");
    }
    assert_eq!(
        intel["open_questions"][0]["quote"],
        "Can you do a smaller pilot?"
    );
    assert_eq!(intel["commitments"][0]["side"], "seller");
    assert_eq!(intel["going_dark"]["dark"], true);

    let other = app.tenant("jigtree").await;
    let r = app.get(&other.admin_key, &path).send().await.unwrap();
    assert_problem(r, 404, "not_found").await;
    let r = app
        .get(
            &t.admin_key,
            "/api/v1/accounts/00000000-0000-7000-8000-000000000000/intelligence",
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;
    let r = app
        .get(&t.admin_key, "/api/v1/accounts/not-an-id/intelligence")
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;
}

both_backends!(an_accounts_activities_read_together);
