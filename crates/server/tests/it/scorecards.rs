//! Qualification scorecards through the API: each activity on an opportunity is qualified by the
//! Sales agent, and the opportunity's scorecard keeps a version per activity that moved an
//! element, with the change, its verbatim quote and its reason. Another tenant sees none of it.

use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, both_backends};

use crate::agents::{runs_of, scene, spawn_with_agents, wait_for};

/// Records a meeting transcript on the opportunity and waits for its qualification run.
async fn meeting(app: &TestApp, key: &str, account: &str, opportunity: &str, body: &str) -> String {
    let activity = app
        .create(
            key,
            "/api/v1/activities",
            json!({"kind": "meeting", "subject": "Call", "body": body,
                "account_id": account, "opportunity_id": opportunity}),
        )
        .await;
    let id = activity["id"].as_str().unwrap().to_owned();
    wait_for(
        app,
        key,
        &format!("/api/v1/agent-runs?activity_id={id}"),
        |p| {
            p["items"]
                .as_array()
                .is_some_and(|runs| runs.iter().any(|r| r["skill"] == "qualify"))
        },
    )
    .await;
    id
}

async fn scorecards_keep_history_with_explained_changes(backend: Backend) {
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let s = scene(&app, &t).await;
    let opportunity = app
        .create(
            &t.admin_key,
            "/api/v1/opportunities",
            json!({"account_id": s.account, "name": "Network refresh",
                "amount": {"amount": "250000", "currency": "EUR"}, "close_date": "2027-03-31"}),
        )
        .await;
    let opp = opportunity["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/opportunities/{opp}/scorecard");
    let none = app.get(&t.admin_key, &path).send().await.unwrap();
    assert_problem(none, 404, "not_found").await;

    let first = meeting(
        &app,
        &t.admin_key,
        &s.account,
        &opp,
        "Rep: What is driving this?\nDana Reyes: Our network went down eleven times last quarter and every outage stops the warehouse.\n\
         Rep: Is there a budget for it?\nDana Reyes: We still have to work out the budget with finance.\n",
    )
    .await;
    let v1 = wait_for(&app, &t.admin_key, &path, |c| c["version"] == 1).await;
    assert_eq!(v1["activity_id"], first);
    assert_eq!(v1["answered_by"], "offline");
    assert_eq!(v1["scorecard"]["bant"]["need"]["status"], "met");
    assert_eq!(v1["scorecard"]["bant"]["budget"]["status"], "partial");

    let second_body = "Rep: Where did you land with finance?\nDana Reyes: Good news, we approved 250,000 euros for the refresh.\n\
         Dana Reyes: It has to be live by March 31.\n";
    let second = meeting(&app, &t.admin_key, &s.account, &opp, second_body).await;
    let v2 = wait_for(&app, &t.admin_key, &path, |c| c["version"] == 2).await;
    assert_eq!(v2["activity_id"], second);
    let budget = v2["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["framework"] == "bant" && c["element"] == "budget")
        .unwrap();
    assert_eq!(budget["from"], "partial");
    assert_eq!(budget["to"], "met");
    let quote = budget["quote"].as_str().unwrap();
    assert!(second_body.contains(quote), "{quote:?} is verbatim");
    assert!(budget["reason"].as_str().unwrap().contains(&second));
    // What the second call did not discuss keeps its standing from the first.
    assert_eq!(v2["scorecard"]["bant"]["need"]["status"], "met");
    assert_eq!(v2["scorecard"]["bant"]["need"]["activity_id"], first);
    let evidence = &v2["scorecard"]["bant"]["budget"]["evidence"][0];
    let chars: Vec<char> = second_body.chars().collect();
    let (start, end) = (
        evidence["start"].as_u64().unwrap() as usize,
        evidence["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        chars[start..end].iter().collect::<String>(),
        evidence["quote"].as_str().unwrap()
    );

    // Small talk moves nothing: no new version.
    meeting(
        &app,
        &t.admin_key,
        &s.account,
        &opp,
        "Rep: How was the trip?\nDana Reyes: Lovely, thanks, the weather held.\n",
    )
    .await;
    let still = app.get(&t.admin_key, &path).send().await.unwrap();
    let still: Value = still.json().await.unwrap();
    assert_eq!(still["version"], 2);

    let history = format!("/api/v1/opportunities/{opp}/scorecards");
    let page: Value = app
        .get(&t.admin_key, &format!("{history}?limit=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["version"], 2);
    assert_eq!(page["next_before_version"], 2);
    let rest: Value = app
        .get(&t.admin_key, &format!("{history}?limit=1&before_version=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"][0]["version"], 1);
    assert!(rest["next_before_version"].is_null());
    for bad in ["?limit=0", "?limit=abc", "?colour=red"] {
        let r = app
            .get(&t.admin_key, &format!("{history}{bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }

    // Another tenant sees neither the opportunity nor its scorecard.
    let other = app.tenant("jigtree").await;
    for p in [&path, &history] {
        let r = app.get(&other.admin_key, p).send().await.unwrap();
        assert_problem(r, 404, "not_found").await;
    }
    let unknown = app
        .get(
            &t.admin_key,
            "/api/v1/opportunities/00000000-0000-7000-8000-000000000000/scorecard",
        )
        .send()
        .await
        .unwrap();
    assert_problem(unknown, 404, "not_found").await;
    let _ = runs_of(&app, &t.admin_key, &first).await;
}

both_backends!(scorecards_keep_history_with_explained_changes);
