//! End to end in a real headless Chromium, driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`, which `.ci/run` installs): a person signs in, finds what waits for them,
//! edits and approves a drafted email that then leaves through the outbox, rejects another with a
//! reason, and signs out; a viewer has no inbox; a rep opens a deal room (qualification with its
//! evidence, plan, minutes, timeline, the political map as an image), uploads a document and
//! finds it by search with its citation; an admin creates an API key, sees it once, and revokes
//! it; a viewer cannot reach the admin pages. Without a chromedriver the tests say they skipped.
//!
//! With `AGENT_ARMY_SCREENSHOTS=<dir>` some pages are saved there as PNG (how
//! `docs/screenshots/` is made); the pages with demo data come from the `agent-army` crate's
//! demo walk-through.

use serde_json::json;
use testkit::browser::{Client, Locator, browser, click, expect_text, screenshot, type_into};
use testkit::{Backend, TestApp};

use crate::agents::{inbound_email, runs_of, scene, spawn_with_agents, wait_for};

const PASSWORD: &str = "correct horse battery staple";

async fn set_password(app: &TestApp, key: &str, user: &str) {
    let r = app
        .request(
            reqwest::Method::PUT,
            key,
            &format!("/api/v1/users/{user}/password"),
        )
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

async fn sign_in(client: &Client, app: &TestApp, email: &str) {
    testkit::browser::sign_in(client, &app.url, "skyvera", email, PASSWORD).await;
}

async fn a_manager_decides_approvals_in_the_browser(backend: Backend) {
    let Some(browser) = browser().await else {
        return;
    };
    let client = &browser.client;
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    for subject in ["Pricing for 200 seats", "Security questionnaire"] {
        let activity = app
            .create(
                &t.admin_key,
                "/api/v1/activities",
                inbound_email(
                    &s.account,
                    "jo@acme.com",
                    subject,
                    "Could you send it over? Thanks.",
                ),
            )
            .await;
        runs_of(&app, &t.admin_key, activity["id"].as_str().unwrap()).await;
    }
    wait_for(
        &app,
        &t.admin_key,
        "/api/v1/approvals?status=pending",
        |p| p["items"].as_array().is_some_and(|i| i.len() == 2),
    )
    .await;
    let users = app
        .get_json(&t.admin_key, "/api/v1/users?email=mara@skyvera.com")
        .await;
    let mara = users["items"][0]["id"].as_str().unwrap().to_owned();
    set_password(&app, &t.admin_key, &mara).await;

    // A wrong password: the form again, with the message.
    client.goto(&format!("{}/login", app.url)).await.unwrap();
    screenshot(client, "login").await;
    sign_in(client, &app, "nobody@skyvera.com").await;
    expect_text(client, "email or password is wrong").await;

    // Signed in: the home page says what waits; the inbox lists it.
    sign_in(client, &app, "mara@skyvera.com").await;
    let home = expect_text(client, "Signed in as Mara").await;
    assert!(home.contains("2 proposals wait for a human"), "{home}");
    click(client, Locator::LinkText("Approvals")).await;
    expect_text(client, "Email to jo@acme.com").await;

    // Edit and approve the first: the edited email leaves through the outbox.
    click(
        client,
        Locator::XPath("//a[contains(., 'Pricing for 200 seats')]"),
    )
    .await;
    expect_text(client, "The whole payload").await;
    let body = client.find(Locator::Id("body")).await.unwrap();
    body.clear().await.unwrap();
    body.send_keys("Hi Jo,\nThe quote is attached.\nBest, Mara")
        .await
        .unwrap();
    click(client, Locator::Css("button[accesskey=a]")).await;
    expect_text(client, "oldest first").await;
    let outbox = wait_for(&app, &t.admin_key, "/api/v1/outbox", |p| {
        p["items"].as_array().is_some_and(|i| !i.is_empty())
    })
    .await;
    assert!(
        outbox["items"][0]
            .to_string()
            .contains("The quote is attached."),
        "{outbox}"
    );

    // Reject the second with a reason.
    click(
        client,
        Locator::XPath("//a[contains(., 'Security questionnaire')]"),
    )
    .await;
    expect_text(client, "Reason to reject").await;
    type_into(client, Locator::Id("reason"), "Not before the call").await;
    click(client, Locator::Css("button[accesskey=r]")).await;
    expect_text(client, "Nothing waits for a decision").await;
    let rejected = app
        .get_json(&t.admin_key, "/api/v1/approvals?status=rejected")
        .await;
    assert_eq!(rejected["items"][0]["note"], "Not before the call");

    // The inbox is live: the agent's next draft appears without a reload.
    app.create(
        &t.admin_key,
        "/api/v1/activities",
        inbound_email(
            &s.account,
            "jo@acme.com",
            "Renewal terms",
            "Could we talk about renewal?",
        ),
    )
    .await;
    let inbox = expect_text(client, "Renewal terms").await;
    assert!(inbox.contains("Updated "), "{inbox}");

    // Signing out ends the session.
    click(client, Locator::Css(".signout button")).await;
    expect_text(client, "Sign in").await;
    client
        .goto(&format!("{}/approvals", app.url))
        .await
        .unwrap();
    expect_text(client, "Business unit").await;
    assert_eq!(client.current_url().await.unwrap().path(), "/login");

    // A viewer signs in and has no inbox.
    let viewer = app
        .create(
            &t.admin_key,
            "/api/v1/users",
            json!({"email": "vic@skyvera.com", "name": "Vic", "role": "viewer"}),
        )
        .await;
    set_password(&app, &t.admin_key, viewer["id"].as_str().unwrap()).await;
    sign_in(client, &app, "vic@skyvera.com").await;
    expect_text(client, "Signed in as Vic").await;
    assert!(client.find(Locator::LinkText("Approvals")).await.is_err());
    client
        .goto(&format!("{}/approvals", app.url))
        .await
        .unwrap();
    expect_text(client, "Forbidden").await;
    assert!(client.find(Locator::LinkText("Admin")).await.is_err());
    client
        .goto(&format!("{}/admin/keys", app.url))
        .await
        .unwrap();
    expect_text(client, "The admin console is for admins").await;
    browser.client.clone().close().await.unwrap();
}

async fn an_admin_creates_and_revokes_an_api_key_in_the_browser(backend: Backend) {
    let Some(browser) = browser().await else {
        return;
    };
    let client = &browser.client;
    let app = testkit::spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let admin = app
        .create(
            &t.admin_key,
            "/api/v1/users",
            json!({"email": "dora@skyvera.com", "name": "Dora", "role": "admin"}),
        )
        .await;
    set_password(&app, &t.admin_key, admin["id"].as_str().unwrap()).await;
    sign_in(client, &app, "dora@skyvera.com").await;
    expect_text(client, "Signed in as Dora").await;
    // The admin console: the tenant, then a person added through the users form.
    click(client, Locator::LinkText("Admin")).await;
    expect_text(client, "Business unit").await;
    click(client, Locator::LinkText("Users and roles")).await;
    expect_text(client, "Add a person").await;
    type_into(client, Locator::Id("new-user-name"), "Lee Chen").await;
    type_into(client, Locator::Id("new-user-email"), "lee@skyvera.com").await;
    type_into(
        client,
        Locator::Id("new-user-password"),
        "a long enough password",
    )
    .await;
    click(client, Locator::XPath("//button[text()='Add']")).await;
    let users = expect_text(client, "Created.").await;
    assert!(users.contains("lee@skyvera.com"), "{users}");
    screenshot(client, "admin-users").await;
    click(client, Locator::LinkText("API keys")).await;
    expect_text(client, "A key is shown once").await;
    type_into(client, Locator::Id("name"), "CRM sync").await;
    click(client, Locator::XPath("//button[text()='Create key']")).await;
    expect_text(client, "Copy the new key now").await;
    screenshot(client, "api-keys").await;
    let secret = client
        .find(Locator::Id("new-key"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The key works; it is never shown again; once revoked it does not work.
    let status = |key: String| {
        let request = app.get(&key, "/api/v1/accounts");
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(status(secret.trim().to_owned()).await, 200);
    client
        .goto(&format!("{}/admin/keys", app.url))
        .await
        .unwrap();
    let listed = expect_text(client, "CRM sync").await;
    assert!(!listed.contains(secret.trim()), "shown once");
    click(client, Locator::Css("button[aria-label='Revoke CRM sync']")).await;
    expect_text(client, "revoked").await;
    assert_eq!(status(secret.trim().to_owned()).await, 401);
    browser.client.clone().close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_an_admin_creates_and_revokes_an_api_key_in_the_browser() {
    an_admin_creates_and_revokes_an_api_key_in_the_browser(Backend::Sqlite).await;
}

async fn a_rep_reads_the_deal_room_in_the_browser(backend: Backend) {
    let Some(browser) = browser().await else {
        return;
    };
    let client = &browser.client;
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    let deal = app
        .create(
            &t.admin_key,
            "/api/v1/opportunities",
            json!({"account_id": s.account, "name": "Network refresh",
                "amount": {"amount": "250000", "currency": "EUR"}, "close_date": "2027-03-31"}),
        )
        .await;
    let deal = deal["id"].as_str().unwrap().to_owned();
    let activity = app
        .create(
            &t.admin_key,
            "/api/v1/activities",
            json!({"kind": "meeting", "subject": "Discovery call", "account_id": s.account,
                "opportunity_id": deal,
                "body": "Rep: What is driving this?\nJo Smith: Our network went down eleven times last quarter.\nJo Smith: We approved 250,000 euros for the refresh.\nRep: Next step is a technical deep dive next week.\n"}),
        )
        .await;
    let activity = activity["id"].as_str().unwrap().to_owned();
    wait_for(
        &app,
        &t.admin_key,
        &format!("/api/v1/opportunities/{deal}/plan"),
        |p| p["version"].is_number(),
    )
    .await;
    wait_for(
        &app,
        &t.admin_key,
        &format!("/api/v1/agent-runs?activity_id={activity}&skill=meeting_minutes"),
        |p| p["items"].as_array().is_some_and(|i| !i.is_empty()),
    )
    .await;
    let users = app
        .get_json(&t.admin_key, "/api/v1/users?email=mara@skyvera.com")
        .await;
    set_password(
        &app,
        &t.admin_key,
        users["items"][0]["id"].as_str().unwrap(),
    )
    .await;
    sign_in(client, &app, "mara@skyvera.com").await;
    expect_text(client, "Signed in as Mara").await;
    click(client, Locator::LinkText("Deals")).await;
    expect_text(client, "Network refresh").await;
    click(client, Locator::LinkText("Network refresh")).await;
    let room = expect_text(client, "Mutual action plan").await;
    assert!(
        room.contains("We approved 250,000 euros for the refresh."),
        "{room}"
    );
    assert!(room.contains("Discovery call"), "{room}");
    assert!(room.contains("Confirm the budget"), "{room}");
    // The political map loads as an image.
    let loaded = client
        .execute(
            "return document.querySelector('img.map').complete && document.querySelector('img.map').naturalWidth > 0;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded, json!(true));
    click(client, Locator::LinkText("Briefing for the next meeting")).await;
    expect_text(client, "Questions to ask").await;
    click(client, Locator::LinkText("← Deal room")).await;
    expect_text(client, "Account plan").await;

    // The dashboard: open and weighted pipeline drawn by stage, and what the agents ran.
    click(client, Locator::LinkText("Dashboard")).await;
    let dashboard = expect_text(client, "Pipeline by stage, open and weighted (EUR)").await;
    assert!(
        dashboard.contains("250,000 / 12,500 EUR · 1 deal"),
        "{dashboard}"
    );
    assert!(dashboard.contains("runs, 0 failed"), "{dashboard}");
    let bars = client
        .execute(
            "return document.querySelectorAll('svg rect').length;",
            vec![],
        )
        .await
        .unwrap();
    assert!(bars.as_u64().unwrap_or(0) >= 2, "{bars}");

    // Live: a deal created elsewhere shows up without a reload (server-sent events, then the
    // page's parts fetched again).
    app.create(
        &t.admin_key,
        "/api/v1/opportunities",
        json!({"account_id": s.account, "name": "Second site",
            "amount": {"amount": "100000", "currency": "EUR"}, "close_date": "2027-03-31"}),
    )
    .await;
    let live = expect_text(client, "350,000 / 17,500 EUR · 2 deals").await;
    assert!(live.contains("Updated "), "{live}");

    // Upload a document with its scope, then find it by search, with its citation.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("failover.md");
    std::fs::write(
        &file,
        "# Failover\n\n## Recovery\n\nThe network fails over to the standby site in under 40 seconds.\n",
    )
    .unwrap();
    click(client, Locator::LinkText("Knowledge")).await;
    expect_text(client, "Upload a document").await;
    type_into(client, Locator::Id("file"), &file.display().to_string()).await;
    type_into(client, Locator::Id("region"), "EMEA").await;
    click(client, Locator::XPath("//button[text()='Upload']")).await;
    expect_text(client, "Failover was created.").await;
    let search = client.find(Locator::Id("q")).await.unwrap();
    search.send_keys("standby site fails over").await.unwrap();
    click(client, Locator::XPath("//button[text()='Search']")).await;
    let found = expect_text(client, "under 40 seconds").await;
    assert!(
        found.contains("failover.md · Failover › Recovery"),
        "{found}"
    );
    screenshot(client, "knowledge").await;
    browser.client.clone().close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_rep_reads_the_deal_room_in_the_browser() {
    a_rep_reads_the_deal_room_in_the_browser(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_manager_decides_approvals_in_the_browser() {
    a_manager_decides_approvals_in_the_browser(Backend::Sqlite).await;
}
