//! API keys: created with the key shown once and revoked from the list. Service keys only: a
//! personal key is made by its own person.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::apikey::{ApiKey, NewApiKey};
use domain::id::ApiKeyId;
use domain::user::Role;
use serde::Deserialize;
use store::{Created, ListQuery, Order};

use super::{MAX_FORM_BYTES, admin, admin_sections, write_ctx};
use crate::auth::generate_key;
use crate::state::AppState;
use crate::web::session::{Signed, same};
use crate::web::{Chrome, forbidden, page, redirect, server_error};

struct KeyLine {
    id: ApiKeyId,
    name: String,
    role: Role,
    prefix: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "admin_keys.html")]
struct KeysPage {
    chrome: Chrome,
    sections: Vec<super::SectionLink>,
    keys: Vec<KeyLine>,
    roles: Vec<&'static str>,
    created: Option<String>,
    error: Option<String>,
}

async fn keys_page(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    created: Option<String>,
    error: Option<String>,
) -> Response {
    let keys = match state
        .store
        .list::<ApiKey>(
            signed.tenant,
            &ListQuery {
                limit: 200,
                order: Order::Descending,
                ..ListQuery::default()
            },
        )
        .await
    {
        Ok(page) => page.items,
        Err(e) => return server_error(&e.to_string()),
    };
    let when = |t: jiff::Timestamp| t.strftime("%Y-%m-%d %H:%M").to_string();
    page(
        status,
        &KeysPage {
            chrome: Chrome::of(signed, "/admin/keys"),
            sections: admin_sections("/admin/keys"),
            keys: keys
                .into_iter()
                .map(|k| KeyLine {
                    id: k.id,
                    revoked: k.revoked_at.is_some(),
                    name: k.name,
                    role: k.role,
                    prefix: k.prefix,
                    created: when(k.created_at),
                    last_used: k.last_used_at.map(when).unwrap_or_else(|| "never".into()),
                })
                .collect(),
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            created,
            error,
        },
        &[],
    )
}

/// `GET /admin/keys`.
pub async fn keys(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match admin(&state, &headers).await {
        Ok(signed) => keys_page(&state, &signed, StatusCode::OK, None, None).await,
        Err(response) => response,
    }
}

/// The create form.
#[derive(Debug, Deserialize)]
struct CreateForm {
    csrf: String,
    name: String,
    role: String,
}

/// A form that only carries the CSRF token.
#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// `POST /admin/keys`: a service key, shown once on the page that answers.
pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let signed = match admin(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let Some(form) = (body.len() <= MAX_FORM_BYTES)
        .then(|| serde_urlencoded::from_bytes::<CreateForm>(&body).ok())
        .flatten()
    else {
        return keys_page(
            &state,
            &signed,
            StatusCode::BAD_REQUEST,
            None,
            Some("The form was incomplete.".into()),
        )
        .await;
    };
    if !same(&form.csrf, &signed.session.csrf_token) {
        return forbidden("The form expired or came from another site.");
    }
    let Ok(role) = form.role.parse::<Role>() else {
        return keys_page(
            &state,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(format!("{:?} is not a role", form.role)),
        )
        .await;
    };
    let generated = match generate_key(signed.tenant) {
        Ok(g) => g,
        Err(e) => return server_error(&e.to_string()),
    };
    let new = NewApiKey {
        name: form.name,
        role,
        user_id: None,
    };
    let record = match new.into_key(generated.prefix, generated.hash, store::now()) {
        Ok(record) => record,
        Err(e) => {
            return keys_page(
                &state,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(e.to_string()),
            )
            .await;
        }
    };
    match state.store.create(&write_ctx(&signed), record, None).await {
        Ok(Created::New(_)) => {
            keys_page(
                &state,
                &signed,
                StatusCode::CREATED,
                Some(generated.secret),
                None,
            )
            .await
        }
        Ok(Created::Replayed(_)) => {
            server_error("a key creation without an idempotency key replayed")
        }
        Err(e) => server_error(&e.to_string()),
    }
}

/// `POST /admin/keys/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let signed = match admin(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let csrf = serde_urlencoded::from_bytes::<CsrfForm>(&body)
        .map(|f| f.csrf)
        .unwrap_or_default();
    if !same(&csrf, &signed.session.csrf_token) {
        return forbidden("The form expired or came from another site.");
    }
    let Ok(id) = uuid::Uuid::try_parse(&id) else {
        return keys_page(
            &state,
            &signed,
            StatusCode::NOT_FOUND,
            None,
            Some("No such key.".into()),
        )
        .await;
    };
    match state
        .store
        .revoke_api_key(&write_ctx(&signed), ApiKeyId::from_uuid(id))
        .await
    {
        Ok(_) => redirect("/admin/keys", &[]),
        Err(store::Error::NotFound { .. }) => {
            keys_page(
                &state,
                &signed,
                StatusCode::NOT_FOUND,
                None,
                Some("No such key.".into()),
            )
            .await
        }
        Err(e) => server_error(&e.to_string()),
    }
}
