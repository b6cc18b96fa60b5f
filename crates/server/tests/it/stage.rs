//! The opportunity stage machine through the API: allowed moves, refused moves, who may close
//! and reopen, and the recorded history.

use domain::user::Role;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, both_backends, spawn_app};

async fn new_opportunity(app: &TestApp, key: &str) -> String {
    let account = app
        .create(key, "/api/v1/accounts", json!({"name": "Acme"}))
        .await;
    let opp = app
        .create(
            key,
            "/api/v1/opportunities",
            json!({
                "account_id": account["id"], "name": "Deal",
                "amount": {"amount": "1000", "currency": "USD"}, "close_date": "2027-01-31"
            }),
        )
        .await;
    opp["id"].as_str().unwrap().to_owned()
}

async fn stage_moves_follow_the_machine(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let service = &t.admin_key;
    let user = app
        .create(
            service,
            "/api/v1/users",
            json!({"email": "rep@skyvera.com", "name": "Rep", "role": "rep"}),
        )
        .await;
    let user_id = user["id"].as_str().unwrap().parse().unwrap();
    let human_rep = app.key(t.id, Role::Rep, Some(user_id)).await;
    let manager = app.key(t.id, Role::Manager, None).await;
    let opp = new_opportunity(&app, service).await;
    let stage = format!("/api/v1/opportunities/{opp}/stage");
    let before_refusals = app.snapshot(&[t.id]).await;

    // Refused: same stage, backwards without a reason, lost without a reason, won before negotiation.
    for (body, code, status) in [
        (
            json!({"stage": "prospecting"}),
            "invalid_stage_transition",
            422,
        ),
        (
            json!({"stage": "closed_lost"}),
            "invalid_stage_transition",
            422,
        ),
        (
            json!({"stage": "closed_won"}),
            "invalid_stage_transition",
            422,
        ),
        (json!({"stage": "won"}), "invalid_input", 422),
    ] {
        let r = app.post(service, &stage, &body).send().await.unwrap();
        assert_problem(r, status, code).await;
    }
    assert_eq!(
        app.snapshot(&[t.id]).await,
        before_refusals,
        "refused moves must change nothing"
    );

    // Forward jumps are free; backwards needs a reason.
    let moved: Value = app
        .post(service, &stage, &json!({"stage": "proposal"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(moved["opportunity"]["stage"], "proposal");
    assert_eq!(moved["change"]["from_stage"], "prospecting");
    let r = app
        .post(service, &stage, &json!({"stage": "discovery"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_stage_transition").await;
    let r = app
        .post(
            service,
            &stage,
            &json!({"stage": "discovery", "reason": "new stakeholder"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .post(service, &stage, &json!({"stage": "negotiation"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Closed Won: never by a service key (agents), even an admin one; yes by a human.
    let r = app
        .post(service, &stage, &json!({"stage": "closed_won"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "stage_move_forbidden").await;
    let r = app
        .post(&human_rep, &stage, &json!({"stage": "closed_won"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // Reopening: admins only, with a reason.
    let r = app
        .post(
            &manager,
            &stage,
            &json!({"stage": "negotiation", "reason": "customer came back"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "stage_move_forbidden").await;
    let r = app
        .post(service, &stage, &json!({"stage": "negotiation"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_stage_transition").await;
    let r = app
        .post(
            service,
            &stage,
            &json!({"stage": "negotiation", "reason": "customer came back"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Closing as lost is a human decision too.
    let r = app
        .post(
            service,
            &stage,
            &json!({"stage": "closed_lost", "reason": "budget frozen"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "stage_move_forbidden").await;
    let lost: Value = app
        .post(
            &human_rep,
            &stage,
            &json!({"stage": "closed_lost", "reason": "budget frozen"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(lost["opportunity"]["loss_reason"], "budget frozen");

    // The stage cannot be set through PATCH.
    let r = app
        .patch(
            service,
            &format!("/api/v1/opportunities/{opp}"),
            &json!({"stage": "proposal"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_input").await;

    let history: Value = app
        .get(
            service,
            &format!("/api/v1/opportunities/{opp}/stage-history"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let steps: Vec<(String, String, String)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["from_stage"].as_str().unwrap().into(),
                c["to_stage"].as_str().unwrap().into(),
                c["actor_kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expect = [
        ("prospecting", "proposal", "service"),
        ("proposal", "discovery", "service"),
        ("discovery", "negotiation", "service"),
        ("negotiation", "closed_won", "user"),
        ("closed_won", "negotiation", "service"),
        ("negotiation", "closed_lost", "user"),
    ];
    assert_eq!(steps.len(), expect.len());
    for (got, want) in steps.iter().zip(expect) {
        assert_eq!((got.0.as_str(), got.1.as_str(), got.2.as_str()), want);
    }
    assert_eq!(history["items"][1]["reason"], "new stakeholder");
    assert_eq!(history["items"][3]["actor_id"], user["id"]);

    let events: Value = app
        .get(service, "/api/v1/audit?action=stage_changed")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(events["items"].as_array().unwrap().len(), 6);
}

async fn stage_move_honours_if_match(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("jigtree").await;
    let opp = new_opportunity(&app, &t.admin_key).await;
    let stage = format!("/api/v1/opportunities/{opp}/stage");
    let r = app
        .post(&t.admin_key, &stage, &json!({"stage": "qualification"}))
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let r = app
        .post(&t.admin_key, &stage, &json!({"stage": "discovery"}))
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_problem(r, 412, "version_mismatch").await;
}

both_backends!(stage_moves_follow_the_machine, stage_move_honours_if_match);
