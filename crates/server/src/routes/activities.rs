//! `/api/v1/activities`: emails, chats, meetings, calls and notes. Created as JSON or imported
//! from a file (`POST /api/v1/activities/import`: an `.eml`, a WebVTT/SRT/JSON/speaker-labelled
//! transcript, notes); either way its participants, account and deal are matched before it is
//! stored (see `agents::crew::sales::intake`).

use agents::crew::sales::intake::{self, IntakeReport};
use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use domain::activity::{Activity, ActivityKind, ActivityPatch, NewActivity};
use serde::{Deserialize, Serialize};
use store::{Created, Filter, SqlValue};

use super::crud::{
    ListFilters, create_resource, delete_handler, get_handler, id_filter, label_filter,
    list_handler, time_query, update_handler, write_ctx,
};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{
    ApiJson, ApiQuery, IdempotencyKey, media_type, read_body, unsupported_media_type,
};
use crate::middleware::RequestId;
use crate::state::AppState;

/// Room for the multipart framing and fields beside the file.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// Filters for listing activities.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityFilters {
    pub account_id: Option<String>,
    pub opportunity_id: Option<String>,
    pub kind: Option<String>,
    /// Occurred at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Occurred before this RFC 3339 time.
    pub until: Option<String>,
    /// Only activities whose text showed signs of a prompt injection (`true`) or none (`false`).
    pub injection_suspected: Option<bool>,
}

fn time_param(name: &'static str, raw: &str) -> Result<SqlValue, ApiError> {
    time_query(name, raw).map(|t| SqlValue::Time(Some(t)))
}

impl ListFilters for ActivityFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = id_filter("account_id", self.account_id)?
            .into_iter()
            .collect();
        filters.extend(id_filter("opportunity_id", self.opportunity_id)?);
        filters.extend(label_filter::<ActivityKind>("kind", self.kind)?);
        if let Some(since) = self.since {
            filters.push(Filter::AtLeast("occurred_at", time_param("since", &since)?));
        }
        if let Some(until) = self.until {
            filters.push(Filter::Before("occurred_at", time_param("until", &until)?));
        }
        if let Some(flag) = self.injection_suspected {
            filters.push(Filter::Eq("injection_suspected", SqlValue::Bool(flag)));
        }
        Ok(filters)
    }
}

list_handler!(resource: Activity, page: ActivityPage, filters: ActivityFilters, tag: "activities",
    collection: "/api/v1/activities", check: require_reader);
get_handler!(resource: Activity, tag: "activities", item: "/api/v1/activities/{id}", name: "activity",
    check: require_reader);

/// Records an activity. Participants given by address or name are matched to the tenant's users
/// and contacts, and an activity without an account or deal gets the one its people and text
/// point to (see `POST /api/v1/activities/import` for what is matched).
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = NewActivity,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe creation key")),
    responses((status = 201, body = Activity, headers(("ETag" = String), ("Location" = String))),
        (status = 400, body = Problem), (status = 413, body = Problem),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    idempotency_key: IdempotencyKey,
    body: ApiJson<NewActivity>,
) -> Result<axum::response::Response, ApiError> {
    auth.require_writer()?;
    let mut new = body.value;
    intake::match_activity(&state.store, auth.tenant, &mut new).await?;
    let rec = new.into_activity(store::now())?;
    create_resource(
        &state,
        &auth,
        request_id.0,
        idempotency_key,
        body.fingerprint,
        rec,
        "/api/v1/activities",
    )
    .await
}

/// Where an imported file goes and what it is.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// The file's name; its extension (`.eml`, `.vtt`, `.srt`, `.json`, `.txt`) tells the format.
    /// Without it the content type does, and then the content.
    pub filename: Option<String>,
    /// `email`, `chat`, `meeting`, `call` or `note`; by default what the format suggests
    /// (emails are emails, transcripts meetings, free text notes).
    pub kind: Option<String>,
    pub account_id: Option<String>,
    pub opportunity_id: Option<String>,
}

/// An imported activity and what intake matched.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportedActivity {
    pub activity: Activity,
    /// `account`: given, by_opportunity, by_contact, by_domain or none; `opportunity`: given,
    /// only_open, named, ambiguous or none; counts of matched contacts and users; the people
    /// matched to nobody (they are proposed as contacts, through the approvals).
    #[schema(value_type = Object)]
    pub intake: IntakeReport,
}

fn unprocessable(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_input", detail).with_field(field)
}

fn multipart_error(e: multer::Error) -> ApiError {
    crate::extract::multipart_error(e, file_too_large)
}

fn file_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        "File too large",
        format!(
            "a conversation file holds at most {} bytes",
            conversation::MAX_BYTES
        ),
    )
}

/// Reads a multipart upload: one `file` part and the fields of [`ImportParams`].
async fn read_multipart(
    body: Body,
    boundary: String,
    params: &mut ImportParams,
) -> Result<(String, Vec<u8>), ApiError> {
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(conversation::MAX_BYTES as u64 + MULTIPART_OVERHEAD)
            .per_field(conversation::MAX_BYTES as u64)
            .for_field("kind", 1024)
            .for_field("account_id", 1024)
            .for_field("opportunity_id", 1024),
    );
    let mut multipart =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" if file.is_some() => {
                return Err(unprocessable("file", "one file per import"));
            }
            "file" => {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(multipart_error)?;
                file = Some((file_name, bytes.to_vec()));
            }
            "kind" | "account_id" | "opportunity_id" => {
                let text = Some(field.text().await.map_err(multipart_error)?);
                match name.as_str() {
                    "kind" => params.kind = text,
                    "account_id" => params.account_id = text,
                    _ => params.opportunity_id = text,
                }
            }
            other => {
                return Err(unprocessable(
                    other,
                    format!(
                        "unknown field {other:?}; expected file, kind, account_id, opportunity_id"
                    ),
                ));
            }
        }
    }
    file.ok_or_else(|| unprocessable("file", "no `file` part in the upload"))
}

/// A file name for a body sent as is, from its content type.
fn name_for(media: &str) -> Option<&'static str> {
    Some(match media {
        "message/rfc822" => "upload.eml",
        "text/vtt" => "upload.vtt",
        "application/x-subrip" | "text/srt" => "upload.srt",
        "application/json" => "upload.json",
        "text/plain" | "text/markdown" => "upload.txt",
        _ => return None,
    })
}

fn parse_id<T>(
    field: &str,
    raw: Option<&str>,
    make: fn(uuid::Uuid) -> T,
) -> Result<Option<T>, ApiError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(raw) => uuid::Uuid::try_parse(raw)
            .map(|u| Some(make(u)))
            .map_err(|_| unprocessable(field, format!("{field} must be an id"))),
    }
}

fn parse_error(e: &conversation::ParseError) -> ApiError {
    match e {
        conversation::ParseError::TooLarge { .. } => file_too_large(),
        _ => ApiError::unprocessable("unreadable_file", e.to_string()).with_field("file"),
    }
}

/// Imports an activity from a file: an email (RFC 5322 `.eml`: sender, recipients, subject, date
/// and body), a meeting or call transcript (WebVTT, SRT, JSON, speaker-labelled text: the speakers
/// become attendees) or notes. Send the file as the body with its content type
/// (`message/rfc822`, `text/vtt`, `application/x-subrip`, `application/json`, `text/plain`) and
/// the fields as query parameters, or as `multipart/form-data` with a `file` part. People are
/// matched to users and contacts by address and name; the account by the deal, the contacts or
/// the outside addresses' domain; the deal as the account's only open one or the one the text
/// names. A file that cannot be read is a 422 and stores nothing.
#[utoipa::path(post, path = "/api/v1/activities/import", tag = "activities", params(ImportParams),
    request_body(content = String, description = "The file, as is or as multipart/form-data"),
    responses((status = 201, body = ImportedActivity),
        (status = 400, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    ApiQuery(mut params): ApiQuery<ImportParams>,
    request: Request,
) -> Result<(StatusCode, Json<ImportedActivity>), ApiError> {
    auth.require_writer()?;
    let media = media_type(request.headers());
    let (name, bytes) = if media == "multipart/form-data" {
        let boundary = crate::extract::multipart_boundary(request.headers())?;
        read_multipart(request.into_body(), boundary, &mut params).await?
    } else {
        let Some(default_name) = name_for(&media) else {
            return Err(unsupported_media_type(
                "send the file as message/rfc822, text/vtt, application/x-subrip, \
                 application/json or text/plain, or as multipart/form-data",
            ));
        };
        let bytes = read_body(request, &state).await?;
        (default_name.to_owned(), bytes.to_vec())
    };
    let name = match params.filename.as_deref().map(str::trim) {
        Some(given) if !given.is_empty() => {
            given.rsplit(['/', '\\']).next().unwrap_or(given).to_owned()
        }
        _ => name,
    };
    let kind = match params.kind.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(kind) => Some(
            kind.parse::<ActivityKind>()
                .map_err(|e| unprocessable("kind", e.to_string()))?,
        ),
    };
    let account_id = parse_id(
        "account_id",
        params.account_id.as_deref(),
        domain::id::AccountId::from_uuid,
    )?;
    let opportunity_id = parse_id(
        "opportunity_id",
        params.opportunity_id.as_deref(),
        domain::id::OpportunityId::from_uuid,
    )?;
    // A foreign file's parser runs off the async workers; a panic there is that file's error.
    let parsed =
        tokio::task::spawn_blocking(move || intake::activity_from_file(&name, &bytes, kind))
            .await
            .map_err(|_| {
                ApiError::unprocessable("unreadable_file", "the file could not be read")
                    .with_field("file")
            })?;
    let mut new = parsed.map_err(|e| parse_error(&e))?;
    new.account_id = account_id;
    new.opportunity_id = opportunity_id;
    let report = intake::match_activity(&state.store, auth.tenant, &mut new).await?;
    let activity = new.into_activity(store::now())?;
    let w = write_ctx(&auth, request_id.0);
    let activity = match state.store.create(&w, activity, None).await? {
        Created::New(a) => a,
        Created::Replayed(_) => {
            return Err(ApiError::internal("an import without a key was replayed"));
        }
    };
    Ok((
        StatusCode::CREATED,
        Json(ImportedActivity {
            activity,
            intake: report,
        }),
    ))
}
update_handler!(resource: Activity, patch: ActivityPatch, tag: "activities", item: "/api/v1/activities/{id}",
    name: "activity", check: require_writer);
delete_handler!(resource: Activity, tag: "activities", item: "/api/v1/activities/{id}", name: "activity",
    check: require_writer);
