//! Activity intake through the API: an `.eml` or a transcript imported as a file is matched to
//! the account, contacts and deal by addresses, domains and names; people nobody knows become
//! proposed contacts that wait for a human; a file that cannot be read is a 422 that stores
//! nothing; another tenant's ids are refused.

use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, both_backends};

use crate::agents::{scene, spawn_with_agents, wait_for};

const THREAD: &str = "From: Jo Smith <Jo@Acme.com>\r\nTo: mara@skyvera.com\r\nCc: Priya Shah <priya.shah@acme.com>\r\nSubject: Re: Network refresh pricing\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\nHi Mara,\r\nWe have 250k EUR approved for the refresh; Priya signs off.\r\n\r\nOn Mon, 2 Nov 2026, Mara wrote:\r\n> What budget do you have?\r\n";

async fn import(
    app: &TestApp,
    key: &str,
    query: &str,
    content_type: &str,
    body: &str,
) -> reqwest::Response {
    app.request(
        reqwest::Method::POST,
        key,
        &format!("/api/v1/activities/import{query}"),
    )
    .header("content-type", content_type)
    .body(body.to_owned())
    .send()
    .await
    .unwrap()
}

async fn deal(app: &TestApp, key: &str, account: &str, name: &str) -> String {
    let deal = app
        .create(
            key,
            "/api/v1/opportunities",
            json!({"account_id": account, "name": name,
                "amount": {"amount": "250000", "currency": "EUR"}, "close_date": "2027-03-31"}),
        )
        .await;
    deal["id"].as_str().unwrap().to_owned()
}

async fn an_email_file_is_matched_and_its_stranger_proposed(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    let opp = deal(&app, &t.admin_key, &s.account, "Network refresh").await;

    let response = import(&app, &t.admin_key, "", "message/rfc822", THREAD).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let activity = &body["activity"];
    assert_eq!(activity["kind"], "email");
    assert_eq!(activity["subject"], "Re: Network refresh pricing");
    assert_eq!(activity["account_id"], s.account.as_str());
    assert_eq!(activity["opportunity_id"], opp.as_str());
    assert_eq!(activity["occurred_at"], "2026-11-03T10:00:00Z");
    assert_eq!(body["intake"]["account"], "by_contact");
    assert_eq!(body["intake"]["opportunity"], "only_open");
    assert_eq!(body["intake"]["contacts"], 1);
    assert_eq!(body["intake"]["users"], 1);
    assert_eq!(body["intake"]["unknown"], json!(["priya.shah@acme.com"]));
    let people = activity["participants"].as_array().unwrap();
    assert!(people[0]["contact_id"].is_string(), "{people:?}");
    assert!(people[1]["user_id"].is_string(), "{people:?}");
    assert!(people[2]["contact_id"].is_null());

    // The stranger on the account's domain is proposed as a contact; a human decides.
    let approvals = wait_for(
        &app,
        &t.admin_key,
        "/api/v1/approvals?status=pending",
        |p| {
            p["items"]
                .as_array()
                .is_some_and(|i| i.iter().any(|a| a["kind"] == "add_contact"))
        },
    )
    .await;
    let proposal = approvals["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "add_contact")
        .unwrap()
        .clone();
    assert_eq!(proposal["payload"]["email"], "priya.shah@acme.com");
    assert_eq!(proposal["payload"]["name"], "Priya Shah");
    assert_eq!(proposal["payload"]["account_id"], s.account.as_str());
    let id = proposal["id"].as_str().unwrap();
    let approved = app
        .post(
            &s.manager_key,
            &format!("/api/v1/approvals/{id}/approve"),
            &json!({}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 200);
    let contacts = wait_for(
        &app,
        &t.admin_key,
        &format!("/api/v1/contacts?account_id={}", s.account),
        |p| p["items"].as_array().is_some_and(|i| i.len() == 2),
    )
    .await;
    assert!(
        contacts["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["email"] == "priya.shah@acme.com")
    );

    // The next email from her now matches her contact, and proposes nobody.
    let again = import(
        &app,
        &t.admin_key,
        "?filename=again.eml",
        "message/rfc822",
        &THREAD.replace("Jo Smith <Jo@Acme.com>", "priya.shah@acme.com"),
    )
    .await;
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["intake"]["contacts"], 1);
    assert_eq!(again["intake"]["unknown"], json!([]));
}

async fn a_transcript_matches_speakers_by_name_and_the_named_deal(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    let _refresh = deal(&app, &t.admin_key, &s.account, "Network refresh").await;
    let pilot = deal(&app, &t.admin_key, &s.account, "Analytics pilot").await;
    let vtt = "WEBVTT\n\n00:00.000 --> 00:04.000\n<v Mara>How is the analytics pilot going?\n\n00:04.000 --> 00:09.000\n<v Jo>The pilot cut reporting time in half.\n";
    let response = import(
        &app,
        &t.admin_key,
        &format!("?kind=call&account_id={}", s.account),
        "text/vtt",
        vtt,
    )
    .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["activity"]["kind"], "call");
    assert_eq!(body["activity"]["opportunity_id"], pilot.as_str());
    assert_eq!(body["intake"]["account"], "given");
    assert_eq!(body["intake"]["opportunity"], "named");
    assert_eq!(body["intake"]["users"], 1, "{body}");
    assert_eq!(body["intake"]["contacts"], 1, "{body}");
    assert_eq!(
        body["activity"]["body"],
        "Mara: How is the analytics pilot going?\nJo: The pilot cut reporting time in half."
    );

    // Two open deals and nothing naming either: left for a human.
    let notes = import(
        &app,
        &t.admin_key,
        &format!("?account_id={}", s.account),
        "text/plain",
        "Quick sync with Jo about next quarter.",
    )
    .await;
    let notes: Value = notes.json().await.unwrap();
    assert_eq!(notes["activity"]["kind"], "note");
    assert_eq!(notes["intake"]["opportunity"], "ambiguous");
    assert!(notes["activity"]["opportunity_id"].is_null());
}

async fn json_activities_are_matched_by_domain(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    let activity = app
        .create(
            &t.admin_key,
            "/api/v1/activities",
            json!({"kind": "email", "subject": "Hello", "body": "Hi there.",
                "participants": [{"role": "from", "email": "new.person@eu.acme.com"}]}),
        )
        .await;
    assert_eq!(activity["account_id"], s.account.as_str());
    assert!(activity["opportunity_id"].is_null());
}

async fn names_beside_unknown_addresses_are_claims_not_identities(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    // Stored with capitals; the file's address is lower case.
    app.create(
        &t.admin_key,
        "/api/v1/contacts",
        json!({"account_id": s.account, "name": "Jane Doe", "email": "Jane.Doe@acme.com"}),
    )
    .await;
    let spoof = "From: Mara <mara@evil.io>\r\nTo: Jo Smith <jo.smith@evil.io>\r\nCc: jane.doe@acme.com\r\nSubject: Urgent\r\n\r\nPlease wire the deposit.\r\n";
    let body: Value = import(&app, &t.admin_key, "", "message/rfc822", spoof)
        .await
        .json()
        .await
        .unwrap();
    let people = body["activity"]["participants"].as_array().unwrap();
    assert!(
        people[0]["user_id"].is_null(),
        "a rep's name is not the rep: {people:?}"
    );
    assert!(
        people[1]["contact_id"].is_null(),
        "a contact's name is not the contact"
    );
    assert!(
        people[2]["contact_id"].is_string(),
        "the address matches without case"
    );
    assert_eq!(body["intake"]["users"], 0);
    assert_eq!(
        body["intake"]["unknown"],
        json!(["mara@evil.io", "jo.smith@evil.io"])
    );
}

async fn unreadable_files_and_foreign_ids_change_nothing(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let s = scene(&app, &t).await;
    let before = app.snapshot(&[t.id, other.id]).await;

    let bad = import(&app, &t.admin_key, "", "message/rfc822", "just some words").await;
    assert_problem(bad, 422, "unreadable_file").await;
    let bad = import(
        &app,
        &t.admin_key,
        "?filename=t.json",
        "application/json",
        "{\"speaker\": ",
    )
    .await;
    assert_problem(bad, 422, "unreadable_file").await;
    let empty = import(&app, &t.admin_key, "", "text/plain", "   \n").await;
    assert_problem(empty, 422, "unreadable_file").await;
    let binary = import(&app, &t.admin_key, "", "application/pdf", "%PDF-1.4").await;
    assert_problem(binary, 415, "unsupported_media_type").await;
    let kind = import(&app, &t.admin_key, "?kind=fax", "text/plain", "hello").await;
    assert_problem(kind, 422, "invalid_input").await;
    let unknown_param = import(&app, &t.admin_key, "?tenant=x", "text/plain", "hello").await;
    assert_eq!(unknown_param.status(), 400);
    // Another tenant's account: as unknown as a made-up one.
    let foreign = import(
        &app,
        &other.admin_key,
        &format!("?account_id={}", s.account),
        "text/plain",
        "Notes.",
    )
    .await;
    assert!(foreign.status().is_client_error(), "{}", foreign.status());
    assert_eq!(app.snapshot(&[t.id, other.id]).await, before);
}

both_backends!(
    an_email_file_is_matched_and_its_stranger_proposed,
    a_transcript_matches_speakers_by_name_and_the_named_deal,
    json_activities_are_matched_by_domain,
    names_beside_unknown_addresses_are_claims_not_identities,
    unreadable_files_and_foreign_ids_change_nothing,
);
