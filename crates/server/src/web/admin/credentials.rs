//! Integration credentials: each integration's secret, set or replaced here and never shown
//! again, by this page or any other. The list says which integrations have one, for which
//! account, its fingerprint (to tell a new secret from the old), and who set it when.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::credential::{Integration, NewCredential};
use domain::user::User;

use super::{
    AdminSection, Field, FormSpec, Notice, RowAction, Section, Table, TableRow, answer, posted,
    problem, when, write_ctx,
};
use crate::routes::credentials::store_credential;
use crate::state::AppState;
use crate::web::server_error;
use crate::web::session::Signed;

const HERE: &str = "/admin/credentials";

/// The section, for the console's shared handlers.
pub struct Credentials;

impl AdminSection for Credentials {
    const HERE: &'static str = HERE;

    async fn render(
        state: &AppState,
        signed: &Signed,
        status: StatusCode,
        notice: Option<&'static str>,
        error: Option<String>,
    ) -> Response {
        let loaded = tokio::try_join!(
            state.store.list_credentials(signed.tenant),
            state
                .store
                .list_all::<User>(signed.tenant, Vec::new(), 10_000),
        );
        let (credentials, users) = match loaded {
            Ok(loaded) => loaded,
            Err(e) => return server_error(&e.to_string()),
        };
        let mut section = Section::new(
            signed,
            HERE,
            "Secrets the agents use to reach outside services. A secret is sealed before it is \
             stored and is never shown again, here or through the API; replace it to change it.",
        );
        section.notice = notice;
        section.error = error;
        if state.config.secrets.is_none() {
            section.facts.push((
                "Storing credentials".into(),
                "off: the operator sets secrets_key (AGENT_ARMY_SECRETS_KEY) first".into(),
            ));
        }
        section.tables.push(Table {
            caption: "Stored".into(),
            headers: ["Integration", "Account", "Fingerprint", "Set", ""]
                .map(String::from)
                .to_vec(),
            rows: credentials
                .iter()
                .map(|c| TableRow {
                    cells: vec![
                        format!("{} ({})", c.integration, c.integration.secret_kind()),
                        c.account.clone().unwrap_or_else(|| "–".into()),
                        c.fingerprint.clone(),
                        format!(
                            "{} by {}",
                            when(c.updated_at),
                            c.updated_by
                                .and_then(|id| users.iter().find(|u| u.id == id))
                                .map_or_else(
                                    || "the operator or a service key".to_owned(),
                                    |u| u.name.clone()
                                )
                        ),
                    ],
                    actions: vec![RowAction {
                        action: format!("{HERE}/{}/delete", c.integration),
                        submit: "Remove".into(),
                        aria: format!("Remove the {} credential", c.integration),
                        fields: vec![],
                        danger: true,
                    }],
                })
                .collect(),
            empty: "No credentials stored.".into(),
        });
        section.forms.push(FormSpec {
            id: "credential",
            title: "Set or replace a credential".into(),
            action: HERE.into(),
            submit: "Store sealed".into(),
            fields: vec![
                Field::select(
                    "integration",
                    "Integration",
                    Integration::ALL.iter().map(|i| {
                        (
                            i.as_str().to_owned(),
                            format!(
                                "{i}: {}; account is the {}",
                                i.secret_kind(),
                                i.account_kind()
                            ),
                        )
                    }),
                    "",
                ),
                Field::text("account", "Account").optional(),
                Field::password("secret", "Secret")
                    .hint("Pasted once; for a JSON key, paste the whole file's text."),
            ],
        });
        section.respond(status)
    }
}

/// `POST /admin/credentials`: seals and stores a secret.
pub async fn save(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (signed, form) = match posted(&state, &headers, &body).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let Ok(integration) = form.get("integration").parse::<Integration>() else {
        return Credentials::render(
            &state,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some("Choose an integration.".into()),
        )
        .await;
    };
    let input = NewCredential {
        account: form.optional("account").map(str::to_owned),
        secret: form.raw("secret").to_owned(),
    };
    let result = store_credential(&state, &write_ctx(&signed), integration, &input)
        .await
        .map(|_| ())
        .map_err(problem);
    answer::<Credentials>(&state, &signed, result, Notice::Saved).await
}

/// `POST /admin/credentials/{integration}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let signed = match posted(&state, &headers, &body).await {
        Ok((signed, _)) => signed,
        Err(response) => return response,
    };
    let result = match raw.parse::<Integration>() {
        Ok(integration) => state
            .store
            .delete_credential(&write_ctx(&signed), integration)
            .await
            .map_err(problem),
        Err(_) => Err((StatusCode::NOT_FOUND, "No such integration.".to_owned())),
    };
    answer::<Credentials>(&state, &signed, result, Notice::Deleted).await
}
