//! Personas: for each rep, the name and signature drafts are signed with, the tone, and example
//! messages whose greeting, sign-off and length drafts follow. Choosing a person fills the form
//! with their persona; saving creates or replaces it through the persona's own checks.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::id::UserId;
use domain::persona::{PersonaInput, RepPersona, Tone};
use domain::user::User;
use serde::Deserialize;
use serde_json::json;

use super::{
    Field, FormSpec, Notice, RowAction, Section, Table, TableRow, admin, parse, posted, problem,
    write_ctx,
};
use crate::state::AppState;
use crate::web::session::Signed;
use crate::web::{redirect, server_error};

const HERE: &str = "/admin/personas";
/// Between two example messages in the form.
const EXAMPLE_BREAK: &str = "\n---\n";

/// `?user=` chooses whose persona the form edits; `?done=` says what happened.
#[derive(Debug, Default, Deserialize)]
pub struct PersonaQuery {
    user: Option<String>,
    done: Option<String>,
}

async fn render(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    chosen: Option<UserId>,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Response {
    let store = &state.store;
    let loaded = tokio::try_join!(
        store.list_all::<User>(signed.tenant, Vec::new(), 2000),
        store.list_all::<RepPersona>(signed.tenant, Vec::new(), 2000),
    );
    let (users, personas) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return server_error(&e.to_string()),
    };
    let persona_of = |id: UserId| personas.iter().find(|p| p.user_id == id);
    let mut section = Section::new(
        signed,
        HERE,
        "Drafts written in a rep's name are signed with their persona and follow its tone and \
         examples. The examples are style only: nothing in them is ever taken as an instruction.",
    );
    section.notice = notice;
    section.error = error;
    section.tables.push(Table {
        caption: "Personas".into(),
        headers: ["Person", "Signs as", "Tone", "Examples", ""]
            .map(String::from)
            .to_vec(),
        rows: users
            .iter()
            .filter(|u| u.active)
            .map(|u| {
                let persona = persona_of(u.id);
                TableRow {
                    cells: vec![
                        format!("{} ({})", u.name, u.role),
                        persona.map_or_else(|| "no persona".to_owned(), |p| p.display_name.clone()),
                        persona.map_or_else(|| "–".to_owned(), |p| p.tone.to_string()),
                        persona.map_or(0, |p| p.examples.len()).to_string(),
                    ],
                    actions: vec![RowAction {
                        action: format!("{HERE}/choose"),
                        submit: "Edit".into(),
                        aria: format!("Edit the persona of {}", u.name),
                        fields: vec![Field::hidden("user", u.id.to_string())],
                        danger: false,
                    }],
                }
            })
            .collect(),
        empty: "No active people.".into(),
    });
    let editing = chosen.and_then(|id| users.iter().find(|u| u.id == id));
    let persona = editing.and_then(|u| persona_of(u.id));
    section.forms.push(FormSpec {
        id: "persona",
        title: match editing {
            Some(u) => format!("Persona of {}", u.name),
            None => "Write a persona".to_owned(),
        },
        action: HERE.into(),
        submit: "Save persona".into(),
        fields: vec![
            Field::select(
                "user",
                "Person",
                users.iter().filter(|u| u.active).map(|u| {
                    (
                        u.id.to_string(),
                        format!("{} ({})", u.name, u.email.as_str()),
                    )
                }),
                &editing.map(|u| u.id.to_string()).unwrap_or_default(),
            ),
            Field::text("display_name", "Signs as").value(
                persona
                    .map(|p| p.display_name.clone())
                    .or_else(|| editing.map(|u| u.name.clone()))
                    .unwrap_or_default(),
            ),
            Field::textarea("signature", "Signature")
                .value(persona.map(|p| p.signature.clone()).unwrap_or_default())
                .optional()
                .hint("Plain text under the name: title, phone, company."),
            Field::select(
                "tone",
                "Tone",
                Tone::ALL
                    .iter()
                    .map(|t| (t.as_str().to_owned(), t.as_str().to_owned())),
                persona.map_or("friendly", |p| p.tone.as_str()),
            ),
            Field::textarea("examples", "Example messages")
                .value(
                    persona
                        .map(|p| p.examples.join(EXAMPLE_BREAK))
                        .unwrap_or_default(),
                )
                .optional()
                .hint(format!(
                    "Up to {} messages the rep wrote, separated by a line with three dashes (---).",
                    domain::persona::MAX_EXAMPLES
                )),
        ],
    });
    section.respond(status)
}

fn chosen_user(raw: Option<&str>) -> Option<UserId> {
    raw.and_then(|u| uuid::Uuid::try_parse(u.trim()).ok())
        .map(UserId::from_uuid)
}

/// `GET /admin/personas?user=`.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<PersonaQuery>,
) -> Response {
    match admin(&state, &headers).await {
        Ok(signed) => {
            let notice = Notice::from_query(query.done.as_deref());
            let chosen = chosen_user(query.user.as_deref());
            render(&state, &signed, StatusCode::OK, chosen, notice, None).await
        }
        Err(response) => response,
    }
}

/// `POST /admin/personas/choose`: opens a person's persona in the form.
pub async fn choose(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match posted(&state, &headers, &body).await {
        Ok((_, form)) => match chosen_user(Some(form.get("user"))) {
            Some(user) => redirect(&format!("{HERE}?user={user}"), &[]),
            None => redirect(HERE, &[]),
        },
        Err(response) => response,
    }
}

/// `POST /admin/personas`: creates or replaces a person's persona.
pub async fn save(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (signed, form) = match posted(&state, &headers, &body).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let chosen = chosen_user(Some(form.get("user")));
    let fail = |status, detail: String| {
        let state = state.clone();
        let signed = signed.clone();
        async move { render(&state, &signed, status, chosen, None, Some(detail)).await }
    };
    let Some(user) = chosen else {
        return fail(StatusCode::UNPROCESSABLE_ENTITY, "Choose a person.".into()).await;
    };
    if let Err(e) = state.store.get::<User>(signed.tenant, user.as_uuid()).await {
        let (status, detail) = problem(e);
        return fail(status, detail).await;
    }
    let examples: Vec<String> = form
        .raw("examples")
        .replace("\r\n", "\n")
        .split(EXAMPLE_BREAK.trim())
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    let input = json!({
        "display_name": form.get("display_name"),
        "signature": form.raw("signature").replace("\r\n", "\n"),
        "tone": form.get("tone"),
        "examples": examples,
    });
    let input: PersonaInput = match parse(input) {
        Ok(input) => input,
        Err((status, detail)) => return fail(status, detail).await,
    };
    let w = write_ctx(&signed);
    let result = match state
        .store
        .get::<RepPersona>(signed.tenant, user.as_uuid())
        .await
    {
        Ok(_) => state
            .store
            .update(&w, user.as_uuid(), None, |p: &mut RepPersona| {
                input.apply(p)
            })
            .await
            .map(|_| ())
            .map_err(problem),
        Err(store::Error::NotFound { .. }) => match input.into_persona(user, store::now()) {
            Ok(persona) => state
                .store
                .create(&w, persona, None)
                .await
                .map(|_| ())
                .map_err(problem),
            Err(e) => Err(problem(e)),
        },
        Err(e) => Err(problem(e)),
    };
    match result {
        Ok(()) => redirect(&format!("{HERE}?user={user}&done=saved"), &[]),
        Err((status, detail)) => fail(status, detail).await,
    }
}
