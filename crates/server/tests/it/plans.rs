//! Account and opportunity plans through the API: the Sales agent writes them when an activity on
//! a deal is qualified, keeps a version per change with each change's reason, renders them as
//! Markdown, refreshes on demand, and another tenant sees none of it.

use serde_json::{Value, json};
use testkit::{Backend, assert_problem, both_backends};

use crate::agents::{scene, spawn_with_agents, wait_for};

async fn plans_follow_the_deal_with_reasons(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let s = scene(&app, &t).await;
    let product = app
        .create(
            &t.admin_key,
            "/api/v1/products",
            json!({"code": "NET", "name": "Network Cloud"}),
        )
        .await;
    app.create(
        &t.admin_key,
        "/api/v1/products",
        json!({"code": "SEC", "name": "Secure Edge"}),
    )
    .await;
    let deal = app
        .create(
            &t.admin_key,
            "/api/v1/opportunities",
            json!({"account_id": s.account, "name": "Network refresh",
                "amount": {"amount": "250000", "currency": "EUR"}, "close_date": "2027-03-31",
                "product_ids": [product["id"]]}),
        )
        .await;
    let opp = deal["id"].as_str().unwrap().to_owned();
    let plan_path = format!("/api/v1/opportunities/{opp}/plan");
    let none = app.get(&t.admin_key, &plan_path).send().await.unwrap();
    assert_problem(none, 404, "not_found").await;

    app.create(
        &t.admin_key,
        "/api/v1/activities",
        json!({"kind": "meeting", "subject": "Discovery", "account_id": s.account, "opportunity_id": opp,
            "body": "Rep: What is driving this?\nJo Smith: Our network went down eleven times last quarter and every outage stops the warehouse.\n"}),
    )
    .await;
    let v1 = wait_for(&app, &t.admin_key, &plan_path, |p| p["version"] == 1).await;
    let map = v1["plan"]["mutual_action_plan"].as_array().unwrap();
    assert_eq!(map.len(), 10);
    let pain = map.iter().find(|s| s["key"] == "pain").unwrap();
    assert_eq!(pain["status"], "done");
    assert!(pain["evidence"].as_str().unwrap().contains("eleven times"));
    let budget = map.iter().find(|s| s["key"] == "budget").unwrap();
    assert_eq!(budget["status"], "open");
    assert!(
        v1["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["change"] == "added" && c["reason"].as_str().unwrap().contains("Discovery")),
        "{v1}"
    );
    assert_eq!(v1["plan"]["close_plan"]["forecast_category"], "pipeline");

    // Budget arrives: the step is done, and the change says why.
    let finance = app.create(
        &t.admin_key,
        "/api/v1/activities",
        json!({"kind": "meeting", "subject": "Finance", "account_id": s.account, "opportunity_id": opp,
            "body": "Rep: Where did you land with finance?\nJo Smith: Good news, we approved 250,000 euros for the refresh.\n"}),
    )
    .await;
    let v2 = wait_for(&app, &t.admin_key, &plan_path, |p| p["version"] == 2).await;
    // The meeting's minutes carry what it changed in the qualification.
    let runs = wait_for(
        &app,
        &t.admin_key,
        &format!(
            "/api/v1/agent-runs?activity_id={}",
            finance["id"].as_str().unwrap()
        ),
        |p| {
            p["items"]
                .as_array()
                .is_some_and(|i| i.iter().any(|r| r["skill"] == "meeting_minutes"))
        },
    )
    .await;
    let minutes = runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["skill"] == "meeting_minutes")
        .unwrap();
    let lines: Vec<&str> = minutes["output"]["qualification_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("BANT budget: unknown → met (\"")),
        "{lines:?}"
    );
    let change = v2["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["section"] == "mutual_action_plan" && c["item"] == "budget")
        .unwrap_or_else(|| unreachable!("no budget change in {v2}"))
        .clone();
    assert_eq!(change["change"], "changed");
    assert!(change["to"].as_str().unwrap().contains("done"));
    let reason = change["reason"].as_str().unwrap();
    assert!(reason.contains("approved 250,000 euros"), "{reason}");
    assert!(reason.contains("Finance"), "{reason}");

    let markdown = app
        .get(&t.admin_key, &format!("{plan_path}?format=markdown"))
        .send()
        .await
        .unwrap();
    assert_eq!(markdown.status(), 200);
    assert!(
        markdown.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    let text = markdown.text().await.unwrap();
    assert!(
        text.starts_with("# Opportunity plan: Network refresh"),
        "{text}"
    );
    assert!(text.contains("## Changes in version 2"), "{text}");

    // The account plan: the product without a deal is whitespace.
    let account_plan: Value = app
        .get(
            &t.admin_key,
            &format!("/api/v1/accounts/{}/plan", s.account),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let whitespace: Vec<&str> = account_plan["plan"]["whitespace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(whitespace, ["SEC"]);
    assert!(
        account_plan["plan"]["goals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["key"] == format!("close:{opp}"))
    );

    // A refresh with nothing new adds no version.
    let refreshed = app
        .post(&t.admin_key, &format!("{plan_path}/refresh"), &json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_eq!(refreshed["version"], 2);
    let history: Value = app
        .get(
            &t.admin_key,
            &format!("/api/v1/opportunities/{opp}/plans?limit=1"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["items"][0]["version"], 2);
    assert_eq!(history["next_before_version"], 2);

    for bad in ["?format=pdf", "?colour=red"] {
        let r = app
            .get(&t.admin_key, &format!("{plan_path}{bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    // A reader cannot refresh; another tenant sees nothing.
    let reader = app.key(t.id, domain::user::Role::Viewer, None).await;
    let denied = app
        .post(&reader, &format!("{plan_path}/refresh"), &json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);
    for path in [
        plan_path.clone(),
        format!("/api/v1/opportunities/{opp}/plans"),
        format!("/api/v1/accounts/{}/plan", s.account),
    ] {
        let r = app.get(&other.admin_key, &path).send().await.unwrap();
        assert_problem(r, 404, "not_found").await;
    }
    let r = app
        .post(
            &other.admin_key,
            &format!("{plan_path}/refresh"),
            &json!({}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;
}

both_backends!(plans_follow_the_deal_with_reasons);
