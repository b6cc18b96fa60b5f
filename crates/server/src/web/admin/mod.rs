//! The tenant admin console (admins only): the tenant's settings and figures, users and roles,
//! regions, products and price books, reps' personas, the guardrail policy, LLM routes and
//! budgets, integration credentials (write-only), traces and usage, and API keys.
//!
//! Every section is one page drawn by the same template from tables and forms
//! ([`Section`]); every write is a posted form carrying the session's CSRF token, checked by the
//! same domain rules as the API, and answered by a redirect back to the section (or the page
//! again with the error, having written nothing).

pub mod catalog;
pub mod credentials;
pub mod keys;
pub mod llm;
pub mod overview;
pub mod personas;
pub mod policy;
pub mod regions;
pub mod usage;
pub mod users;

use askama::Template;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::actor::Actor;
use store::WriteCtx;

use super::session::{Signed, same, signed_in};
use super::{Chrome, forbidden, page, redirect, server_error};
use crate::error::ApiError;
use crate::state::AppState;

/// Most bytes an admin form may have.
pub(crate) const MAX_FORM_BYTES: usize = 64 * 1024;

/// A link of the console's own navigation.
pub struct SectionLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The console's sections, in the order the navigation shows them.
pub const SECTIONS: &[(&str, &str)] = &[
    ("/admin", "Tenant"),
    ("/admin/users", "Users and roles"),
    ("/admin/regions", "Regions"),
    ("/admin/products", "Products and price books"),
    ("/admin/personas", "Personas"),
    ("/admin/guardrails", "Guardrail policy"),
    ("/admin/llm", "LLM routes and budgets"),
    ("/admin/credentials", "Integration credentials"),
    ("/admin/usage", "Traces and usage"),
    ("/admin/keys", "API keys"),
];

pub(crate) fn admin_sections(here: &str) -> Vec<SectionLink> {
    SECTIONS
        .iter()
        .map(|(href, label)| SectionLink {
            href,
            label,
            current: *href == here,
        })
        .collect()
}

/// The signed-in admin, or the response for anyone else.
pub(crate) async fn admin(state: &AppState, headers: &HeaderMap) -> Result<Signed, Response> {
    match signed_in(state, headers).await {
        Ok(Some(signed)) if signed.user.role.is_admin() => Ok(signed),
        Ok(Some(_)) => Err(forbidden("The admin console is for admins.")),
        Ok(None) => Err(redirect("/login", &[])),
        Err(e) => Err(server_error(&e.to_string())),
    }
}

pub(crate) fn write_ctx(signed: &Signed) -> WriteCtx {
    WriteCtx::new(
        signed.tenant,
        Actor::user(signed.user.id, signed.user.role),
        None,
    )
}

/// A posted form's fields.
pub struct FormData(Vec<(String, String)>);

impl FormData {
    /// The first value of a field, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The first value of a field as given (passwords and secrets are not trimmed).
    pub fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// A field's value, or `None` when empty.
    pub fn optional(&self, name: &str) -> Option<&str> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// Whether a checkbox was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && v == "true")
    }
}

/// The admin and the form of a POST, with its CSRF token checked; or the response to send.
pub(crate) async fn posted(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(Signed, FormData), Response> {
    let signed = admin(state, headers).await?;
    if body.len() > MAX_FORM_BYTES {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::response::Html("<h1>The form is too large</h1>"),
        )
            .into_response());
    }
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) else {
        return Err(forbidden("The form could not be read."));
    };
    let form = FormData(fields);
    if !same(form.get("csrf"), &signed.session.csrf_token) {
        return Err(forbidden("The form expired or came from another site."));
    }
    Ok((signed, form))
}

/// The words a person reads for a failed write: the API's problem detail (internal errors say
/// nothing of their cause, which is logged).
pub(crate) fn problem(e: impl Into<ApiError>) -> (StatusCode, String) {
    let e: ApiError = e.into();
    if e.status().is_server_error() {
        tracing::error!(error = ?e, "admin console write failed");
    }
    (e.status(), e.detail().to_owned())
}

/// Back to a section after a write, saying what happened.
pub(crate) fn done(section: &str, notice: Notice) -> Response {
    redirect(&format!("{section}?done={}", notice.key()), &[])
}

/// A section of the console: where it lives and how its page is drawn (with a notice after a
/// write, or the error of one that failed).
pub(crate) trait AdminSection {
    const HERE: &'static str;

    fn render(
        state: &AppState,
        signed: &Signed,
        status: StatusCode,
        notice: Option<&'static str>,
        error: Option<String>,
    ) -> impl std::future::Future<Output = Response> + Send;
}

/// `GET` of a section: its page, saying what the last write did.
pub(crate) async fn show<S: AdminSection>(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<DoneQuery>,
) -> Response {
    match admin(&state, &headers).await {
        Ok(signed) => {
            let notice = Notice::from_query(query.done.as_deref());
            S::render(&state, &signed, StatusCode::OK, notice, None).await
        }
        Err(response) => response,
    }
}

/// After a write: back to the section saying what happened, or its page again with the error.
pub(crate) async fn answer<S: AdminSection>(
    state: &AppState,
    signed: &Signed,
    result: Result<(), Failed>,
    notice: Notice,
) -> Response {
    match result {
        Ok(()) => done(S::HERE, notice),
        Err((status, detail)) => S::render(state, signed, status, None, Some(detail)).await,
    }
}

/// What a redirect after a write says; a fixed set, so a link cannot put words on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Saved,
    Created,
    Deleted,
    PasswordSet,
}

impl Notice {
    fn key(self) -> &'static str {
        match self {
            Notice::Saved => "saved",
            Notice::Created => "created",
            Notice::Deleted => "deleted",
            Notice::PasswordSet => "password",
        }
    }

    /// The notice a `done` query names.
    pub fn from_query(raw: Option<&str>) -> Option<&'static str> {
        Some(match raw? {
            "saved" => "Saved.",
            "created" => "Created.",
            "deleted" => "Deleted.",
            "password" => "Password set; the user's sessions have ended.",
            _ => return None,
        })
    }
}

/// The `?done=` of a section page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// An input of a form.
pub struct Field {
    pub name: &'static str,
    pub label: String,
    /// `text`, `email`, `password`, `number`, `select`, `textarea`, `checkbox` or `hidden`.
    pub kind: &'static str,
    pub value: String,
    /// For selects: value, label, chosen.
    pub options: Vec<(String, String, bool)>,
    pub required: bool,
    pub hint: Option<String>,
}

impl Field {
    fn new(kind: &'static str, name: &'static str, label: impl Into<String>) -> Self {
        Self {
            name,
            label: label.into(),
            kind,
            value: String::new(),
            options: Vec::new(),
            required: true,
            hint: None,
        }
    }

    pub fn text(name: &'static str, label: impl Into<String>) -> Self {
        Self::new("text", name, label)
    }

    pub fn email(name: &'static str, label: impl Into<String>) -> Self {
        Self::new("email", name, label)
    }

    pub fn password(name: &'static str, label: impl Into<String>) -> Self {
        Self::new("password", name, label)
    }

    pub fn number(name: &'static str, label: impl Into<String>) -> Self {
        Self::new("number", name, label)
    }

    /// A value the form carries without showing it (row actions only).
    pub fn hidden(name: &'static str, value: impl Into<String>) -> Self {
        Self::new("hidden", name, name).value(value)
    }

    pub fn textarea(name: &'static str, label: impl Into<String>) -> Self {
        Self::new("textarea", name, label)
    }

    pub fn checkbox(name: &'static str, label: impl Into<String>, checked: bool) -> Self {
        let mut field = Self::new("checkbox", name, label);
        field.required = false;
        field.value = if checked { "true" } else { "" }.to_owned();
        field
    }

    /// A select of `(value, label)` options, `chosen` selected.
    pub fn select(
        name: &'static str,
        label: impl Into<String>,
        options: impl IntoIterator<Item = (String, String)>,
        chosen: &str,
    ) -> Self {
        let mut field = Self::new("select", name, label);
        field.options = options
            .into_iter()
            .map(|(value, label)| {
                let selected = value == chosen;
                (value, label, selected)
            })
            .collect();
        field
    }

    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }

    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A small form in a table row: inline fields and one button.
pub struct RowAction {
    pub action: String,
    pub submit: String,
    /// What the button does to what, for screen readers ("Delete region EMEA").
    pub aria: String,
    pub fields: Vec<Field>,
    pub danger: bool,
}

/// A row: its cells and its actions.
pub struct TableRow {
    pub cells: Vec<String>,
    pub actions: Vec<RowAction>,
}

/// A table with a caption.
pub struct Table {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
    /// Said when there are no rows.
    pub empty: String,
}

/// A form of the section.
pub struct FormSpec {
    pub id: &'static str,
    pub title: String,
    pub action: String,
    pub submit: String,
    pub fields: Vec<Field>,
}

/// One section page: facts, tables and forms.
#[derive(Template)]
#[template(path = "admin_section.html")]
pub struct Section {
    pub chrome: Chrome,
    pub sections: Vec<SectionLink>,
    pub title: String,
    pub intro: String,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    /// Label and value.
    pub facts: Vec<(String, String)>,
    pub tables: Vec<Table>,
    /// Links after the tables (pages of a long list): href and label.
    pub links: Vec<(String, String)>,
    pub forms: Vec<FormSpec>,
}

impl Section {
    /// An empty section page at `here`.
    pub fn new(signed: &Signed, here: &'static str, intro: impl Into<String>) -> Self {
        let title = SECTIONS
            .iter()
            .find(|(href, _)| *href == here)
            .map_or("Admin", |(_, label)| label);
        Self {
            chrome: Chrome::of(signed, here),
            sections: admin_sections(here),
            title: title.to_owned(),
            intro: intro.into(),
            notice: None,
            error: None,
            facts: Vec::new(),
            tables: Vec::new(),
            links: Vec::new(),
            forms: Vec::new(),
        }
    }

    /// The page with this status.
    pub fn respond(&self, status: StatusCode) -> Response {
        page(status, self, &[])
    }
}

/// When a moment happened, to the minute (UTC).
pub(crate) fn when(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// Why a write from a form failed: the status and the words to show.
pub(crate) type Failed = (StatusCode, String);

/// Reads a form's values (as the API's JSON) into an input type, or says why it cannot.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(input: serde_json::Value) -> Result<T, Failed> {
    serde_json::from_value(input).map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
}

/// Builds an object from a form's values through the domain's own checks and stores it.
pub(crate) async fn create_from<R, N>(
    state: &AppState,
    signed: &Signed,
    input: serde_json::Value,
    into: impl FnOnce(N, jiff::Timestamp) -> domain::error::Result<R>,
) -> Result<R, Failed>
where
    R: store::Resource + Clone,
    N: serde::de::DeserializeOwned,
{
    let new: N = parse(input)?;
    let rec = into(new, store::now()).map_err(problem)?;
    state
        .store
        .create(&write_ctx(signed), rec.clone(), None)
        .await
        .map_err(problem)?;
    Ok(rec)
}

/// Applies a patch read from a form's values to the object with the id of a path.
pub(crate) async fn patch_from<R, P>(
    state: &AppState,
    signed: &Signed,
    raw_id: &str,
    input: serde_json::Value,
    apply: impl FnOnce(P, &mut R) -> domain::error::Result<()> + Send,
) -> Result<R, Failed>
where
    R: store::Resource,
    P: serde::de::DeserializeOwned + Send,
{
    let id = path_id(raw_id)?;
    let patch: P = parse(input)?;
    state
        .store
        .update(&write_ctx(signed), id, None, move |r: &mut R| {
            apply(patch, r)
        })
        .await
        .map_err(problem)
}

/// Deletes the object with the id of a path (refused while others refer to it).
pub(crate) async fn delete_from<R: store::Resource>(
    state: &AppState,
    signed: &Signed,
    raw_id: &str,
) -> Result<(), Failed> {
    let id = path_id(raw_id)?;
    state
        .store
        .delete::<R>(&write_ctx(signed), id, None)
        .await
        .map_err(problem)
}

fn path_id(raw: &str) -> Result<uuid::Uuid, Failed> {
    uuid::Uuid::try_parse(raw).map_err(|_| (StatusCode::NOT_FOUND, "No such object.".to_owned()))
}
