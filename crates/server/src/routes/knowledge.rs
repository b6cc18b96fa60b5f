//! `/api/v1/knowledge`: the tenant's documents (upload as multipart or JSON, list, read with
//! chunks, delete) and search with citations. An upload is one file; `agent-army ingest` takes
//! folders. Storing is synchronous; indexing happens on the next search and embedding (when a
//! model is configured) runs as a background job, so a search right after an upload finds the
//! document by its words at once and by its meaning a moment later.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use domain::id::{DocumentId, ProductId, TenantId};
use domain::knowledge::{Document, DocumentChunk, DocumentKind};
use domain::region::RegionCode;
use knowledge::extract::{ExtractError, MAX_FILE_BYTES};
use knowledge::ingest::{Scope, prepare};
use serde::{Deserialize, Serialize};
use store::knowledge::PutDocument;
use store::{Filter, SqlValue};

use super::crud::{ListFilters, PageParams, id_filter, label_filter, write_ctx};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{
    ApiQuery, media_type, parse_json, path_id, read_body, unsupported_media_type,
};
use crate::middleware::RequestId;
use crate::state::AppState;

/// Longest query accepted, in characters.
const MAX_QUERY_CHARS: usize = 1000;
/// Most hits a search returns.
const MAX_HITS: usize = 50;
/// Room for the multipart framing and scope fields beside the file.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// A stored document and what the upload did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UploadedDocument {
    /// `created`, `replaced` (the source held other content or scope) or `unchanged`.
    pub outcome: &'static str,
    pub document: Document,
}

/// A document given as JSON text instead of a file.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTextDocument {
    /// A file name whose extension says the format (`.md`, `.txt`, `.html`, `.csv`); one live
    /// document per source.
    pub source: String,
    pub content: String,
    /// `product_doc` (default), `pricing`, `competitor`, `case_study`, `policy` or `playbook`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Product id or code.
    #[serde(default)]
    pub product: Option<String>,
    /// Region codes; none means every region.
    #[serde(default)]
    pub regions: Vec<String>,
}

/// The scope fields of an upload, as given.
#[derive(Default)]
pub(crate) struct RawScope {
    pub kind: Option<String>,
    pub product: Option<String>,
    pub regions: Vec<String>,
}

fn unprocessable(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_input", detail).with_field(field)
}

/// Resolves a product given by id or code, inside the tenant.
async fn resolve_product(
    state: &AppState,
    tenant: TenantId,
    raw: &str,
) -> Result<ProductId, ApiError> {
    knowledge::catalog::find_product(&state.store, tenant, raw)
        .await?
        .map(|p| p.id)
        .ok_or_else(|| {
            unprocessable(
                "product",
                format!("no product with id or code {:?}", raw.trim()),
            )
        })
}

async fn scope_of(state: &AppState, tenant: TenantId, raw: RawScope) -> Result<Scope, ApiError> {
    let kind = match raw.kind.as_deref().map(str::trim) {
        None | Some("") => DocumentKind::ProductDoc,
        Some(kind) => kind
            .parse()
            .map_err(|e| unprocessable("kind", format!("kind: {e}")))?,
    };
    let product_id = match raw.product.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(product) => Some(resolve_product(state, tenant, product).await?),
    };
    let mut regions = Vec::new();
    for region in raw.regions.iter().flat_map(|r| r.split(',')) {
        let region = region.trim();
        if region.is_empty() {
            continue;
        }
        let code = RegionCode::parse(region)
            .map_err(|e| unprocessable("region", format!("region: {e}")))?;
        let known = state
            .store
            .list_all::<domain::region::Region>(
                tenant,
                vec![Filter::Eq("code", SqlValue::text(code.as_str()))],
                1,
            )
            .await?;
        if known.is_empty() {
            return Err(unprocessable(
                "region",
                format!(
                    "region {} is not one of the tenant's regions",
                    code.as_str()
                ),
            ));
        }
        if !regions.contains(&code) {
            regions.push(code);
        }
    }
    Ok(Scope {
        kind,
        product_id,
        regions,
    })
}

fn extract_error(e: &ExtractError) -> ApiError {
    match e {
        ExtractError::TooLarge { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            "File too large",
            e.to_string(),
        ),
        ExtractError::Unsupported { .. } => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file_type",
            "Unsupported file type",
            e.to_string(),
        ),
        ExtractError::Unreadable { .. } | ExtractError::Empty { .. } => {
            ApiError::unprocessable("unreadable_file", e.to_string()).with_field("file")
        }
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        "File too large",
        format!("an upload holds one file of at most {MAX_FILE_BYTES} bytes"),
    )
}

fn multipart_error(e: multer::Error) -> ApiError {
    crate::extract::multipart_error(e, too_large)
}

/// Reads a multipart upload: one `file` part and the scope fields `kind`, `product`, `region`.
pub(crate) async fn read_multipart(
    body: Body,
    boundary: String,
) -> Result<(String, Vec<u8>, RawScope), ApiError> {
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(MAX_FILE_BYTES as u64 + MULTIPART_OVERHEAD)
            .per_field(MAX_FILE_BYTES as u64)
            .for_field("kind", 1024)
            .for_field("product", 1024)
            .for_field("region", 1024),
    );
    let mut multipart =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut scope = RawScope::default();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                if file.is_some() {
                    return Err(unprocessable(
                        "file",
                        "one file per upload; use `agent-army ingest` for folders and batches",
                    ));
                }
                let file_name = field
                    .file_name()
                    .map(str::to_owned)
                    .filter(|n| !n.trim().is_empty())
                    .ok_or_else(|| unprocessable("file", "the file part needs a filename"))?;
                let bytes = field.bytes().await.map_err(multipart_error)?;
                file = Some((file_name, bytes.to_vec()));
            }
            "kind" | "product" | "region" | "regions" => {
                let text = field.text().await.map_err(multipart_error)?;
                match name.as_str() {
                    "kind" => scope.kind = Some(text),
                    "product" => scope.product = Some(text),
                    _ => scope.regions.push(text),
                }
            }
            other => {
                return Err(unprocessable(
                    other,
                    format!("unknown field {other:?}; expected file, kind, product, region"),
                ));
            }
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| unprocessable("file", "no `file` part in the upload"))?;
    Ok((name, bytes, scope))
}

/// A source name without directories (a browser may send a path).
fn source_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or(raw).trim();
    let name = domain::text::strip_invisible(name);
    if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
        return Err(unprocessable(
            "source",
            format!("{raw:?} is not a usable file name"),
        ));
    }
    Ok(name)
}

#[utoipa::path(post, path = "/api/v1/knowledge/documents", tag = "knowledge",
    request_body(description = "`multipart/form-data` with one `file` part and optional `kind`, \
        `product` (id or code) and `region` (repeatable) fields; or JSON text", content(
        (NewTextDocument = "application/json"))),
    responses((status = 201, body = UploadedDocument, description = "Stored as a new document"),
        (status = 200, body = UploadedDocument, description = "Replaced, or unchanged (same content and scope)"),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    request: Request,
) -> Result<(StatusCode, Json<UploadedDocument>), ApiError> {
    auth.require_writer()?;
    let (source, bytes, raw_scope) = match media_type(request.headers()).as_str() {
        "multipart/form-data" => {
            let boundary = crate::extract::multipart_boundary(request.headers())?;
            read_multipart(request.into_body(), boundary).await?
        }
        "application/json" => {
            let text: NewTextDocument = parse_json(&read_body(request, &state).await?)?;
            let scope = RawScope {
                kind: text.kind,
                product: text.product,
                regions: text.regions,
            };
            (text.source, text.content.into_bytes(), scope)
        }
        _ => {
            return Err(unsupported_media_type(
                "upload a file as multipart/form-data, or send JSON text",
            ));
        }
    };
    let w = write_ctx(&auth, request_id.0);
    let (status, outcome, document) = store_upload(&state, &w, &source, bytes, raw_scope).await?;
    Ok((status, Json(UploadedDocument { outcome, document })))
}

/// Checks, extracts, chunks and stores one uploaded file for the writer's tenant: the status
/// (`201` new, `200` otherwise), the outcome word and the document.
pub(crate) async fn store_upload(
    state: &AppState,
    w: &store::WriteCtx,
    source: &str,
    bytes: Vec<u8>,
    raw_scope: RawScope,
) -> Result<(StatusCode, &'static str, Document), ApiError> {
    let source = source_name(source)?;
    let scope = scope_of(state, w.tenant, raw_scope).await?;
    let now = w.now;
    // Extraction (PDF, DOCX) is CPU work: off the async workers.
    let prepared = tokio::task::spawn_blocking(move || prepare(&source, &bytes, &scope, now))
        .await
        .map_err(|e| ApiError::internal(format!("extraction task failed: {e}")))?;
    let (document, chunks) = prepared.map_err(|e| extract_error(&e))?;
    let outcome = state.store.put_document(w, &document, &chunks).await?;
    Ok(match outcome {
        PutDocument::Created(d) => (StatusCode::CREATED, "created", d),
        PutDocument::Replaced(d) => (StatusCode::OK, "replaced", d),
        PutDocument::Unchanged(d) => (StatusCode::OK, "unchanged", d),
    })
}

/// Filters for listing documents.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentFilters {
    pub kind: Option<String>,
    pub product_id: Option<String>,
    /// Exact source name.
    pub source: Option<String>,
}

impl ListFilters for DocumentFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = label_filter::<DocumentKind>("kind", self.kind)?
            .into_iter()
            .collect();
        filters.extend(id_filter("product_id", self.product_id)?);
        if let Some(source) = self.source {
            filters.push(Filter::Eq("source", SqlValue::text(source)));
        }
        Ok(filters)
    }
}

/// One page of documents.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentPage {
    pub items: Vec<Document>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/knowledge/documents", tag = "knowledge",
    params(PageParams, DocumentFilters),
    responses((status = 200, body = DocumentPage), (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(filters): ApiQuery<DocumentFilters>,
) -> Result<Json<DocumentPage>, ApiError> {
    auth.require_reader()?;
    let query = page.into_query(filters.into_filters()?)?;
    let found = state.store.list_documents(auth.tenant, &query).await?;
    Ok(Json(DocumentPage {
        items: found.items,
        next_cursor: found.next_cursor.map(|c| c.to_string()),
    }))
}

/// A document with its chunks.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentWithChunks {
    #[serde(flatten)]
    pub document: Document,
    pub chunks: Vec<DocumentChunk>,
}

#[utoipa::path(get, path = "/api/v1/knowledge/documents/{id}", tag = "knowledge",
    params(("id" = String, Path, description = "Document id")),
    responses((status = 200, body = DocumentWithChunks), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<DocumentWithChunks>, ApiError> {
    auth.require_reader()?;
    let id = DocumentId::from_uuid(path_id("document", &id)?);
    let document = state.store.document(auth.tenant, id).await?;
    let chunks = state.store.document_chunks(auth.tenant, id).await?;
    Ok(Json(DocumentWithChunks { document, chunks }))
}

#[utoipa::path(delete, path = "/api/v1/knowledge/documents/{id}", tag = "knowledge",
    params(("id" = String, Path, description = "Document id")),
    responses((status = 204, description = "Deleted with its chunks and vectors"),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    request_id: RequestId,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth.require_writer()?;
    let id = DocumentId::from_uuid(path_id("document", &id)?);
    let w = write_ctx(&auth, request_id.0);
    state.store.delete_document(&w, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A knowledge search.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The question or words to look for.
    pub q: Option<String>,
    /// Only documents about this product (id or code).
    pub product: Option<String>,
    /// Only documents for this region (and those for every region).
    pub region: Option<String>,
    /// Only documents of this kind.
    pub kind: Option<String>,
    /// Hits to return, 1 to 50 (default 10).
    pub limit: Option<usize>,
}

/// A search hit with its citation: document, section path and character range.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub score: f32,
    pub document_id: DocumentId,
    pub source: String,
    pub title: String,
    pub kind: DocumentKind,
    pub product_id: Option<ProductId>,
    pub regions: Vec<String>,
    pub chunk_id: domain::id::ChunkId,
    /// Headings above the passage, outermost first.
    pub section: Vec<String>,
    /// Character offsets of the passage in the document's text.
    pub start_offset: i32,
    pub end_offset: i32,
    pub text: String,
}

/// Search results.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchResponse {
    /// `bm25` (no embedding model configured) or `hybrid` (BM25 and vectors, rank-fused).
    pub mode: &'static str,
    pub query: String,
    pub items: Vec<SearchHit>,
}

#[utoipa::path(get, path = "/api/v1/knowledge/search", tag = "knowledge", params(SearchParams),
    responses((status = 200, body = SearchResponse), (status = 400, body = Problem),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    auth.require_reader()?;
    run_search(&state, auth.tenant, params).await.map(Json)
}

/// A search of one tenant's knowledge base, checked as the API checks it.
pub(crate) async fn run_search(
    state: &AppState,
    tenant: TenantId,
    params: SearchParams,
) -> Result<SearchResponse, ApiError> {
    let query = params
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if query.is_empty() {
        return Err(
            ApiError::bad_request("invalid_query", "give the search words as `q`").with_field("q"),
        );
    }
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("`q` is at most {MAX_QUERY_CHARS} characters"),
        )
        .with_field("q"));
    }
    let limit = params.limit.unwrap_or(10);
    if !(1..=MAX_HITS).contains(&limit) {
        return Err(
            ApiError::bad_request("invalid_query", format!("`limit` is 1 to {MAX_HITS}"))
                .with_field("limit"),
        );
    }
    let product = match params.product.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(resolve_product(state, tenant, raw).await?.to_string()),
    };
    let region = match params.region.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            RegionCode::parse(raw)
                .map_err(|e| {
                    ApiError::bad_request("invalid_query", format!("region: {e}"))
                        .with_field("region")
                })?
                .as_str()
                .to_owned(),
        ),
    };
    let kind = match params.kind.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse::<DocumentKind>()
                .map_err(|e| {
                    ApiError::bad_request("invalid_query", format!("kind: {e}")).with_field("kind")
                })?
                .as_str()
                .to_owned(),
        ),
    };
    let filters = knowledge::Filters {
        product,
        region,
        kind,
    };
    let results = state
        .agents
        .library
        .search(&state.store, tenant, &query, &filters, limit)
        .await
        .map_err(|e| match e {
            knowledge::library::LibraryError::Store(e) => ApiError::from(e),
            other => ApiError::internal(format!("searching the knowledge base: {other}")),
        })?;
    let items = results
        .citations
        .into_iter()
        .map(|c| SearchHit {
            score: c.score,
            document_id: c.document.id,
            source: c.document.source,
            title: c.document.title,
            kind: c.document.kind,
            product_id: c.document.product_id,
            regions: c
                .document
                .regions
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            chunk_id: c.chunk.id,
            section: c.chunk.section,
            start_offset: c.chunk.start_offset,
            end_offset: c.chunk.end_offset,
            text: c.chunk.text,
        })
        .collect();
    Ok(SearchResponse {
        mode: results.mode.as_str(),
        query,
        items,
    })
}
