//! The demo in a real browser: `agent-army demo` seeds three business units and runs the agents
//! over them; an admin created and given a password from the console signs in to Skyvera and
//! sees the dashboard with the demo's pipeline, quotas and agent work; opens a deal room with
//! its qualification evidence, plans and minutes, and its briefing; finds the agents' drafted
//! emails waiting in the approvals inbox; and reads the traces and usage. SQLite only, like the
//! server's browser tests; skipped without a chromedriver.
//!
//! With `AGENT_ARMY_SCREENSHOTS=<dir>` it saves the main pages there (the README's pictures).

use testkit::browser::{Locator, browser, click, expect_text, screenshot, sign_in};
use testkit::{Backend, TestDb};

use super::{cli, run, serve, set_password};

const PASSWORD: &str = "demo password for ada";

#[tokio::test]
async fn the_demo_in_a_browser() {
    let Some(browser) = browser().await else {
        return;
    };
    let client = &browser.client;
    let db = TestDb::create(&Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(cli(&data, &db).arg("demo"));
    run(cli(&data, &db).args([
        "user",
        "create",
        "--tenant",
        "skyvera",
        "--email",
        "ada@skyvera.com",
        "--name",
        "Ada Admin",
        "--role",
        "admin",
        "--region",
        "EMEA",
    ]));
    let out = set_password(&data, &db, "ada@skyvera.com", PASSWORD);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_served, url) = serve(&data, &db, None);

    sign_in(client, &url, "skyvera", "ada@skyvera.com", PASSWORD).await;
    expect_text(client, "Signed in as Ada Admin").await;
    click(client, Locator::LinkText("Dashboard")).await;
    let dashboard = expect_text(client, "Forecast against quota").await;
    // The demo's reps and their quotas, its pipeline, and what its agents did.
    for rep in ["Mei Tan", "Lukas Berg", "Sofia Reyes"] {
        assert!(dashboard.contains(rep), "{rep}: {dashboard}");
    }
    assert!(
        dashboard.contains("Pipeline by stage, open and weighted"),
        "{dashboard}"
    );
    assert!(
        dashboard.contains("sales") && dashboard.contains("runs, 0 failed"),
        "{dashboard}"
    );
    screenshot(client, "dashboard").await;

    click(client, Locator::LinkText("Deals")).await;
    expect_text(client, "Deals").await;
    screenshot(client, "deals").await;
    click(client, Locator::Css("table a")).await;
    let room = expect_text(client, "Mutual action plan").await;
    assert!(room.contains("Qualification (version"), "{room}");
    assert!(room.contains("“"), "verbatim evidence quotes: {room}");
    assert!(room.contains("Stakeholders"), "the account plan: {room}");
    screenshot(client, "deal-room").await;
    click(client, Locator::LinkText("Briefing for the next meeting")).await;
    expect_text(client, "Questions to ask").await;
    screenshot(client, "briefing").await;

    click(client, Locator::LinkText("Approvals")).await;
    let inbox = expect_text(client, "send_email").await;
    assert!(inbox.contains("Approvals"), "{inbox}");
    screenshot(client, "approvals").await;
    click(client, Locator::Css("main table a")).await;
    expect_text(client, "Approve").await;
    screenshot(client, "approval").await;

    click(client, Locator::LinkText("Admin")).await;
    expect_text(client, "Business unit").await;
    screenshot(client, "admin").await;
    click(client, Locator::LinkText("Traces and usage")).await;
    expect_text(client, "Latest calls").await;
}
