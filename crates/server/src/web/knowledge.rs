//! The knowledge page: search the tenant's knowledge base with citations (document, section,
//! character offsets), upload a document with its scope (writers), and see each document's
//! passages. Upload and search are the API's own code paths, so the same checks apply.

use askama::Template;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::actor::Actor;
use domain::knowledge::{Document, DocumentKind};
use serde::Deserialize;
use store::{ListQuery, Order, WriteCtx};

use super::session::{Signed, same, signed_in};
use super::{Chrome, forbidden, page, redirect, server_error};
use crate::routes::knowledge::{SearchParams, read_multipart, run_search, store_upload};
use crate::state::AppState;

/// One hit, as shown.
struct Hit {
    title: String,
    source: String,
    section: String,
    start: i32,
    end: i32,
    text: String,
}

#[derive(Template)]
#[template(path = "knowledge.html")]
struct KnowledgePage {
    chrome: Chrome,
    q: String,
    mode: Option<&'static str>,
    hits: Vec<Hit>,
    error: Option<String>,
    can_upload: bool,
    kinds: Vec<&'static str>,
    /// Title, kind, source, passages, updated, ingestion status.
    documents: Vec<(String, String, String, i64, String, String)>,
}

/// The search box.
#[derive(Debug, Default, Deserialize)]
pub struct KnowledgeQuery {
    q: Option<String>,
}

async fn signed(state: &AppState, headers: &HeaderMap) -> Result<Signed, Response> {
    match signed_in(state, headers).await {
        Ok(Some(signed)) => Ok(signed),
        Ok(None) => Err(redirect("/login", &[])),
        Err(e) => Err(server_error(&e.to_string())),
    }
}

async fn render(
    state: &AppState,
    signed: &Signed,
    q: &str,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let (mode, hits, error) = if q.trim().is_empty() {
        (None, Vec::new(), error)
    } else {
        let params = SearchParams {
            q: Some(q.to_owned()),
            product: None,
            region: None,
            kind: None,
            limit: Some(10),
        };
        match run_search(state, signed.tenant, params).await {
            Ok(found) => (
                Some(found.mode),
                found
                    .items
                    .into_iter()
                    .map(|h| Hit {
                        title: h.title,
                        source: h.source,
                        section: h.section.join(" › "),
                        start: h.start_offset,
                        end: h.end_offset,
                        text: h.text,
                    })
                    .collect(),
                error,
            ),
            Err(e) => (None, Vec::new(), Some(e.detail().to_owned())),
        }
    };
    let listed = state
        .store
        .list_documents(
            signed.tenant,
            &ListQuery {
                limit: 100,
                order: Order::Descending,
                ..ListQuery::default()
            },
        )
        .await;
    let documents: Vec<Document> = match listed {
        Ok(page) => page.items,
        Err(e) => return server_error(&e.to_string()),
    };
    // Ingestion: passages are searchable by keyword once stored; with an embedding model, the
    // vectors follow in the background.
    let embedder = state.agents.library.embedder_name();
    let waiting: std::collections::BTreeMap<_, i64> = match &embedder {
        Some(model) => match state
            .store
            .documents_without_vectors(signed.tenant, model)
            .await
        {
            Ok(missing) => missing.into_iter().collect(),
            Err(e) => return server_error(&e.to_string()),
        },
        None => std::collections::BTreeMap::new(),
    };
    let status_of = |d: &Document| match (&embedder, waiting.get(&d.id)) {
        (_, _) if d.chunk_count == 0 => "no text found".to_owned(),
        (None, _) => "searchable (keywords)".to_owned(),
        (Some(_), None) => "searchable (keywords and meaning)".to_owned(),
        (Some(_), Some(n)) => format!("searchable by keywords; {n} passages waiting for vectors"),
    };
    page(
        status,
        &KnowledgePage {
            chrome: Chrome::of(signed, "/knowledge"),
            q: q.to_owned(),
            mode,
            hits,
            error,
            can_upload: signed.user.role.can_write(),
            kinds: DocumentKind::ALL.iter().map(|k| k.as_str()).collect(),
            documents: documents
                .into_iter()
                .map(|d| {
                    let status = status_of(&d);
                    (
                        d.title,
                        d.kind.to_string(),
                        d.source,
                        i64::from(d.chunk_count),
                        d.updated_at.strftime("%Y-%m-%d %H:%M").to_string(),
                        status,
                    )
                })
                .collect(),
        },
        &[],
    )
}

/// `GET /knowledge?q=`.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<KnowledgeQuery>,
) -> Response {
    let signed = match signed(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    render(
        &state,
        &signed,
        query.q.as_deref().unwrap_or(""),
        StatusCode::OK,
        None,
    )
    .await
}

/// The upload's CSRF token travels in the query (the multipart fields are the document's).
#[derive(Debug, Default, Deserialize)]
pub struct UploadQuery {
    csrf: Option<String>,
}

/// `POST /knowledge/upload?csrf=` with a multipart `file`, `kind`, `product`, `region`.
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Response {
    let signed = match signed(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    if !same(
        query.csrf.as_deref().unwrap_or(""),
        &signed.session.csrf_token,
    ) {
        return forbidden("The form expired or came from another site.");
    }
    if !signed.user.role.can_write() {
        return forbidden("Uploading is for people who may write.");
    }
    let boundary = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let Some(boundary) = boundary else {
        return render(
            &state,
            &signed,
            "",
            StatusCode::BAD_REQUEST,
            Some("Choose a file to upload.".into()),
        )
        .await;
    };
    let w = WriteCtx::new(
        signed.tenant,
        Actor::user(signed.user.id, signed.user.role),
        None,
    );
    let stored = match read_multipart(body, boundary).await {
        Ok((source, bytes, scope)) => store_upload(&state, &w, &source, bytes, scope).await,
        Err(e) => Err(e),
    };
    match stored {
        Ok((_, outcome, document)) => {
            let message = format!("{} was {outcome}.", document.title);
            render(&state, &signed, "", StatusCode::OK, Some(message)).await
        }
        Err(e) => {
            let status = e.status();
            render(&state, &signed, "", status, Some(e.detail().to_owned())).await
        }
    }
}
