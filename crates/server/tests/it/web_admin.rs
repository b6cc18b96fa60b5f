//! The admin console's sections over HTTP: only admins reach them, every write is a form with
//! the session's CSRF token that goes through the domain's checks, a bad form writes nothing,
//! another tenant's ids are unknown, and the console keeps its own admin.

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::json;
use testkit::{Backend, TestApp, both_backends};

use crate::web::{browser, csrf_field, page_at as get, post_form, session_of, sign_in, user};

/// A form posted to a path, and the status it must get.
type Case<'a> = (String, Vec<(&'a str, String)>, StatusCode);

const SECTIONS: &[(&str, &str)] = &[
    ("/admin", "Business unit"),
    ("/admin/users", "Add a person"),
    ("/admin/regions", "Add a region"),
    ("/admin/products", "Add a product"),
    ("/admin/personas", "Write a persona"),
    ("/admin/guardrails", "Sign a contract (humans only)"),
    ("/admin/llm", "Routes in force"),
    ("/admin/usage", "Latest calls"),
    ("/admin/keys", "Create key"),
];

/// Posts a form and expects the redirect back to the section, saying what happened.
async fn posts(
    app: &TestApp,
    web: &reqwest::Client,
    session: &str,
    path: &str,
    pairs: &[(&str, &str)],
) -> String {
    let r = post_form(app, web, session, path, pairs).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{path} {pairs:?}: {}",
        r.text().await.unwrap()
    );
    r.headers()[LOCATION].to_str().unwrap().to_owned()
}

async fn the_admin_console_manages_the_tenant(backend: Backend) {
    let app = testkit::spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let web = browser();
    let dora = user(&app, &t.admin_key, "dora@skyvera.com", "Dora", "admin").await;
    let admin = session_of(&app, &web, &t.admin_key, &dora, "dora@skyvera.com").await;
    let mara = user(&app, &t.admin_key, "mara@skyvera.com", "Mara", "manager").await;
    let manager = session_of(&app, &web, &t.admin_key, &mara, "mara@skyvera.com").await;

    // Every section opens for the admin and for nobody else; the navigation leads there.
    let home = get(&app, &web, &admin, "/").await.text().await.unwrap();
    assert!(home.contains("href=\"/admin\""), "{home}");
    for (path, marker) in SECTIONS {
        let r = get(&app, &web, &admin, path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        let html = r.text().await.unwrap();
        assert!(html.contains(marker), "{path} lacks {marker:?}");
        assert_eq!(
            get(&app, &web, &manager, path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let csrf = csrf_field(
        &get(&app, &web, &admin, "/admin/users")
            .await
            .text()
            .await
            .unwrap(),
    );

    // Bad forms write nothing: forged token, a manager, short password, unknown region, bad
    // time zone, a price for a product that does not exist, contracts signed by an agent, a
    // route to a provider that is not configured, another tenant's region.
    let theirs = app.get_json(&other.admin_key, "/api/v1/regions").await;
    let theirs = theirs["items"][0]["id"].as_str().unwrap().to_owned();
    let before = app.snapshot(&[t.id, other.id]).await;
    let person = [
        ("name", "Lee"),
        ("email", "lee@skyvera.com"),
        ("role", "rep"),
        ("home_region", ""),
    ];
    let with = |csrf: &str, extra: &[(&'static str, &'static str)]| {
        let mut pairs: Vec<(&str, String)> = vec![("csrf", csrf.to_owned())];
        pairs.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        pairs
    };
    let cases: Vec<Case> = vec![
        (
            "/admin/users".into(),
            with("forged", &person),
            StatusCode::FORBIDDEN,
        ),
        (
            "/admin/users".into(),
            with(
                &csrf,
                &[
                    ("name", "Lee"),
                    ("email", "lee@skyvera.com"),
                    ("role", "rep"),
                    ("password", "short"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/admin/users".into(),
            with(
                &csrf,
                &[
                    ("name", "Lee"),
                    ("email", "lee@skyvera.com"),
                    ("role", "rep"),
                    ("home_region", "MARS"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/admin/users".into(),
            with(
                &csrf,
                &[("name", "Lee"), ("email", "not an email"), ("role", "rep")],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/admin/regions".into(),
            with(
                &csrf,
                &[
                    ("code", "LATAM"),
                    ("name", "Latin America"),
                    ("time_zone", "Mars/Olympus"),
                    ("currency", "BRL"),
                    ("locale", "pt-BR"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("/admin/regions/{theirs}"),
            with(
                &csrf,
                &[
                    ("name", "Stolen"),
                    ("time_zone", "UTC"),
                    ("currency", "EUR"),
                    ("locale", "en-GB"),
                ],
            ),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/admin/regions/{theirs}/delete"),
            with(&csrf, &[]),
            StatusCode::NOT_FOUND,
        ),
        (
            "/admin/products/prices".into(),
            with(
                &csrf,
                &[
                    ("product", "NOPE"),
                    ("sku", "X-1"),
                    ("region", "EMEA"),
                    ("currency", "EUR"),
                    ("list_price", "10"),
                    ("unit", "per_unit"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/admin/guardrails".into(),
            with(
                &csrf,
                &[
                    ("sign_contract", "execute"),
                    ("send_email", "execute"),
                    ("auto_discount_max_percent", "5"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/admin/guardrails".into(),
            with(&csrf, &[("auto_discount_max_percent", "250")]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/admin/llm".into(),
            with(
                &csrf,
                &[
                    ("soft_limit_percent", "80"),
                    ("routes", "sales = nowhere/gpt"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/admin/llm".into(),
            with(
                &csrf,
                &[
                    ("soft_limit_percent", "80"),
                    ("monthly_token_budget", "lots"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("/admin/users/{dora}/role"),
            with(&csrf, &[("role", "viewer")]),
            StatusCode::CONFLICT,
        ),
        (
            format!("/admin/users/{dora}/active"),
            with(&csrf, &[]),
            StatusCode::CONFLICT,
        ),
        (
            "/admin/personas".into(),
            with(&csrf, &[("display_name", "X")]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (path, pairs, status) in &cases {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = post_form(&app, &web, &admin, path, &pairs).await;
        assert_eq!(r.status(), *status, "{path} {pairs:?}");
        if status.is_client_error() && *status != StatusCode::FORBIDDEN {
            let html = r.text().await.unwrap();
            assert!(
                html.contains("role=\"alert\""),
                "{path}: the page says what was wrong"
            );
        }
    }
    let r = post_form(
        &app,
        &web,
        &manager,
        "/admin/users",
        &[
            ("csrf", &csrf),
            ("name", "Lee"),
            ("email", "lee@skyvera.com"),
            ("role", "admin"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.snapshot(&[t.id, other.id]).await,
        before,
        "a bad form wrote something"
    );

    // People: added with a password they can sign in with, moved to another role, deactivated
    // (their session stops working), given a new password.
    let to = posts(
        &app,
        &web,
        &admin,
        "/admin/users",
        &[
            ("csrf", &csrf),
            ("name", "Lee"),
            ("email", "lee@skyvera.com"),
            ("role", "rep"),
            ("home_region", "EMEA"),
            ("password", "a long enough password"),
        ],
    )
    .await;
    assert_eq!(to, "/admin/users?done=created");
    let page = get(&app, &web, &admin, &to).await.text().await.unwrap();
    assert!(
        page.contains("Created.") && page.contains("lee@skyvera.com"),
        "{page}"
    );
    let r = sign_in(
        &app,
        &web,
        "skyvera",
        "lee@skyvera.com",
        "a long enough password",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let lee_session = crate::web::set_cookie(&r, "aa_session").unwrap().0;
    let lee = app
        .get_json(&t.admin_key, "/api/v1/users?email=lee@skyvera.com")
        .await;
    assert_eq!(lee["items"][0]["home_region"], "EMEA");
    let lee = lee["items"][0]["id"].as_str().unwrap().to_owned();
    posts(
        &app,
        &web,
        &admin,
        &format!("/admin/users/{lee}/role"),
        &[
            ("csrf", &csrf),
            ("role", "manager"),
            ("home_region", "APAC"),
        ],
    )
    .await;
    let now = app
        .get_json(&t.admin_key, &format!("/api/v1/users/{lee}"))
        .await;
    assert_eq!(
        (now["role"].as_str(), now["home_region"].as_str()),
        (Some("manager"), Some("APAC"))
    );
    assert_eq!(
        get(&app, &web, &lee_session, "/dashboard").await.status(),
        StatusCode::OK
    );
    posts(
        &app,
        &web,
        &admin,
        &format!("/admin/users/{lee}/active"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(
        get(&app, &web, &lee_session, "/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
    posts(
        &app,
        &web,
        &admin,
        &format!("/admin/users/{lee}/active"),
        &[("csrf", &csrf)],
    )
    .await;
    let to = posts(
        &app,
        &web,
        &admin,
        &format!("/admin/users/{lee}/password"),
        &[("csrf", &csrf), ("password", "another long password")],
    )
    .await;
    assert_eq!(to, "/admin/users?done=password");
    let r = sign_in(
        &app,
        &web,
        "skyvera",
        "lee@skyvera.com",
        "another long password",
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Regions: added, renamed, deleted.
    posts(
        &app,
        &web,
        &admin,
        "/admin/regions",
        &[
            ("csrf", &csrf),
            ("code", "LATAM"),
            ("name", "Latin America"),
            ("time_zone", "America/Sao_Paulo"),
            ("currency", "BRL"),
            ("locale", "pt-BR"),
        ],
    )
    .await;
    let regions = app.get_json(&t.admin_key, "/api/v1/regions").await;
    let latam = regions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "LATAM")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    posts(
        &app,
        &web,
        &admin,
        &format!("/admin/regions/{latam}"),
        &[
            ("csrf", &csrf),
            ("name", "LatAm"),
            ("time_zone", "America/Sao_Paulo"),
            ("currency", "BRL"),
            ("locale", "pt-BR"),
        ],
    )
    .await;
    assert_eq!(
        app.get_json(&t.admin_key, &format!("/api/v1/regions/{latam}"))
            .await["name"],
        "LatAm"
    );
    posts(
        &app,
        &web,
        &admin,
        &format!("/admin/regions/{latam}/delete"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(
        app.get(&t.admin_key, &format!("/api/v1/regions/{latam}"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    // Products and a price, then the product retired.
    posts(
        &app,
        &web,
        &admin,
        "/admin/products",
        &[
            ("csrf", &csrf),
            ("code", "SKY-CHG"),
            ("name", "Skyvera Charging"),
        ],
    )
    .await;
    posts(
        &app,
        &web,
        &admin,
        "/admin/products/prices",
        &[
            ("csrf", &csrf),
            ("product", "SKY-CHG"),
            ("sku", "CHG-SEAT"),
            ("region", "EMEA"),
            ("currency", "EUR"),
            ("list_price", "120.00"),
            ("unit", "per_seat_month"),
        ],
    )
    .await;
    let prices = app.get_json(&t.admin_key, "/api/v1/catalog/prices").await;
    assert_eq!(prices["items"][0]["list_price"], "120.00");
    let page = get(&app, &web, &admin, "/admin/products")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("CHG-SEAT") && page.contains("120.00 EUR"),
        "{page}"
    );
    let product = app.get_json(&t.admin_key, "/api/v1/products").await;
    let product = product["items"][0]["id"].as_str().unwrap().to_owned();
    posts(
        &app,
        &web,
        &admin,
        &format!("/admin/products/{product}/active"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(
        app.get_json(&t.admin_key, &format!("/api/v1/products/{product}"))
            .await["active"],
        false
    );

    // A persona, with two examples split on the dashes.
    let to = posts(
        &app,
        &web,
        &admin,
        "/admin/personas",
        &[
            ("csrf", &csrf),
            ("user", &mara),
            ("display_name", "Mara K."),
            ("signature", "Regional Director\r\nSkyvera"),
            ("tone", "direct"),
            (
                "examples",
                "Hi Dana,\r\nShort one.\r\n---\r\nHello Omar,\r\nThanks.",
            ),
        ],
    )
    .await;
    assert_eq!(to, format!("/admin/personas?user={mara}&done=saved"));
    let persona = app
        .get_json(&t.admin_key, &format!("/api/v1/users/{mara}/persona"))
        .await;
    assert_eq!(persona["tone"], "direct");
    assert_eq!(persona["examples"].as_array().unwrap().len(), 2);
    assert_eq!(persona["signature"], "Regional Director\nSkyvera");
    let page = get(&app, &web, &admin, &to).await.text().await.unwrap();
    assert!(
        page.contains("Persona of Mara") && page.contains("Mara K."),
        "{page}"
    );

    // The guardrail policy and the LLM settings.
    posts(
        &app,
        &web,
        &admin,
        "/admin/guardrails",
        &[
            ("csrf", &csrf),
            ("send_email", "execute"),
            ("sign_contract", "forbid"),
            ("auto_discount_max_percent", "5"),
        ],
    )
    .await;
    let policy = app
        .get_json(&t.admin_key, "/api/v1/guardrails/policy")
        .await;
    assert_eq!(policy["modes"]["send_email"], "execute");
    assert_eq!(policy["auto_discount_max_percent"], "5");
    posts(
        &app,
        &web,
        &admin,
        "/admin/llm",
        &[
            ("csrf", &csrf),
            ("monthly_token_budget", "1000000"),
            ("monthly_cost_budget_usd", "25.50"),
            ("soft_limit_percent", "70"),
            ("keep_prompts", "true"),
            ("routes", ""),
        ],
    )
    .await;
    let settings = app.get_json(&t.admin_key, "/api/v1/llm/settings").await;
    assert_eq!(settings["monthly_token_budget"], 1_000_000);
    assert_eq!(settings["monthly_cost_budget_usd"], "25.5");
    assert_eq!(
        (
            settings["soft_limit_percent"].as_u64(),
            settings["keep_prompts"].as_bool()
        ),
        (Some(70), Some(true))
    );

    // The other tenant saw none of it.
    let theirs = app.get_json(&other.admin_key, "/api/v1/users").await;
    assert!(!theirs.to_string().contains("lee@skyvera.com"));
    assert_eq!(
        app.get_json(&other.admin_key, "/api/v1/guardrails/policy")
            .await["modes"],
        json!({})
    );
}

async fn integration_credentials_are_write_only(backend: Backend) {
    let app = testkit::spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let manager_key = app.key(t.id, domain::user::Role::Manager, None).await;
    const SECRET: &str = "pat-na1-7f3c0b9e-very-secret";
    let put = |key: &str, integration: &str, body: serde_json::Value| {
        app.request(
            reqwest::Method::PUT,
            key,
            &format!("/api/v1/integrations/credentials/{integration}"),
        )
        .json(&body)
        .send()
    };

    // Refused without a write: a manager, an unknown integration, an empty or binary secret,
    // a field that does not exist.
    let before = app.snapshot(&[t.id, other.id]).await;
    for (key, integration, body, status) in [
        (&manager_key, "hubspot", json!({"secret": SECRET}), 403),
        (&t.admin_key, "myspace", json!({"secret": SECRET}), 404),
        (&t.admin_key, "hubspot", json!({"secret": "  "}), 422),
        (&t.admin_key, "hubspot", json!({"secret": "a\u{0}b"}), 422),
        (
            &t.admin_key,
            "hubspot",
            json!({"secret": SECRET, "shown": true}),
            422,
        ),
    ] {
        let r = put(key, integration, body).await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{integration}");
        assert!(!r.text().await.unwrap().contains(SECRET));
    }
    assert_eq!(app.snapshot(&[t.id, other.id]).await, before);

    // Stored: the answer, the list, the audit trail and the database hold no trace of it.
    let r = put(
        &t.admin_key,
        "hubspot",
        json!({"account": "portal 4411", "secret": SECRET}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let info: serde_json::Value = r.json().await.unwrap();
    assert_eq!(info["account"], "portal 4411");
    let fingerprint = info["fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(fingerprint.len(), 16);
    let list = app
        .get_json(&t.admin_key, "/api/v1/integrations/credentials")
        .await;
    assert_eq!(list["storable"], true);
    assert_eq!(list["items"][0]["integration"], "hubspot");
    let audit = app.get_json(&t.admin_key, "/api/v1/audit").await;
    assert!(audit.to_string().contains("credential"), "{audit}");
    assert!(
        !audit.to_string().contains(&fingerprint),
        "events name the integration only"
    );
    for text in [
        list.to_string(),
        audit.to_string(),
        app.snapshot(&[t.id]).await,
    ] {
        assert!(!text.contains(SECRET) && !text.contains("very-secret"));
    }
    let sealed = app
        .store
        .sealed_credential(t.id, domain::credential::Integration::Hubspot)
        .await
        .unwrap()
        .unwrap();
    assert!(sealed.len() > SECRET.len() && !sealed.windows(11).any(|w| w == b"very-secret"));
    assert_eq!(
        app.get(&manager_key, "/api/v1/integrations/credentials")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    // The same secret again gives the same fingerprint; another secret another one.
    let again: serde_json::Value = put(&t.admin_key, "hubspot", json!({"secret": SECRET}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["fingerprint"], fingerprint.as_str());
    let changed: serde_json::Value = put(&t.admin_key, "hubspot", json!({"secret": "another"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(changed["fingerprint"], fingerprint.as_str());

    // The other tenant sees none of it and cannot remove it.
    let theirs = app
        .get_json(&other.admin_key, "/api/v1/integrations/credentials")
        .await;
    assert_eq!(theirs["items"], json!([]));
    let r = app
        .delete(&other.admin_key, "/api/v1/integrations/credentials/hubspot")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The admin console: set through the form, listed with its fingerprint, never shown.
    let web = browser();
    let dora = user(&app, &t.admin_key, "dora@skyvera.com", "Dora", "admin").await;
    let admin = session_of(&app, &web, &t.admin_key, &dora, "dora@skyvera.com").await;
    let page = get(&app, &web, &admin, "/admin/credentials")
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_field(&page);
    let to = posts(
        &app,
        &web,
        &admin,
        "/admin/credentials",
        &[
            ("csrf", &csrf),
            ("integration", "notion"),
            ("account", "Skyvera wiki"),
            ("secret", "secret_notion_token_0042"),
        ],
    )
    .await;
    let page = get(&app, &web, &admin, &to).await.text().await.unwrap();
    assert!(
        page.contains("Skyvera wiki") && page.contains("by Dora"),
        "{page}"
    );
    assert!(!page.contains("secret_notion_token_0042"));
    let r = post_form(
        &app,
        &web,
        &admin,
        "/admin/credentials",
        &[("csrf", &csrf), ("integration", "notion"), ("secret", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    posts(
        &app,
        &web,
        &admin,
        "/admin/credentials/notion/delete",
        &[("csrf", &csrf)],
    )
    .await;
    let r = app
        .delete(&t.admin_key, "/api/v1/integrations/credentials/hubspot")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let list = app
        .get_json(&t.admin_key, "/api/v1/integrations/credentials")
        .await;
    assert_eq!(list["items"], json!([]));
}

both_backends!(
    the_admin_console_manages_the_tenant,
    integration_credentials_are_write_only
);
