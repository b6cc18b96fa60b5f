//! The second wall: PostgreSQL row-level security, tested directly as the application role with
//! no help from the store's own scoping.

use domain::id::TenantId;
use serde_json::json;
use sqlx::{Connection, Executor, PgConnection, Row};
use testkit::{Backend, TENANT_TABLES};

/// A connection with the server's rights: the serving login when the suite has one (no role
/// switch needed: it is only a member of agent_army_app), else the owner switched to the role.
async fn as_app_role(db: &testkit::TestDb) -> PgConnection {
    let server_url = db.server_url();
    let mut conn = PgConnection::connect(&server_url).await.unwrap();
    if server_url == db.url() {
        conn.execute("SET ROLE agent_army_app").await.unwrap();
    }
    let row =
        sqlx::query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(!row.get::<bool, _>("rolsuper") && !row.get::<bool, _>("rolbypassrls"));
    let owned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(owned, 0, "the serving role must own nothing");
    conn
}

async fn count_in(conn: &mut PgConnection, tenant: Option<TenantId>, table: &str) -> i64 {
    let mut tx = conn.begin().await.unwrap();
    if let Some(t) = tenant {
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(t.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let sql = format!("SELECT count(*) AS n FROM {table}");
    let n: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get("n");
    tx.commit().await.unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_level_security_walls_off_tenants() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let app = super::agents::spawn_with_agents(backend).await;
    let a = app.tenant("alpha").await;
    let b = app.tenant("bravo").await;
    // Give both tenants a row in every table.
    for t in [&a, &b] {
        let k = &t.admin_key;
        let account = app
            .create(
                k,
                "/api/v1/accounts",
                json!({"name": "Acct", "domains": [format!("{}.com", t.name)]}),
            )
            .await;
        let c1 = app
            .create(
                k,
                "/api/v1/contacts",
                json!({"account_id": account["id"], "name": "C1"}),
            )
            .await;
        let c2 = app
            .create(
                k,
                "/api/v1/contacts",
                json!({"account_id": account["id"], "name": "C2"}),
            )
            .await;
        app.create(
            k,
            "/api/v1/contact-relationships",
            json!({"from_contact_id": c1["id"], "to_contact_id": c2["id"], "kind": "influences"}),
        )
        .await;
        let user = app
            .create(
                k,
                "/api/v1/users",
                json!({"email": "u@x.com", "name": "U", "role": "rep"}),
            )
            .await;
        let product = app
            .create(k, "/api/v1/products", json!({"code": "P", "name": "P"}))
            .await;
        let opp = app.create(k, "/api/v1/opportunities", json!({"account_id": account["id"], "name": "O", "amount": {"amount": "1", "currency": "USD"}, "close_date": "2027-01-01", "product_ids": [product["id"]]})).await;
        let stage = format!(
            "/api/v1/opportunities/{}/stage",
            opp["id"].as_str().unwrap()
        );
        assert_eq!(
            app.post(k, &stage, &json!({"stage": "discovery"}))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        app.create(
            k,
            "/api/v1/activities",
            json!({"kind": "note", "body": "n", "opportunity_id": opp["id"]}),
        )
        .await;
        app.create(
            k,
            "/api/v1/tasks",
            json!({"title": "T", "assignee_id": user["id"]}),
        )
        .await;
        let r = app
            .post(k, "/api/v1/accounts", &json!({"name": "Idem"}))
            .header("idempotency-key", "k1")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let r = app
            .post(
                k,
                "/v1/chat/completions",
                &json!({"model": "sales", "messages": [{"role": "user", "content": "hi"}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = app
            .patch(k, "/api/v1/llm/settings", &json!({"keep_prompts": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // The agent tables: a run with actions and an approval, its released message, a policy,
        // and a dead letter.
        let r = app
            .patch(
                k,
                "/api/v1/guardrails/policy",
                &json!({"auto_discount_max_percent": "5"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let run = app
            .create(
                k,
                "/api/v1/agents/sales/skills/triage_email",
                json!({"account_id": account["id"], "from": format!("jo@{}.com", t.name), "subject": "Hi", "body": "Price?"}),
            )
            .await;
        let approval = run["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|a| a["approval_id"].as_str())
            .unwrap()
            .to_owned();
        let person = app
            .key(
                t.id,
                domain::user::Role::Rep,
                Some(user["id"].as_str().unwrap().parse().unwrap()),
            )
            .await;
        let r = app
            .post(
                &person,
                &format!("/api/v1/approvals/{approval}/approve"),
                &json!({}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        super::agents::wait_for(&app, k, "/api/v1/outbox", |p| {
            p["items"].as_array().is_some_and(|i| !i.is_empty())
        })
        .await;
        // The knowledge tables.
        let w = store::WriteCtx::new(t.id, domain::actor::Actor::operator(), None);
        let now = store::now();
        let document = domain::knowledge::Document {
            id: domain::id::DocumentId::generate(),
            source: "guide.md".into(),
            title: "Guide".into(),
            kind: domain::knowledge::DocumentKind::Playbook,
            product_id: None,
            regions: Vec::new(),
            content_hash: "h".into(),
            size_bytes: 1,
            chunk_count: 0,
            generation: 0,
            created_at: now,
            updated_at: now,
        };
        let chunk = domain::knowledge::DocumentChunk {
            id: domain::id::ChunkId::generate(),
            document_id: document.id,
            ordinal: 0,
            section: Vec::new(),
            text: format!("{} secret sentence", t.name),
            start_offset: 0,
            end_offset: 1,
        };
        let chunk_id = chunk.id;
        app.store
            .put_document(&w, &document, &[chunk])
            .await
            .unwrap();
        let stored = app
            .store
            .put_vectors(
                t.id,
                document.id,
                "test/model",
                &[(chunk_id, vec![0.6, 0.8])],
            )
            .await
            .unwrap();
        assert_eq!(stored, 1);
        // The catalog tables.
        for (path, body) in [
            (
                "/api/v1/catalog/prices",
                json!({"items": [{"product": "P", "sku": "P-SEAT", "region": "EMEA",
                    "currency": "EUR", "list_price": "10", "unit": "per_unit"}]}),
            ),
            (
                "/api/v1/catalog/discount-bands",
                json!({"items": [{"up_to_percent": "10", "approval": "none"}]}),
            ),
        ] {
            let r = app
                .request(reqwest::Method::PUT, k, path)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
        }
        // Plans, quotas and personas.
        let r = app
            .post(
                k,
                &format!(
                    "/api/v1/opportunities/{}/plan/refresh",
                    opp["id"].as_str().unwrap()
                ),
                &json!({}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        app.create(
            k,
            "/api/v1/quotas",
            json!({"user_id": user["id"], "period_start": "2027-01-01", "period_end": "2027-03-31",
                "target": {"amount": "1000", "currency": "USD"}}),
        )
        .await;
        let r = app
            .request(
                reqwest::Method::PUT,
                &person,
                &format!("/api/v1/users/{}/persona", user["id"].as_str().unwrap()),
            )
            .json(&json!({"display_name": format!("{} rep", t.name)}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        // A password and a web session.
        let r = app
            .request(
                reqwest::Method::PUT,
                k,
                &format!("/api/v1/users/{}/password", user["id"].as_str().unwrap()),
            )
            .json(&json!({"password": "correct horse battery staple"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let session = domain::session::WebSession {
            id: domain::id::SessionId::generate(),
            user_id: user["id"].as_str().unwrap().parse().unwrap(),
            token_hash: format!("{} session", t.name).into_bytes(),
            csrf_token: "csrf".into(),
            created_at: now,
            expires_at: now + jiff::SignedDuration::from_hours(1),
        };
        app.store.create_session(&w, &session).await.unwrap();
        let r = app
            .request(
                reqwest::Method::PUT,
                k,
                "/api/v1/integrations/credentials/hubspot",
            )
            .json(&json!({"secret": format!("{} token", t.name)}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let failing = store::jobs::NewJob {
            kind: domain::job::JobKind::Event,
            subscriber: "nobody".into(),
            subject_id: uuid::Uuid::now_v7(),
            dedupe_key: "rls".into(),
            max_attempts: 1,
            run_at: store::now(),
        };
        app.store.enqueue_job(t.id, &failing).await.unwrap();
        super::agents::wait_for(&app, k, "/api/v1/dead-letters", |p| {
            p["items"].as_array().is_some_and(|i| !i.is_empty())
        })
        .await;
    }

    app.traces.flush().await;
    let mut conn = as_app_role(&app.db).await;
    for table in TENANT_TABLES {
        assert_eq!(
            count_in(&mut conn, None, table).await,
            0,
            "{table} is readable without a tenant"
        );
        let seen_a = count_in(&mut conn, Some(a.id), table).await;
        assert!(seen_a > 0, "{table} has rows for A");
        // With A set, no row of B is visible.
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(a.id.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        let sql = format!("SELECT count(*) AS n FROM {table} WHERE tenant_id = $1");
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(b.id.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .unwrap()
            .get("n");
        assert_eq!(n, 0, "{table}: tenant A sees B's rows");
        tx.rollback().await.unwrap();
    }
    // The tenants registry shows only the current tenant.
    assert_eq!(count_in(&mut conn, None, "tenants").await, 0);
    assert_eq!(count_in(&mut conn, Some(a.id), "tenants").await, 1);

    // Writing a row with B's tenant_id while A is set is refused by the policy.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(a.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let insert = sqlx::query(
        "INSERT INTO products (tenant_id, id, code, name, name_folded, active, version, created_at, updated_at) \
         VALUES ($1, $2, 'EVIL', 'evil', 'evil', true, 1, now(), now())",
    )
    .bind(b.id.as_uuid())
    .bind(uuid::Uuid::now_v7())
    .execute(&mut *tx)
    .await;
    let err = insert
        .expect_err("insert into another tenant must fail")
        .to_string();
    assert!(err.contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();

    // Updating A's own row to carry B's tenant_id is refused; updating B's rows touches nothing.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(a.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let moved = sqlx::query("UPDATE accounts SET tenant_id = $1")
        .bind(b.id.as_uuid())
        .execute(&mut *tx)
        .await;
    assert!(moved.is_err(), "moving a row to another tenant must fail");
    tx.rollback().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(a.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let touched = sqlx::query("UPDATE accounts SET name = 'pwned' WHERE tenant_id = $1")
        .bind(b.id.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(touched.rows_affected(), 0);
    let deleted = sqlx::query("DELETE FROM tasks WHERE tenant_id = $1")
        .bind(b.id.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    tx.commit().await.unwrap();

    // The setting is transaction-local: it does not survive into the next transaction.
    assert_eq!(count_in(&mut conn, None, "accounts").await, 0);

    // The event log is append-only even for its own tenant.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(a.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    assert!(
        sqlx::query("DELETE FROM events")
            .execute(&mut *tx)
            .await
            .is_err()
    );
    tx.rollback().await.unwrap();

    // The application role cannot switch itself out of RLS or create tenants.
    assert!(
        conn.execute("ALTER TABLE accounts DISABLE ROW LEVEL SECURITY")
            .await
            .is_err()
    );
    assert!(conn.execute("INSERT INTO tenants (id, name, display_name, created_at) VALUES (gen_random_uuid(), 'x', 'x', now())").await.is_err());
    conn.close().await.unwrap();
}
