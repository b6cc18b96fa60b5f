//! The web UI for people: server-rendered HTML from templates compiled into the binary, one
//! stylesheet served from the binary, no external resources. This part: signing in with a
//! password (argon2), cookie sessions with CSRF tokens, signing out, and the home page. API keys
//! stay for machines.

pub mod admin;
pub mod approvals;
pub mod charts;
pub mod dashboard;
pub mod deals;
pub mod knowledge;
pub mod live;
pub mod password;
pub mod session;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY as CONTENT_SECURITY_POLICY_HEADER, CONTENT_TYPE,
    LOCATION, REFERRER_POLICY, SET_COOKIE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use domain::actor::Actor;
use domain::id::SessionId;
use domain::session::WebSession;
use domain::text::Email;
use domain::user::{Role, User};
use serde::Deserialize;
use store::{Filter, SqlValue, WriteCtx};

use self::session::{
    LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_SECONDS, Signed, UNITS_COOKIE, UNITS_SECONDS,
    cookie, new_token, random_hex, same, set_cookie, signed_in, token_hash, units_after_sign_in,
};
use crate::state::AppState;

const STYLESHEET: &str = include_str!("../../assets/app.css");
const LIVE_SCRIPT: &str = include_str!("../../assets/live.js");

/// What a page may load: only this server's own stylesheet, script and images, no frames.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// The web UI's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/live.js", get(live_script))
        .route("/live", get(live::stream))
        .route("/dashboard", get(dashboard::show))
        .route("/deals", get(deals::list))
        .route("/deals/{id}", get(deals::room))
        .route("/deals/{id}/map.svg", get(deals::map))
        .route("/deals/{id}/briefing", get(deals::briefing))
        .route("/knowledge", get(knowledge::show))
        .route("/knowledge/upload", axum::routing::post(knowledge::upload))
        .route("/admin", get(admin::overview::show))
        .route(
            "/admin/keys",
            get(admin::keys::keys).post(admin::keys::create),
        )
        .route("/admin/keys/{id}/revoke", post(admin::keys::revoke))
        .route(
            "/admin/users",
            get(admin::show::<admin::users::Users>).post(admin::users::create),
        )
        .route("/admin/users/{id}/role", post(admin::users::role))
        .route("/admin/users/{id}/active", post(admin::users::active))
        .route("/admin/users/{id}/password", post(admin::users::password))
        .route(
            "/admin/regions",
            get(admin::show::<admin::regions::Regions>).post(admin::regions::create),
        )
        .route("/admin/regions/{id}", post(admin::regions::update))
        .route("/admin/regions/{id}/delete", post(admin::regions::delete))
        .route(
            "/admin/products",
            get(admin::show::<admin::catalog::Catalog>).post(admin::catalog::create),
        )
        .route("/admin/products/prices", post(admin::catalog::add_price))
        .route(
            "/admin/products/prices/{id}/delete",
            post(admin::catalog::delete_price),
        )
        .route("/admin/products/{id}", post(admin::catalog::update))
        .route("/admin/products/{id}/active", post(admin::catalog::active))
        .route(
            "/admin/personas",
            get(admin::personas::show).post(admin::personas::save),
        )
        .route("/admin/personas/choose", post(admin::personas::choose))
        .route(
            "/admin/guardrails",
            get(admin::show::<admin::policy::Policy>).post(admin::policy::save),
        )
        .route(
            "/admin/llm",
            get(admin::show::<admin::llm::Llm>).post(admin::llm::save),
        )
        .route("/admin/usage", get(admin::usage::show))
        .route(
            "/admin/credentials",
            get(admin::show::<admin::credentials::Credentials>).post(admin::credentials::save),
        )
        .route(
            "/admin/credentials/{integration}/delete",
            post(admin::credentials::delete),
        )
        .route("/approvals", get(approvals::list))
        .route("/approvals/{id}", get(approvals::detail))
        .route(
            "/approvals/{id}/approve",
            axum::routing::post(approvals::approve),
        )
        .route(
            "/approvals/{id}/reject",
            axum::routing::post(approvals::reject),
        )
}

/// A link of the navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the navigation shows for a role: only pages that exist and the role may open.
fn navigation(role: Role, here: &str) -> Vec<NavItem> {
    let mut links = vec![
        ("/", "Home"),
        ("/dashboard", "Dashboard"),
        ("/deals", "Deals"),
        ("/knowledge", "Knowledge"),
    ];
    if role.can_write() {
        links.push(("/approvals", "Approvals"));
    }
    if role.is_admin() {
        links.push(("/admin", "Admin"));
        links.push(("/api/openapi.json", "API reference"));
    }
    links
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            current: href == here || (href == "/admin" && here.starts_with("/admin/")),
        })
        .collect()
}

/// What every signed-in page shows around its content: the navigation and who is signed in.
pub struct Chrome {
    pub tenant: String,
    pub name: String,
    pub role: Role,
    /// The session's CSRF token, for the page's forms.
    pub csrf: String,
    pub nav: Vec<NavItem>,
    /// The person's email, for switching business units.
    pub email: String,
    /// Other business units this browser signed in to, by short name.
    pub switch: Vec<String>,
}

impl Chrome {
    fn of(signed: &Signed, here: &str) -> Self {
        Self {
            tenant: signed.tenant_name.clone(),
            name: signed.user.name.clone(),
            role: signed.user.role,
            csrf: signed.session.csrf_token.clone(),
            nav: navigation(signed.user.role, here),
            email: signed.user.email.as_str().to_owned(),
            switch: signed.other_units.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    /// Switching from another business unit (the form says the password is this one's).
    switching: bool,
    csrf: &'a str,
    tenant: &'a str,
    email: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    chrome: Chrome,
    email: &'a str,
    pending: usize,
}

/// A page, or a plain 500 that says nothing of the cause (which is logged).
pub(crate) fn page(status: StatusCode, template: &impl Template, cookies: &[String]) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            let headers = response.headers_mut();
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(
                CONTENT_SECURITY_POLICY_HEADER,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            );
            headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
            for c in cookies {
                if let Ok(value) = HeaderValue::from_str(c) {
                    headers.append(SET_COOKIE, value);
                }
            }
            response
        }
        Err(e) => server_error(&e.to_string()),
    }
}

pub(crate) fn server_error(detail: &str) -> Response {
    tracing::error!(error = %detail, "web page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html("<h1>Something went wrong</h1>"),
    )
        .into_response()
}

pub(crate) fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(to) {
        headers.insert(LOCATION, location);
    }
    for c in cookies {
        if let Ok(value) = HeaderValue::from_str(c) {
            headers.append(SET_COOKIE, value);
        }
    }
    response
}

pub(crate) fn forbidden(detail: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(format!(
            "<h1>Forbidden</h1><p>{}</p><p><a href=\"/login\">Sign in again</a></p>",
            askama::filters::escape(detail, askama::filters::Html)
                .map(|s| s.to_string())
                .unwrap_or_default()
        )),
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

async fn live_script() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        LIVE_SCRIPT,
    )
        .into_response()
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match signed_in(&state, &headers).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return redirect("/login", &[]),
        Err(e) => return server_error(&e.to_string()),
    };
    let pending = match approvals::pending_count(&state, signed.tenant).await {
        Ok(n) => n,
        Err(e) => return server_error(&e.to_string()),
    };
    page(
        StatusCode::OK,
        &HomePage {
            chrome: Chrome::of(&signed, "/"),
            email: signed.user.email.as_str(),
            pending,
        },
        &[],
    )
}

/// Optional prefill of the sign-in form.
#[derive(Debug, Default, Deserialize)]
struct LoginQuery {
    tenant: Option<String>,
    email: Option<String>,
    /// Set by the tenant switcher: show the form though a session exists.
    switch: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: axum::extract::Query<LoginQuery>,
) -> Response {
    // Signed in already: home, unless switching to another business unit.
    if query.switch.is_none()
        && let Ok(Some(_)) = signed_in(&state, &headers).await
    {
        return redirect("/", &[]);
    }
    login_form(
        StatusCode::OK,
        query.tenant.as_deref().unwrap_or(""),
        query.email.as_deref().unwrap_or(""),
        None,
        state.config.secure_cookies,
    )
}

/// The form with a fresh CSRF token, set as a cookie too (double submit).
fn login_form(
    status: StatusCode,
    tenant: &str,
    email: &str,
    error: Option<&str>,
    secure: bool,
) -> Response {
    let switching = !tenant.is_empty() && !email.is_empty() && error.is_none();
    let Ok(csrf) = random_hex(16) else {
        return server_error("no random source for the sign-in token");
    };
    let cookie = set_cookie(LOGIN_CSRF_COOKIE, &csrf, "/login", "Strict", 3600, secure);
    page(
        status,
        &LoginPage {
            switching,
            csrf: &csrf,
            tenant,
            email,
            error,
        },
        &[cookie],
    )
}

/// The sign-in form as posted.
#[derive(Debug, Deserialize)]
struct LoginForm {
    csrf: String,
    tenant: String,
    email: String,
    password: String,
}

/// Most bytes a posted form may have.
const MAX_FORM_BYTES: usize = 16 * 1024;

async fn login(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let secure = state.config.secure_cookies;
    if body.len() > MAX_FORM_BYTES {
        return (StatusCode::PAYLOAD_TOO_LARGE, Html("<h1>Too large</h1>")).into_response();
    }
    let Ok(form) = serde_urlencoded::from_bytes::<LoginForm>(&body) else {
        return login_form(
            StatusCode::BAD_REQUEST,
            "",
            "",
            Some("The form was incomplete; please try again."),
            secure,
        );
    };
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same(&expected, &form.csrf) {
        return forbidden("The sign-in form expired or came from another site.");
    }
    let wrong = || {
        login_form(
            StatusCode::UNAUTHORIZED,
            &form.tenant,
            &form.email,
            Some("The business unit, email or password is wrong."),
            secure,
        )
    };
    let user = match find_user(&state, &form.tenant, &form.email).await {
        Ok(user) => user,
        Err(e) => return server_error(&e.to_string()),
    };
    let stored = match &user {
        Some((tenant, user)) => match state.store.password_hash(*tenant, user.id).await {
            Ok(stored) => stored,
            Err(e) => return server_error(&e.to_string()),
        },
        None => None,
    };
    // Always one argon2 check, so an unknown email takes as long as a wrong password.
    let matches = password::verify(form.password.clone(), stored).await;
    let Some((tenant, user)) = user.filter(|(_, u)| matches && u.active) else {
        return wrong();
    };
    // The unit's short name as the registry has it (sign-in found it by this name).
    let unit = form.tenant.trim().to_ascii_lowercase();
    // Switching business units: the session of the one left ends with this sign-in.
    if let Ok(Some(previous)) = signed_in(&state, &headers).await {
        let w = WriteCtx::new(
            previous.tenant,
            Actor::user(previous.user.id, previous.user.role),
            None,
        );
        if let Err(e) = state
            .store
            .delete_session(&w, &token_hash(&previous.token))
            .await
        {
            return server_error(&e.to_string());
        }
    }
    match start_session(&state, tenant, &user).await {
        Ok(token) => redirect(
            "/",
            &[
                set_cookie(SESSION_COOKIE, &token, "/", "Lax", SESSION_SECONDS, secure),
                set_cookie(LOGIN_CSRF_COOKIE, "", "/login", "Strict", 0, secure),
                set_cookie(
                    UNITS_COOKIE,
                    &units_after_sign_in(&headers, &unit),
                    "/",
                    "Lax",
                    UNITS_SECONDS,
                    secure,
                ),
            ],
        ),
        Err(e) => server_error(&e),
    }
}

/// The user with this email in the named business unit.
async fn find_user(
    state: &AppState,
    tenant: &str,
    email: &str,
) -> Result<Option<(domain::id::TenantId, User)>, store::Error> {
    let (Ok(email), Some(tenant)) = (
        Email::parse(email),
        state.store.tenant_id_by_name(tenant).await?,
    ) else {
        return Ok(None);
    };
    let users: Vec<User> = state
        .store
        .list_all(
            tenant,
            vec![Filter::Eq(
                "lower(email)",
                SqlValue::text(email.as_str().to_lowercase()),
            )],
            1,
        )
        .await?;
    Ok(users.into_iter().next().map(|u| (tenant, u)))
}

async fn start_session(
    state: &AppState,
    tenant: domain::id::TenantId,
    user: &User,
) -> Result<String, String> {
    let token = new_token(tenant).map_err(|e| e.to_string())?;
    let csrf = random_hex(32).map_err(|e| e.to_string())?;
    let now = store::now();
    let session = WebSession {
        id: SessionId::generate(),
        user_id: user.id,
        token_hash: token_hash(&token),
        csrf_token: csrf,
        created_at: now,
        expires_at: now
            .checked_add(jiff::SignedDuration::from_secs(SESSION_SECONDS))
            .map_err(|e| e.to_string())?,
    };
    let w = WriteCtx::new(tenant, Actor::user(user.id, user.role), None);
    state
        .store
        .create_session(&w, &session)
        .await
        .map_err(|e| e.to_string())?;
    Ok(token)
}

/// A form that only carries the CSRF token.
#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let signed = match signed_in(&state, &headers).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return redirect("/login", &[]),
        Err(e) => return server_error(&e.to_string()),
    };
    let csrf = serde_urlencoded::from_bytes::<CsrfForm>(&body)
        .map(|f| f.csrf)
        .unwrap_or_default();
    if !same(&csrf, &signed.session.csrf_token) {
        return forbidden("The form expired or came from another site.");
    }
    let w = WriteCtx::new(
        signed.tenant,
        Actor::user(signed.user.id, signed.user.role),
        None,
    );
    if let Err(e) = state
        .store
        .delete_session(&w, &token_hash(&signed.token))
        .await
    {
        return server_error(&e.to_string());
    }
    redirect(
        "/login",
        &[set_cookie(
            SESSION_COOKIE,
            "",
            "/",
            "Lax",
            0,
            state.config.secure_cookies,
        )],
    )
}
