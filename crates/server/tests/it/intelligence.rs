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

/// The political map of a committee built through the API: JSON with gaps, DOT and SVG renders,
/// a bad format refused, another tenant's account not found.
async fn the_political_map_renders_the_committee(backend: Backend) {
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
    let mut people = Vec::new();
    for (name, level, role) in [
        ("Jonas Albrecht", "c_suite", "economic_buyer"),
        ("Katrin <Vogel>", "executive", "champion"),
    ] {
        let c = app
            .create(
                &t.admin_key,
                "/api/v1/contacts",
                json!({"account_id": id, "name": name, "persona_level": level, "buying_role": role}),
            )
            .await;
        people.push(c["id"].as_str().unwrap().to_owned());
    }
    app.create(
        &t.admin_key,
        "/api/v1/contact-relationships",
        json!({"from_contact_id": people[1], "to_contact_id": people[0], "kind": "reports_to"}),
    )
    .await;
    let path = format!("/api/v1/accounts/{id}/political-map");
    let map: Value = app
        .get(&t.admin_key, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(map["stakeholders"].as_array().unwrap().len(), 2);
    assert_eq!(map["stakeholders"][0]["buying_role"], "economic_buyer");
    assert_eq!(map["edges"][0]["kind"], "reports_to");
    let codes: Vec<&str> = map["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"economic_buyer_not_engaged"), "{codes:?}");
    assert!(codes.contains(&"champion_untested"), "{codes:?}");

    let dot = app
        .get(&t.admin_key, &format!("{path}?format=dot"))
        .send()
        .await
        .unwrap();
    assert!(
        dot.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/vnd.graphviz")
    );
    assert!(dot.text().await.unwrap().contains(" -> "));
    let svg = app
        .get(&t.admin_key, &format!("{path}?format=svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = svg.text().await.unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Katrin &lt;Vogel&gt;"));

    let bad = app
        .get(&t.admin_key, &format!("{path}?format=png"))
        .send()
        .await
        .unwrap();
    assert_problem(bad, 400, "invalid_query").await;
    let other = app.tenant("jigtree").await;
    let r = app.get(&other.admin_key, &path).send().await.unwrap();
    assert_problem(r, 404, "not_found").await;
}

/// A meeting briefing on a deal: attendees limited to those asked for, questions for every open
/// element, Markdown on request; bad attendees and formats are refused, another tenant's deal is
/// not found.
async fn a_briefing_prepares_the_meeting(backend: Backend) {
    let app = testkit::spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let account = app
        .create(
            &t.admin_key,
            "/api/v1/accounts",
            json!({"name": "Acme", "domains": ["acme.com"], "industry": "Retail"}),
        )
        .await;
    let account = account["id"].as_str().unwrap().to_owned();
    let mut people = Vec::new();
    for (name, level, role) in [
        ("Jonas Albrecht", "c_suite", "economic_buyer"),
        ("Katrin Vogel", "executive", "champion"),
    ] {
        let c = app
            .create(
                &t.admin_key,
                "/api/v1/contacts",
                json!({"account_id": account, "name": name, "persona_level": level, "buying_role": role}),
            )
            .await;
        people.push(c["id"].as_str().unwrap().to_owned());
    }
    let deal = app
        .create(
            &t.admin_key,
            "/api/v1/opportunities",
            json!({"account_id": account, "name": "Acme rollout",
                "amount": {"amount": "120000", "currency": "EUR"}, "close_date": "2027-03-31"}),
        )
        .await;
    let path = format!(
        "/api/v1/opportunities/{}/briefing",
        deal["id"].as_str().unwrap()
    );
    let brief: Value = app
        .get(&t.admin_key, &format!("{path}?attendees={}", people[0]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(brief["attendees"].as_array().unwrap().len(), 1);
    assert_eq!(brief["attendees"][0]["name"], "Jonas Albrecht");
    assert_eq!(
        brief["questions"].as_array().unwrap().len(),
        12,
        "nothing is qualified yet"
    );
    assert!(
        brief["account_context"][1]
            .as_str()
            .unwrap()
            .contains("Acme rollout")
    );
    let markdown = app
        .get(&t.admin_key, &format!("{path}?format=markdown"))
        .send()
        .await
        .unwrap();
    assert!(
        markdown.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    let markdown = markdown.text().await.unwrap();
    assert!(markdown.starts_with("# Meeting briefing") && markdown.contains("**Katrin Vogel**"));
    for bad in ["?attendees=nope", "?format=pdf", "?colour=red"] {
        let r = app
            .get(&t.admin_key, &format!("{path}{bad}"))
            .send()
            .await
            .unwrap();
        assert_problem(r, 400, "invalid_query").await;
    }
    let other = app.tenant("jigtree").await;
    let r = app.get(&other.admin_key, &path).send().await.unwrap();
    assert_problem(r, 404, "not_found").await;
}

both_backends!(
    an_accounts_activities_read_together,
    the_political_map_renders_the_committee,
    a_briefing_prepares_the_meeting
);
