//! Regions: each with its time zone, currency and locale (which schedules, prices and drafts
//! follow). Added, edited in place, and deleted while nothing refers to them.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::region::{NewRegion, Region, RegionPatch};
use serde_json::json;

use super::{
    AdminSection, Field, FormSpec, Notice, RowAction, Section, Table, TableRow, answer,
    create_from, delete_from, patch_from, posted,
};
use crate::state::AppState;
use crate::web::server_error;
use crate::web::session::Signed;

const HERE: &str = "/admin/regions";

/// The section, for the console's shared handlers.
pub struct Regions;

impl AdminSection for Regions {
    const HERE: &'static str = HERE;

    async fn render(
        state: &AppState,
        signed: &Signed,
        status: StatusCode,
        notice: Option<&'static str>,
        error: Option<String>,
    ) -> Response {
        let regions: Vec<Region> = match state.store.list_all(signed.tenant, Vec::new(), 1000).await
        {
            Ok(regions) => regions,
            Err(e) => return server_error(&e.to_string()),
        };
        let mut section = Section::new(
            signed,
            HERE,
            "Each deal, quota and price belongs to a region; its time zone places schedules, its \
             currency and locale shape prices and drafts.",
        );
        section.notice = notice;
        section.error = error;
        section.tables.push(Table {
            caption: "Regions".into(),
            headers: ["Code", "Name, time zone, currency, locale"]
                .map(String::from)
                .to_vec(),
            rows: regions
                .iter()
                .map(|r| {
                    let code = r.code.as_str();
                    TableRow {
                        cells: vec![code.to_owned()],
                        actions: vec![
                            RowAction {
                                action: format!("{HERE}/{}", r.id),
                                submit: "Save".into(),
                                aria: format!("Save region {code}"),
                                fields: vec![
                                    Field::text("name", format!("Name of {code}")).value(&r.name),
                                    Field::text("time_zone", format!("Time zone of {code}"))
                                        .value(r.time_zone.as_str()),
                                    Field::text("currency", format!("Currency of {code}"))
                                        .value(r.currency.to_string()),
                                    Field::text("locale", format!("Locale of {code}"))
                                        .value(r.locale.as_str()),
                                ],
                                danger: false,
                            },
                            RowAction {
                                action: format!("{HERE}/{}/delete", r.id),
                                submit: "Delete".into(),
                                aria: format!("Delete region {code}"),
                                fields: vec![],
                                danger: true,
                            },
                        ],
                    }
                })
                .collect(),
            empty: "No regions.".into(),
        });
        section.forms.push(FormSpec {
            id: "new-region",
            title: "Add a region".into(),
            action: HERE.into(),
            submit: "Add".into(),
            fields: vec![
                Field::text("code", "Code").hint("Upper-case letters, for example LATAM."),
                Field::text("name", "Name"),
                Field::text("time_zone", "Time zone")
                    .hint("An IANA name, for example America/Sao_Paulo."),
                Field::text("currency", "Currency").hint("ISO 4217, for example BRL."),
                Field::text("locale", "Locale").hint("A BCP 47 tag, for example pt-BR."),
            ],
        });
        section.respond(status)
    }
}

/// `POST /admin/regions`.
pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (signed, form) = match posted(&state, &headers, &body).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let input = json!({
        "code": form.get("code"), "name": form.get("name"), "time_zone": form.get("time_zone"),
        "currency": form.get("currency"), "locale": form.get("locale"),
    });
    let result = create_from(&state, &signed, input, NewRegion::into_region)
        .await
        .map(|_: Region| ());
    answer::<Regions>(&state, &signed, result, Notice::Created).await
}

/// `POST /admin/regions/{id}`.
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (signed, form) = match posted(&state, &headers, &body).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let input = json!({
        "name": form.get("name"), "time_zone": form.get("time_zone"),
        "currency": form.get("currency"), "locale": form.get("locale"),
    });
    let result = patch_from(
        &state,
        &signed,
        &id,
        input,
        |p: RegionPatch, r: &mut Region| p.apply(r),
    )
    .await
    .map(|_| ());
    answer::<Regions>(&state, &signed, result, Notice::Saved).await
}

/// `POST /admin/regions/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let signed = match posted(&state, &headers, &body).await {
        Ok((signed, _)) => signed,
        Err(response) => return response,
    };
    let result = delete_from::<Region>(&state, &signed, &id).await;
    answer::<Regions>(&state, &signed, result, Notice::Deleted).await
}
