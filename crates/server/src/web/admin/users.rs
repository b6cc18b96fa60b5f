//! Users and roles: add a person, change their role or home region, deactivate or reactivate
//! them, set their password. An admin cannot take away their own admin role or deactivate
//! themselves here, so the console always keeps someone who can use it.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::region::Region;
use domain::user::{NewUser, Role, User, UserPatch};
use serde_json::json;

use super::{
    AdminSection, Field, FormData, FormSpec, Notice, RowAction, Section, Table, TableRow, answer,
    done, posted, problem, write_ctx,
};
use crate::state::AppState;
use crate::web::server_error;
use crate::web::session::Signed;

const HERE: &str = "/admin/users";
/// Most users the page lists.
const MAX_USERS: usize = 2000;

/// The section, for the console's shared handlers.
pub struct Users;

impl AdminSection for Users {
    const HERE: &'static str = HERE;

    async fn render(
        state: &AppState,
        signed: &Signed,
        status: StatusCode,
        notice: Option<&'static str>,
        error: Option<String>,
    ) -> Response {
        let store = &state.store;
        let (users, regions) = match tokio::try_join!(
            store.list_all::<User>(signed.tenant, Vec::new(), MAX_USERS),
            store.list_all::<Region>(signed.tenant, Vec::new(), 1000),
        ) {
            Ok(found) => found,
            Err(e) => return server_error(&e.to_string()),
        };
        let roles = || {
            Role::ALL
                .iter()
                .map(|r| (r.as_str().to_owned(), r.as_str().to_owned()))
        };
        let region_options = || {
            std::iter::once((String::new(), "no home region".to_owned())).chain(
                regions
                    .iter()
                    .map(|r| (r.code.as_str().to_owned(), r.code.as_str().to_owned())),
            )
        };
        let mut section = Section::new(
            signed,
            HERE,
            "People sign in with their email and password; their role decides what they may do. \
             Deactivated people cannot sign in, and their sessions stop working at once.",
        );
        section.notice = notice;
        section.error = error;
        section.tables.push(Table {
            caption: format!("{} people", users.len()),
            headers: ["Name", "Email", "Role", "Home region", "State", "Change"]
                .map(String::from)
                .to_vec(),
            rows: users
                .iter()
                .map(|u| {
                    let base = format!("{HERE}/{}", u.id);
                    TableRow {
                        cells: vec![
                            u.name.clone(),
                            u.email.as_str().to_owned(),
                            u.role.to_string(),
                            u.home_region
                                .as_ref()
                                .map_or_else(|| "–".to_owned(), |r| r.as_str().to_owned()),
                            if u.active { "active" } else { "deactivated" }.to_owned(),
                        ],
                        actions: vec![
                            RowAction {
                                action: format!("{base}/role"),
                                submit: "Save".into(),
                                aria: format!("Save the role and region of {}", u.name),
                                fields: vec![
                                    Field::select(
                                        "role",
                                        format!("Role of {}", u.name),
                                        roles(),
                                        u.role.as_str(),
                                    ),
                                    Field::select(
                                        "home_region",
                                        format!("Home region of {}", u.name),
                                        region_options(),
                                        u.home_region.as_ref().map_or("", |r| r.as_str()),
                                    ),
                                ],
                                danger: false,
                            },
                            RowAction {
                                action: format!("{base}/active"),
                                submit: if u.active { "Deactivate" } else { "Reactivate" }.into(),
                                aria: format!(
                                    "{} {}",
                                    if u.active { "Deactivate" } else { "Reactivate" },
                                    u.name
                                ),
                                fields: vec![],
                                danger: u.active,
                            },
                            RowAction {
                                action: format!("{base}/password"),
                                submit: "Set password".into(),
                                aria: format!("Set the password of {}", u.name),
                                fields: vec![Field::password(
                                    "password",
                                    format!("New password for {} (12 characters or more)", u.name),
                                )],
                                danger: false,
                            },
                        ],
                    }
                })
                .collect(),
            empty: "No people yet.".into(),
        });
        section.forms.push(FormSpec {
            id: "new-user",
            title: "Add a person".into(),
            action: HERE.into(),
            submit: "Add".into(),
            fields: vec![
                Field::text("name", "Name"),
                Field::email("email", "Email"),
                Field::select("role", "Role", roles(), "rep"),
                Field::select("home_region", "Home region", region_options(), "").optional(),
                Field::password("password", "Password")
                    .optional()
                    .hint("12 characters or more; leave empty to set it later."),
            ],
        });
        section.respond(status)
    }
}

/// `POST /admin/users`: a new person, with a password when one is given.
pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (signed, form) = match posted(&state, &headers, &body).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let password = form.raw("password").to_owned();
    // The password is checked before anything is stored, so a short one stores nothing.
    if !password.is_empty()
        && let Err(e) = domain::session::check_password(&password)
    {
        return Users::render(
            &state,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(e),
        )
        .await;
    }
    let input = json!({
        "name": form.get("name"),
        "email": form.get("email"),
        "role": form.get("role"),
        "home_region": form.optional("home_region"),
    });
    let user = match serde_json::from_value::<NewUser>(input)
        .map_err(|e| e.to_string())
        .and_then(|new| new.into_user(store::now()).map_err(|e| e.to_string()))
    {
        Ok(user) => user,
        Err(e) => {
            return Users::render(
                &state,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(e),
            )
            .await;
        }
    };
    // Hashed before anything is stored, so a failure here stores nothing.
    let hash = if password.is_empty() {
        None
    } else {
        match crate::web::password::hash(password).await {
            Ok(hash) => Some(hash),
            Err(e) => return server_error(&e),
        }
    };
    let w = write_ctx(&signed);
    if let Err(e) = state.store.create(&w, user.clone(), None).await {
        let (status, detail) = problem(e);
        return Users::render(&state, &signed, status, None, Some(detail)).await;
    }
    if let Some(hash) = hash
        && let Err(e) = state.store.set_password(&w, user.id, &hash).await
    {
        // Not half a person: the user goes again, so the form can simply be sent again.
        if let Err(undo) = state
            .store
            .delete::<User>(&w, user.id.as_uuid(), None)
            .await
        {
            tracing::error!(error = %undo, "removing a user whose password could not be stored");
        }
        let (status, detail) = problem(e);
        return Users::render(&state, &signed, status, None, Some(detail)).await;
    }
    done(HERE, Notice::Created)
}

/// The admin, the posted form and the user of the path; or the response to send instead (the
/// page again, saying there is no such person, for an unknown or another tenant's id).
async fn posted_on_user(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
    raw: &str,
) -> Result<(Signed, FormData, User), Response> {
    let (signed, form) = posted(state, headers, body).await?;
    let found = match uuid::Uuid::try_parse(raw) {
        Ok(id) => state.store.get::<User>(signed.tenant, id).await,
        Err(_) => Err(store::Error::NotFound {
            resource: "user",
            id: raw.to_owned(),
        }),
    };
    match found {
        Ok(user) => Ok((signed, form, user)),
        Err(store::Error::NotFound { .. }) => Err(Users::render(
            state,
            &signed,
            StatusCode::NOT_FOUND,
            None,
            Some("No such person.".into()),
        )
        .await),
        Err(e) => Err(server_error(&e.to_string())),
    }
}

async fn patch(
    state: &AppState,
    signed: &Signed,
    user: &User,
    patch: serde_json::Value,
) -> Response {
    let patch: UserPatch = match serde_json::from_value(patch) {
        Ok(patch) => patch,
        Err(e) => {
            return Users::render(
                state,
                signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(e.to_string()),
            )
            .await;
        }
    };
    let result = state
        .store
        .update(
            &write_ctx(signed),
            user.id.as_uuid(),
            None,
            |u: &mut User| patch.apply(u),
        )
        .await
        .map(|_| ())
        .map_err(problem);
    answer::<Users>(state, signed, result, Notice::Saved).await
}

/// `POST /admin/users/{id}/role`: role and home region.
pub async fn role(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (signed, form, user) = match posted_on_user(&state, &headers, &body, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if user.id == signed.user.id && form.get("role") != Role::Admin.as_str() {
        return Users::render(
            &state,
            &signed,
            StatusCode::CONFLICT,
            None,
            Some("You cannot take away your own admin role; another admin can.".into()),
        )
        .await;
    }
    patch(
        &state,
        &signed,
        &user,
        json!({"role": form.get("role"), "home_region": form.optional("home_region")}),
    )
    .await
}

/// `POST /admin/users/{id}/active`: deactivates an active person, reactivates another.
pub async fn active(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (signed, _, user) = match posted_on_user(&state, &headers, &body, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if user.id == signed.user.id {
        return Users::render(
            &state,
            &signed,
            StatusCode::CONFLICT,
            None,
            Some("You cannot deactivate yourself; another admin can.".into()),
        )
        .await;
    }
    patch(&state, &signed, &user, json!({"active": !user.active})).await
}

/// `POST /admin/users/{id}/password`: sets the password; the person's sessions end.
pub async fn password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (signed, form, user) = match posted_on_user(&state, &headers, &body, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let password = form.raw("password").to_owned();
    if let Err(e) = domain::session::check_password(&password) {
        return Users::render(
            &state,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(e),
        )
        .await;
    }
    let hash = match crate::web::password::hash(password).await {
        Ok(hash) => hash,
        Err(e) => return server_error(&e),
    };
    let result = state
        .store
        .set_password(&write_ctx(&signed), user.id, &hash)
        .await
        .map_err(problem);
    answer::<Users>(&state, &signed, result, Notice::PasswordSet).await
}
