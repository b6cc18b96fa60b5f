//! Signing in to the web UI: passwords set by their user or an admin, the sign-in form with its
//! CSRF token, sessions in `HttpOnly; Secure; SameSite` cookies scoped to one tenant, signing
//! out, and sessions that end when the password changes. Wrong or forged input signs nobody in.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;
use testkit::{Backend, TestApp, assert_problem, both_backends};

pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// A client that shows redirects instead of following them.
pub(crate) fn browser() -> reqwest::Client {
    testkit::http_client();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of a cookie set by a response, with its whole `Set-Cookie` line.
pub(crate) fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|line| line.starts_with(&format!("{name}=")))
        .map(|line| {
            let value = line
                .split(';')
                .next()
                .and_then(|kv| kv.split_once('='))
                .map(|(_, v)| v.to_owned())
                .unwrap_or_default();
            (value, line.to_owned())
        })
}

/// The hidden CSRF field of a page.
pub(crate) fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub(crate) async fn user(app: &TestApp, key: &str, email: &str, name: &str, role: &str) -> String {
    let user = app
        .create(
            key,
            "/api/v1/users",
            json!({"email": email, "name": name, "role": role}),
        )
        .await;
    user["id"].as_str().unwrap().to_owned()
}

async fn set_password(app: &TestApp, key: &str, user: &str, password: &str) -> reqwest::Response {
    app.request(
        reqwest::Method::PUT,
        key,
        &format!("/api/v1/users/{user}/password"),
    )
    .json(&json!({"password": password}))
    .send()
    .await
    .unwrap()
}

/// Posts the sign-in form with the CSRF token of a fresh form.
pub(crate) async fn sign_in(
    app: &TestApp,
    web: &reqwest::Client,
    tenant: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let form = web.get(format!("{}/login", app.url)).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let (cookie, line) = set_cookie(&form, "aa_login_csrf").unwrap();
    assert!(
        line.contains("HttpOnly") && line.contains("Secure") && line.contains("SameSite=Strict"),
        "{line}"
    );
    let html = form.text().await.unwrap();
    assert_eq!(csrf_field(&html), cookie);
    web.post(format!("{}/login", app.url))
        .header(COOKIE, format!("aa_login_csrf={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("csrf", cookie.as_str()),
                ("tenant", tenant),
                ("email", email),
                ("password", password),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap()
}

/// A page of the web UI with a session's cookie.
pub(crate) async fn page_at(
    app: &TestApp,
    web: &reqwest::Client,
    session: &str,
    path: &str,
) -> reqwest::Response {
    web.get(format!("{}{path}", app.url))
        .header(COOKIE, format!("aa_session={session}"))
        .send()
        .await
        .unwrap()
}

/// The home page with a session's cookie.
async fn page(app: &TestApp, web: &reqwest::Client, session: &str) -> reqwest::Response {
    page_at(app, web, session, "/").await
}

async fn people_sign_in_and_out(backend: Backend) {
    let app = testkit::spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let web = browser();
    let mara = user(
        &app,
        &t.admin_key,
        "Mara@skyvera.com",
        "<b>Mara</b>",
        "manager",
    )
    .await;

    // Passwords: long enough, set by the user or an admin, never by another user.
    assert_problem(
        set_password(&app, &t.admin_key, &mara, "short").await,
        422,
        "invalid_input",
    )
    .await;
    let rep = user(&app, &t.admin_key, "rafa@skyvera.com", "Rafa", "rep").await;
    let rep_key = app
        .key(t.id, domain::user::Role::Rep, Some(rep.parse().unwrap()))
        .await;
    assert_problem(
        set_password(&app, &rep_key, &mara, PASSWORD).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        set_password(&app, &other.admin_key, &mara, PASSWORD).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        set_password(&app, &t.admin_key, &mara, PASSWORD)
            .await
            .status(),
        204
    );

    // Wrong input signs nobody in.
    let before = app.snapshot(&[t.id, other.id]).await;
    for (tenant, email, password) in [
        ("skyvera", "mara@skyvera.com", "wrong horse battery staple"),
        ("jigtree", "mara@skyvera.com", PASSWORD),
        ("nobody", "mara@skyvera.com", PASSWORD),
        ("skyvera", "rafa@skyvera.com", PASSWORD),
        ("skyvera", "not an email", PASSWORD),
    ] {
        let r = sign_in(&app, &web, tenant, email, password).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{tenant} {email}");
        assert!(set_cookie(&r, "aa_session").is_none());
        let html = r.text().await.unwrap();
        assert!(
            html.contains("business unit, email or password is wrong"),
            "{html}"
        );
    }
    let forged = web
        .post(format!("{}/login", app.url))
        .header(COOKIE, "aa_login_csrf=aaaa")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("csrf", "bbbb"),
                ("tenant", "skyvera"),
                ("email", "mara@skyvera.com"),
                ("password", PASSWORD),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "a form from another site"
    );
    let incomplete = web
        .post(format!("{}/login", app.url))
        .body("csrf=")
        .send()
        .await
        .unwrap();
    assert_eq!(incomplete.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.snapshot(&[t.id, other.id]).await, before);

    // The right password: a session cookie, and the home page.
    let r = sign_in(&app, &web, "Skyvera", "MARA@skyvera.com", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/");
    let (session, line) = set_cookie(&r, "aa_session").unwrap();
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(line.contains(attribute), "{line}");
    }
    let home = page(&app, &web, &session).await;
    assert_eq!(home.status(), StatusCode::OK);
    assert_eq!(home.headers()["cache-control"], "no-store");
    let html = home.text().await.unwrap();
    assert!(
        html.contains("Signed in as &#60;b&#62;Mara&#60;/b&#62;")
            || html.contains("Signed in as &lt;b&gt;Mara&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<b>Mara</b>"), "names are escaped");
    assert!(
        !html.contains("API reference"),
        "a manager's navigation has no admin links"
    );
    let csrf = csrf_field(&html);
    let css = web
        .get(format!("{}/assets/app.css", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");

    // No cookie, or a cookie that names another tenant: the sign-in page.
    let anonymous = web.get(format!("{}/", app.url)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[LOCATION], "/login");
    let moved = session.replace(
        &t.id.as_uuid().simple().to_string(),
        &other.id.as_uuid().simple().to_string(),
    );
    assert_eq!(
        page(&app, &web, &moved).await.status(),
        StatusCode::SEE_OTHER
    );
    // The session is not an API key.
    let api = app.get(&session, "/api/v1/accounts").send().await.unwrap();
    assert_eq!(api.status(), 401);

    // Signing out needs the form's token; then the cookie is worthless.
    let no_token = web
        .post(format!("{}/logout", app.url))
        .header(COOKIE, format!("aa_session={session}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("csrf", "nope")]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    assert_eq!(page(&app, &web, &session).await.status(), StatusCode::OK);
    let out = web
        .post(format!("{}/logout", app.url))
        .header(COOKIE, format!("aa_session={session}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("csrf", csrf.as_str())]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let (cleared, line) = set_cookie(&out, "aa_session").unwrap();
    assert!(cleared.is_empty() && line.contains("Max-Age=0"), "{line}");
    assert_eq!(
        page(&app, &web, &session).await.status(),
        StatusCode::SEE_OTHER
    );

    // A new password ends every session of the user.
    let again = sign_in(&app, &web, "skyvera", "mara@skyvera.com", PASSWORD).await;
    let (session, _) = set_cookie(&again, "aa_session").unwrap();
    assert_eq!(page(&app, &web, &session).await.status(), StatusCode::OK);
    let manager_key = app
        .key(
            t.id,
            domain::user::Role::Manager,
            Some(mara.parse().unwrap()),
        )
        .await;
    assert_eq!(
        set_password(&app, &manager_key, &mara, "another long passphrase")
            .await
            .status(),
        204,
        "a person sets their own password"
    );
    assert_eq!(
        page(&app, &web, &session).await.status(),
        StatusCode::SEE_OTHER
    );

    // An admin's navigation has the admin links.
    let dora = user(&app, &t.admin_key, "dora@skyvera.com", "Dora", "admin").await;
    assert_eq!(
        set_password(&app, &t.admin_key, &dora, PASSWORD)
            .await
            .status(),
        204
    );
    let r = sign_in(&app, &web, "skyvera", "dora@skyvera.com", PASSWORD).await;
    let (session, _) = set_cookie(&r, "aa_session").unwrap();
    let html = page(&app, &web, &session).await.text().await.unwrap();
    assert!(html.contains("API reference"), "{html}");
}

/// Signs a user in and returns their session cookie.
pub(crate) async fn session_of(
    app: &TestApp,
    web: &reqwest::Client,
    admin_key: &str,
    user: &str,
    email: &str,
) -> String {
    assert_eq!(
        set_password(app, admin_key, user, PASSWORD).await.status(),
        204
    );
    let r = sign_in(app, web, "skyvera", email, PASSWORD).await;
    set_cookie(&r, "aa_session").unwrap().0
}

pub(crate) async fn post_form(
    app: &TestApp,
    web: &reqwest::Client,
    session: &str,
    path: &str,
    pairs: &[(&str, &str)],
) -> reqwest::Response {
    web.post(format!("{}{path}", app.url))
        .header(COOKIE, format!("aa_session={session}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(pairs).unwrap())
        .send()
        .await
        .unwrap()
}

async fn approvals_are_decided_in_the_inbox(backend: Backend) {
    use crate::agents::{inbound_email, runs_of, scene, spawn_with_agents, wait_for};
    let app = spawn_with_agents(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let s = scene(&app, &t).await;
    let web = browser();
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
    let pending = wait_for(
        &app,
        &t.admin_key,
        "/api/v1/approvals?status=pending",
        |p| p["items"].as_array().is_some_and(|i| i.len() == 2),
    )
    .await;
    let first = pending["items"][0]["id"].as_str().unwrap().to_owned();
    let second = pending["items"][1]["id"].as_str().unwrap().to_owned();
    let users = app
        .get_json(&t.admin_key, "/api/v1/users?email=mara@skyvera.com")
        .await;
    let mara = users["items"][0]["id"].as_str().unwrap().to_owned();
    let session = session_of(&app, &web, &t.admin_key, &mara, "mara@skyvera.com").await;

    // The inbox and the whole payload.
    let home = page(&app, &web, &session).await.text().await.unwrap();
    assert!(home.contains("2 proposals wait for a human"), "{home}");
    let inbox = web
        .get(format!("{}/approvals", app.url))
        .header(COOKIE, format!("aa_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(inbox.status(), StatusCode::OK);
    let html = inbox.text().await.unwrap();
    assert!(
        html.contains("Email to jo@acme.com: Re: Pricing for 200 seats"),
        "{html}"
    );
    assert!(html.contains(&format!("/approvals/{first}")));
    let detail = web
        .get(format!("{}/approvals/{first}", app.url))
        .header(COOKIE, format!("aa_session={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains("the tenant&#39;s policy asks a human")
            || detail.contains("policy asks a human"),
        "{detail}"
    );
    assert!(detail.contains("accesskey=\"a\"") && detail.contains("accesskey=\"r\""));
    // Beside the proposal, what the agent read and who answered.
    assert!(
        detail.contains("What the agent read") && detail.contains("Could you send it over?"),
        "{detail}"
    );
    assert!(detail.contains("Answered by offline"), "{detail}");
    let csrf = csrf_field(&detail);

    // Without the form's token nothing is decided; another tenant's id is not found.
    let r = post_form(
        &app,
        &web,
        &session,
        &format!("/approvals/{first}/approve"),
        &[("csrf", "x")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post_form(
        &app,
        &web,
        &session,
        &format!("/approvals/{}/approve", uuid::Uuid::now_v7()),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Edit and approve: the edited email leaves, naming the approval.
    let r = post_form(
        &app,
        &web,
        &session,
        &format!("/approvals/{first}/approve"),
        &[
            ("csrf", &csrf),
            ("subject", "Re: Pricing for 200 seats"),
            ("body", "Hi Jo,\r\nThe quote is attached.\r\nBest, Mara"),
            ("note", "tightened"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let outbox = wait_for(&app, &t.admin_key, "/api/v1/outbox", |p| {
        p["items"].as_array().is_some_and(|i| !i.is_empty())
    })
    .await;
    let sent = &outbox["items"][0];
    assert_eq!(sent["approval_id"], first.as_str());
    assert!(
        sent.to_string().contains("The quote is attached."),
        "{sent}"
    );

    // Reject: a reason is required.
    let r = post_form(
        &app,
        &web,
        &session,
        &format!("/approvals/{second}/reject"),
        &[("csrf", &csrf), ("reason", " ")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("needs a reason"));
    let r = post_form(
        &app,
        &web,
        &session,
        &format!("/approvals/{second}/reject"),
        &[("csrf", &csrf), ("reason", "Not now")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let rejected = app
        .get_json(&t.admin_key, &format!("/api/v1/approvals/{second}"))
        .await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["note"], "Not now");
    let again = post_form(
        &app,
        &web,
        &session,
        &format!("/approvals/{second}/approve"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // A viewer signs in but has no inbox.
    let viewer = user(&app, &t.admin_key, "vic@skyvera.com", "Vic", "viewer").await;
    let viewer_session = session_of(&app, &web, &t.admin_key, &viewer, "vic@skyvera.com").await;
    let r = web
        .get(format!("{}/approvals", app.url))
        .header(COOKIE, format!("aa_session={viewer_session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let _ = other;
}

async fn deal_rooms_stay_inside_their_tenant(backend: Backend) {
    let app = testkit::spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let web = browser();
    let account = app
        .create(
            &other.admin_key,
            "/api/v1/accounts",
            json!({"name": "Theirs"}),
        )
        .await;
    let theirs = app
        .create(
            &other.admin_key,
            "/api/v1/opportunities",
            json!({"account_id": account["id"], "name": "Their deal",
                "amount": {"amount": "1", "currency": "EUR"}, "close_date": "2027-03-31"}),
        )
        .await;
    let theirs = theirs["id"].as_str().unwrap();
    let mine = app
        .create(
            &t.admin_key,
            "/api/v1/accounts",
            json!({"name": "Acme <script>"}),
        )
        .await;
    let deal = app
        .create(
            &t.admin_key,
            "/api/v1/opportunities",
            json!({"account_id": mine["id"], "name": "Mine",
                "amount": {"amount": "1", "currency": "EUR"}, "close_date": "2027-03-31"}),
        )
        .await;
    let deal = deal["id"].as_str().unwrap();
    let mara = user(&app, &t.admin_key, "mara@skyvera.com", "Mara", "viewer").await;
    let session = session_of(&app, &web, &t.admin_key, &mara, "mara@skyvera.com").await;
    let get = |path: String| {
        web.get(format!("{}{path}", app.url))
            .header(COOKIE, format!("aa_session={session}"))
            .send()
    };
    let room = get(format!("/deals/{deal}")).await.unwrap();
    assert_eq!(room.status(), StatusCode::OK);
    let html = room.text().await.unwrap();
    assert!(
        html.contains("Not qualified yet") && html.contains("No plan yet"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "names are escaped");
    let map = get(format!("/deals/{deal}/map.svg")).await.unwrap();
    assert_eq!(map.headers()["content-type"], "image/svg+xml");
    assert!(map.text().await.unwrap().starts_with("<svg"));
    let briefing = get(format!("/deals/{deal}/briefing")).await.unwrap();
    assert_eq!(briefing.status(), StatusCode::OK);
    let briefing = briefing.text().await.unwrap();
    assert!(
        briefing.contains("Questions to ask") && !briefing.contains("<script>"),
        "{briefing}"
    );
    for path in [
        format!("/deals/{theirs}"),
        format!("/deals/{theirs}/map.svg"),
        format!("/deals/{theirs}/briefing"),
        "/deals/not-an-id".into(),
    ] {
        assert_eq!(
            get(path.clone()).await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let list = get("/deals?stage=prospecting".into())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("Mine") && !list.contains("Their deal"),
        "{list}"
    );
    let anonymous = web
        .get(format!("{}/deals/{deal}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}

/// A multipart body with one file.
fn multipart(name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "aaboundary7";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn the_knowledge_page_uploads_and_searches_within_the_tenant(backend: Backend) {
    let app = testkit::spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let web = browser();
    let r = app
        .post(
            &other.admin_key,
            "/api/v1/knowledge/documents",
            &json!({"source": "secret.md", "content": "# Secret\n\nJigtree standby failover notes."}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let rep = user(&app, &t.admin_key, "rafa@skyvera.com", "Rafa", "rep").await;
    let session = session_of(&app, &web, &t.admin_key, &rep, "rafa@skyvera.com").await;
    let viewer = user(&app, &t.admin_key, "vic@skyvera.com", "Vic", "viewer").await;
    let viewer_session = session_of(&app, &web, &t.admin_key, &viewer, "vic@skyvera.com").await;
    let home = page(&app, &web, &session).await.text().await.unwrap();
    let csrf = csrf_field(&home);
    let upload = |session: String, csrf: String, name: &'static str, content: &'static [u8]| {
        let (content_type, body) = multipart(name, content);
        web.post(format!("{}/knowledge/upload?csrf={csrf}", app.url))
            .header(COOKIE, format!("aa_session={session}"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let before = app.snapshot(&[t.id, other.id]).await;
    let r = upload(session.clone(), "wrong".into(), "a.md", b"# A\n\ntext")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let viewer_home = page(&app, &web, &viewer_session)
        .await
        .text()
        .await
        .unwrap();
    let r = upload(
        viewer_session.clone(),
        csrf_field(&viewer_home),
        "a.md",
        b"# A\n\ntext",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = upload(session.clone(), csrf.clone(), "a.exe", b"MZ\x00\x01")
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(app.snapshot(&[t.id, other.id]).await, before);
    let r = upload(
        session.clone(),
        csrf.clone(),
        "failover.md",
        b"# Failover\n\nThe standby site takes over in 40 seconds.",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Failover was created."));
    let found = web
        .get(format!("{}/knowledge?q=standby+failover", app.url))
        .header(COOKIE, format!("aa_session={viewer_session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(found.contains("takes over in 40 seconds"), "{found}");
    assert!(
        found.contains("searchable (keywords)"),
        "the list says where ingestion stands: {found}"
    );
    assert!(
        !found.contains("Jigtree"),
        "another tenant's documents stay theirs"
    );
    assert!(
        !found.contains("Upload a document"),
        "viewers do not upload"
    );
}

async fn admin_pages_are_for_admins_and_their_forms(backend: Backend) {
    let app = testkit::spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let web = browser();
    let dora = user(&app, &t.admin_key, "dora@skyvera.com", "Dora", "admin").await;
    let admin = session_of(&app, &web, &t.admin_key, &dora, "dora@skyvera.com").await;
    let mara = user(&app, &t.admin_key, "mara@skyvera.com", "Mara", "manager").await;
    let manager = session_of(&app, &web, &t.admin_key, &mara, "mara@skyvera.com").await;
    let keys = |session: &str| {
        web.get(format!("{}/admin/keys", app.url))
            .header(COOKIE, format!("aa_session={session}"))
            .send()
    };
    assert_eq!(
        keys(&manager).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let html = keys(&admin).await.unwrap().text().await.unwrap();
    let csrf = csrf_field(&html);
    let theirs = app.get_json(&other.admin_key, "/api/v1/apikeys").await;
    let theirs = theirs["items"][0]["id"].as_str().unwrap().to_owned();
    let before = app.snapshot(&[t.id, other.id]).await;
    for (path, pairs, status) in [
        (
            "/admin/keys".to_owned(),
            vec![("csrf", "x"), ("name", "k"), ("role", "rep")],
            StatusCode::FORBIDDEN,
        ),
        (
            "/admin/keys".to_owned(),
            vec![("csrf", csrf.as_str()), ("name", "k"), ("role", "overlord")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/admin/keys".to_owned(),
            vec![("csrf", csrf.as_str()), ("name", " "), ("role", "rep")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("/admin/keys/{theirs}/revoke"),
            vec![("csrf", csrf.as_str())],
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/admin/keys/{theirs}/revoke"),
            vec![("csrf", "x")],
            StatusCode::FORBIDDEN,
        ),
    ] {
        let r = post_form(&app, &web, &admin, &path, &pairs).await;
        assert_eq!(r.status(), status, "{path} {pairs:?}");
    }
    let r = post_form(
        &app,
        &web,
        &manager,
        "/admin/keys",
        &[("csrf", &csrf), ("name", "k"), ("role", "admin")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot(&[t.id, other.id]).await, before);
    let r = post_form(
        &app,
        &web,
        &admin,
        "/admin/keys",
        &[("csrf", &csrf), ("name", "Sync"), ("role", "viewer")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(r.text().await.unwrap().contains("aa_"));
}

both_backends!(
    the_live_stream_tells_a_signed_in_page_what_changed,
    people_in_several_business_units_switch_between_them,
    admin_pages_are_for_admins_and_their_forms,
    the_knowledge_page_uploads_and_searches_within_the_tenant,
    people_sign_in_and_out,
    approvals_are_decided_in_the_inbox,
    deal_rooms_stay_inside_their_tenant,
);

async fn people_in_several_business_units_switch_between_them(backend: Backend) {
    let app = testkit::spawn_app(backend).await;
    let sky = app.tenant("skyvera").await;
    let jig = app.tenant("jigtree").await;
    let web = browser();
    let in_sky = user(&app, &sky.admin_key, "mara@corp.example", "Mara", "manager").await;
    let in_jig = user(&app, &jig.admin_key, "Mara@corp.example", "Mara J", "rep").await;
    assert_eq!(
        set_password(&app, &sky.admin_key, &in_sky, PASSWORD)
            .await
            .status(),
        204
    );
    assert_eq!(
        set_password(&app, &jig.admin_key, &in_jig, "jigtree's own password")
            .await
            .status(),
        204
    );
    // Signs in with the form and the cookies given; answers the response.
    let sign_in_with = |unit: &'static str, password: &'static str, cookies: String| {
        let web = web.clone();
        let url = app.url.clone();
        async move {
            let form = web.get(format!("{url}/login")).send().await.unwrap();
            let (csrf, _) = set_cookie(&form, "aa_login_csrf").unwrap();
            web.post(format!("{url}/login"))
                .header(COOKIE, format!("aa_login_csrf={csrf}; {cookies}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(
                    serde_urlencoded::to_string([
                        ("csrf", csrf.as_str()),
                        ("tenant", unit),
                        ("email", "mara@corp.example"),
                        ("password", password),
                    ])
                    .unwrap(),
                )
                .send()
                .await
                .unwrap()
        }
    };
    let home = |cookies: String| {
        let web = web.clone();
        let url = app.url.clone();
        async move {
            let r = web
                .get(format!("{url}/"))
                .header(COOKIE, cookies)
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap_or_default())
        }
    };

    // The browser remembers the units it signed in to; the switcher offers the others only.
    let first = sign_in_with("skyvera", PASSWORD, String::new()).await;
    let (sky_session, _) = set_cookie(&first, "aa_session").unwrap();
    let (units, line) = set_cookie(&first, "aa_units").unwrap();
    assert_eq!(units, "skyvera");
    assert!(
        line.contains("HttpOnly") && line.contains("Max-Age=7776000"),
        "{line}"
    );
    let (_, page) = home(format!("aa_session={sky_session}; aa_units={units}")).await;
    assert!(
        !page.contains("name=\"switch\""),
        "nowhere else yet: {page}"
    );

    // Signing in to Jigtree (typing its name) from a browser signed in to Skyvera ends the
    // Skyvera session and remembers both units, the newest first.
    let second = sign_in_with(
        "jigtree",
        "jigtree's own password",
        format!("aa_session={sky_session}; aa_units={units}"),
    )
    .await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let (jig_session, _) = set_cookie(&second, "aa_session").unwrap();
    let (units, _) = set_cookie(&second, "aa_units").unwrap();
    assert_eq!(units, "jigtree.skyvera");
    assert_eq!(
        home(format!("aa_session={sky_session}")).await.0,
        StatusCode::SEE_OTHER
    );
    let (_, page) = home(format!("aa_session={jig_session}; aa_units={units}")).await;
    assert!(page.contains("Mara J"), "{page}");
    assert!(
        page.contains("name=\"switch\"") && page.contains("value=\"skyvera\""),
        "{page}"
    );
    assert!(
        !page.contains("value=\"jigtree\""),
        "the current one is not offered"
    );
    // Anything else in the cookie is only a name, and junk is ignored.
    let (_, page) = home(format!(
        "aa_session={jig_session}; aa_units=jigtree.<b>x</b>.nowhere"
    ))
    .await;
    assert!(
        page.contains("value=\"nowhere\"") && !page.contains("<b>x"),
        "{page}"
    );

    // The switcher opens the sign-in form for the other unit though a session exists; that
    // unit's own password is needed, and a wrong one leaves the current session alone.
    let form = web
        .get(format!(
            "{}/login?tenant=skyvera&email=mara@corp.example&switch=1",
            app.url
        ))
        .header(COOKIE, format!("aa_session={jig_session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    assert!(
        form.text()
            .await
            .unwrap()
            .contains("enter the one for skyvera")
    );
    let cookies = format!("aa_session={jig_session}; aa_units={units}");
    let wrong = sign_in_with("skyvera", "jigtree's own password", cookies.clone()).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(home(cookies.clone()).await.0, StatusCode::OK);
    let back = sign_in_with("skyvera", PASSWORD, cookies.clone()).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let (units, _) = set_cookie(&back, "aa_units").unwrap();
    assert_eq!(units, "skyvera.jigtree");
    assert_eq!(home(cookies).await.0, StatusCode::SEE_OTHER);
}

async fn the_live_stream_tells_a_signed_in_page_what_changed(backend: Backend) {
    let app = testkit::spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let web = browser();
    let mara = user(&app, &t.admin_key, "mara@skyvera.com", "Mara", "manager").await;
    let session = session_of(&app, &web, &t.admin_key, &mara, "mara@skyvera.com").await;
    let anonymous = web.get(format!("{}/live", app.url)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let mut live = web
        .get(format!("{}/live", app.url))
        .header(COOKIE, format!("aa_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(live.headers()["content-type"], "text/event-stream");
    // Another tenant's change says nothing here; this tenant's says what kind it was.
    app.create(
        &other.admin_key,
        "/api/v1/accounts",
        json!({"name": "Theirs"}),
    )
    .await;
    app.create(&t.admin_key, "/api/v1/accounts", json!({"name": "Ours"}))
        .await;
    let mut seen = String::new();
    while !seen.contains("data: account.created") {
        // Within ten seconds, and the stream stays open.
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), live.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: change"), "{seen}");
    assert!(
        !seen.contains("Ours") && !seen.contains("Theirs"),
        "kinds only: {seen}"
    );
    assert_eq!(seen.matches("data: account.created").count(), 1, "{seen}");
}
