//! The library: each tenant's search index, kept in step with the store. An index records the
//! knowledge generation it has applied (in its directory, so a restart resumes); before a search
//! it applies the documents changed since, whichever replica changed them. Applying a change is
//! "remove the document's chunks, then add its current ones", so applying one twice is harmless.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use domain::id::{DocumentId, TenantId};
use domain::knowledge::{Document, DocumentChunk};
use llm::embeddings::Embedder;
use store::Store;

use crate::index::{Filters, IndexError, IndexedChunk, TenantIndex};
use crate::qdrant::Qdrant;
use crate::retriever::{self, DocumentScope, SearchMode, VectorShelf};

/// Chunks embedded per call to the model (and stored per transaction).
pub const EMBED_BATCH: usize = 32;

/// Why a library operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("embedding: {0}")]
    Embedding(#[from] llm::LlmError),
    #[error("the embedding model changed size: {0}")]
    Dimensions(#[from] crate::vectors::DimensionMismatch),
    #[error(transparent)]
    Qdrant(#[from] crate::qdrant::QdrantError),
}

/// A hit with what a citation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Citation {
    pub document: Document,
    pub chunk: DocumentChunk,
    pub score: f32,
}

/// The hits of a search and how they were ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    pub mode: SearchMode,
    pub citations: Vec<Citation>,
}

/// The generations an index and the vectors have applied.
struct Applied {
    text: i64,
    /// `None` until the vectors are loaded (they live in memory only).
    vectors: Option<i64>,
}

struct Shelf {
    index: TenantIndex,
    vectors: RwLock<VectorShelf>,
    applied: tokio::sync::Mutex<Applied>,
    /// Where the full-text index's generation is kept.
    marker: Option<PathBuf>,
}

/// Every tenant's index.
pub struct Library {
    /// Where indexes live (`<root>/<tenant id>`); in memory when `None`.
    root: Option<PathBuf>,
    shelves: Mutex<HashMap<TenantId, Arc<Shelf>>>,
    embedder: Option<Arc<dyn Embedder>>,
    /// Where vectors live when not in memory.
    qdrant: Option<Qdrant>,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("root", &self.root)
            .field("embedder", &self.embedder.as_ref().map(|e| e.name()))
            .finish_non_exhaustive()
    }
}

/// The text a chunk is indexed and embedded as: title, section path and body.
pub fn indexed_text(document: &Document, chunk: &DocumentChunk) -> String {
    format!(
        "{}\n{}\n{}",
        document.title,
        chunk.section.join(" / "),
        chunk.text
    )
}

fn scope_of(document: &Document) -> DocumentScope {
    DocumentScope {
        product: document.product_id.map(|p| p.to_string()),
        regions: document
            .regions
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        kind: document.kind.as_str().to_owned(),
    }
}

fn poisoned() -> IndexError {
    IndexError::Directory("library lock poisoned".into())
}

impl Library {
    /// A full-text-only library keeping indexes under `root` (in memory when `None`).
    pub fn new(root: Option<PathBuf>) -> Self {
        Self::with_embedder(root, None)
    }

    /// A library that also embeds chunks and fuses vector similarity into searches.
    pub fn with_embedder(root: Option<PathBuf>, embedder: Option<Arc<dyn Embedder>>) -> Self {
        Self {
            root,
            shelves: Mutex::new(HashMap::new()),
            embedder,
            qdrant: None,
        }
    }

    /// Keeps vectors in Qdrant (a collection per tenant) instead of in memory.
    pub fn with_qdrant(mut self, qdrant: Qdrant) -> Self {
        self.qdrant = Some(qdrant);
        self
    }

    /// Where the generation the tenant's Qdrant collection has applied is kept.
    fn qdrant_marker(&self, tenant: TenantId) -> Option<PathBuf> {
        self.root
            .as_ref()
            .map(|root| root.join(tenant.to_string()).join("qdrant-generation"))
    }

    /// How searches rank: hybrid with an embedding model, BM25 without.
    pub fn mode(&self) -> SearchMode {
        if self.embedder.is_some() {
            SearchMode::Hybrid
        } else {
            SearchMode::Bm25
        }
    }

    /// The embedding model's name (vectors are stored under it), if one is configured.
    pub fn embedder_name(&self) -> Option<String> {
        self.embedder.as_ref().map(|e| e.name())
    }

    fn shelf(&self, tenant: TenantId) -> Result<Arc<Shelf>, LibraryError> {
        let mut shelves = self.shelves.lock().map_err(|_| poisoned())?;
        if let Some(shelf) = shelves.get(&tenant) {
            return Ok(Arc::clone(shelf));
        }
        let (index, marker, applied) = match &self.root {
            Some(root) => {
                let dir = root.join(tenant.to_string());
                let index = TenantIndex::open(&dir.join("bm25"))?;
                let marker = dir.join("generation");
                let applied = std::fs::read_to_string(&marker)
                    .ok()
                    .and_then(|t| t.trim().parse().ok())
                    .unwrap_or(0);
                (index, Some(marker), applied)
            }
            None => (TenantIndex::in_memory()?, None, 0),
        };
        let shelf = Arc::new(Shelf {
            index,
            vectors: RwLock::new(VectorShelf::default()),
            applied: tokio::sync::Mutex::new(Applied {
                text: applied,
                vectors: None,
            }),
            marker,
        });
        shelves.insert(tenant, Arc::clone(&shelf));
        Ok(shelf)
    }

    /// Loads every stored vector of the tenant; returns the generation they reflect at least.
    async fn load_vectors(
        &self,
        store: &Store,
        tenant: TenantId,
        model: &str,
        shelf: &Shelf,
    ) -> Result<i64, LibraryError> {
        // Read the generation first: whatever the loads below see is at least this new, and
        // later changes are applied again (harmlessly).
        let (current, _) = store.knowledge_changes(tenant, i64::MAX).await?;
        let mut scopes: HashMap<DocumentId, DocumentScope> = HashMap::new();
        let documents: Vec<Document> = store.list_all_documents(tenant).await?;
        for document in &documents {
            scopes.insert(document.id, scope_of(document));
        }
        let stored = store.vectors(tenant, None, model).await?;
        let mut shelf_vectors = VectorShelf::default();
        for v in &stored {
            if let Some(scope) = scopes.get(&v.document_id) {
                shelf_vectors.add(
                    &v.chunk_id.to_string(),
                    &v.document_id.to_string(),
                    scope,
                    &v.vector,
                )?;
            }
        }
        *shelf.vectors.write().map_err(|_| poisoned())? = shelf_vectors;
        Ok(current)
    }

    /// Applies the tenant's changes since the index's generation; returns the generation reached.
    pub async fn catch_up(&self, store: &Store, tenant: TenantId) -> Result<i64, LibraryError> {
        let shelf = self.shelf(tenant)?;
        let mut applied = shelf.applied.lock().await;
        let model = self.embedder_name();
        if let Some(model) = &model
            && applied.vectors.is_none()
        {
            applied.vectors = Some(match &self.qdrant {
                // Qdrant keeps its points: resume from the generation it had applied.
                Some(_) => self
                    .qdrant_marker(tenant)
                    .and_then(|m| std::fs::read_to_string(m).ok())
                    .and_then(|t| t.trim().parse().ok())
                    .unwrap_or(0),
                None => self.load_vectors(store, tenant, model, &shelf).await?,
            });
        }
        let since = applied.text.min(applied.vectors.unwrap_or(i64::MAX));
        let (current, changes) = store.knowledge_changes(tenant, since).await?;
        // Full-text changes go in batches, one commit each (a commit costs milliseconds).
        let mut pending = TextBatch::default();
        // A Qdrant failure leaves the vectors where they were (retried next time); full text
        // goes on.
        let mut vectors_ok = true;
        for change in changes {
            let for_text = change.generation > applied.text;
            let for_vectors = vectors_ok
                && model.is_some()
                && applied.vectors.is_some_and(|done| change.generation > done);
            let document_id = change.document_id.to_string();
            if for_text {
                pending.deleted.push(document_id.clone());
            }
            if for_vectors {
                match &self.qdrant {
                    Some(qdrant) => {
                        if let Err(e) = qdrant.delete_document(tenant, &document_id).await {
                            tracing::warn!(error = %e, "updating Qdrant failed; retrying at the next search");
                            vectors_ok = false;
                        }
                    }
                    None => shelf
                        .vectors
                        .write()
                        .map_err(|_| poisoned())?
                        .remove_document(&document_id),
                }
            }
            if !change.deleted {
                let document = match store.document(tenant, change.document_id).await {
                    Ok(document) => Some(document),
                    // Deleted since the list was read: a later generation says so.
                    Err(store::Error::NotFound { .. }) => None,
                    Err(e) => return Err(e.into()),
                };
                if let Some(document) = document {
                    if for_text {
                        let chunks = store.document_chunks(tenant, change.document_id).await?;
                        pending.added.push((document.clone(), chunks));
                    }
                    if let Some(model) = &model
                        && for_vectors
                        && vectors_ok
                    {
                        let vectors: Vec<(String, Vec<f32>)> = store
                            .vectors(tenant, Some(change.document_id), model)
                            .await?
                            .into_iter()
                            .map(|v| (v.chunk_id.to_string(), v.vector))
                            .collect();
                        match &self.qdrant {
                            Some(qdrant) => {
                                let put = qdrant
                                    .put_document(
                                        tenant,
                                        &document_id,
                                        &scope_of(&document),
                                        &vectors,
                                    )
                                    .await;
                                if let Err(e) = put {
                                    tracing::warn!(error = %e, "updating Qdrant failed; retrying at the next search");
                                    vectors_ok = false;
                                }
                            }
                            None => shelf
                                .vectors
                                .write()
                                .map_err(|_| poisoned())?
                                .put_document(&document_id, scope_of(&document), &vectors)?,
                        }
                    }
                }
            }
            if pending.is_full() {
                pending.commit(&shelf.index)?;
            }
        }
        pending.commit(&shelf.index)?;
        if current > applied.text {
            applied.text = current;
            if let Some(marker) = &shelf.marker {
                // Best effort: a lost marker only means applying some changes again.
                let _ = std::fs::write(marker, current.to_string());
            }
        }
        if let Some(done) = applied.vectors
            && vectors_ok
        {
            if current > done
                && self.qdrant.is_some()
                && let Some(marker) = self.qdrant_marker(tenant)
            {
                let _ = std::fs::write(marker, current.to_string());
            }
            applied.vectors = Some(current.max(done));
        }
        Ok(current)
    }

    /// Embeds a document's chunks that have no vector yet, in batches; returns how many were
    /// stored. Without an embedding model, does nothing.
    pub async fn embed_document(
        &self,
        store: &Store,
        tenant: TenantId,
        document: DocumentId,
    ) -> Result<usize, LibraryError> {
        self.embed_chunks(store, tenant, document, &|_| {}).await
    }

    async fn embed_chunks(
        &self,
        store: &Store,
        tenant: TenantId,
        document_id: DocumentId,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<usize, LibraryError> {
        let Some(embedder) = &self.embedder else {
            return Ok(0);
        };
        let model = embedder.name();
        let document = match store.document(tenant, document_id).await {
            Ok(document) => document,
            Err(store::Error::NotFound { .. }) => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        let chunks = store
            .chunks_without_vectors(tenant, document_id, &model)
            .await?;
        let mut stored = 0;
        for batch in chunks.chunks(EMBED_BATCH) {
            let texts: Vec<String> = batch.iter().map(|c| indexed_text(&document, c)).collect();
            let vectors = embedder.embed(&texts).await?;
            let pairs: Vec<_> = batch.iter().map(|c| c.id).zip(vectors).collect();
            stored += store
                .put_vectors(tenant, document_id, &model, &pairs)
                .await?;
            progress(batch.len());
        }
        Ok(stored)
    }

    /// Embeds every chunk of the tenant that has no vector yet; `progress(done, total)` is
    /// called after each batch. Returns how many vectors were stored.
    pub async fn embed_missing(
        &self,
        store: &Store,
        tenant: TenantId,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<usize, LibraryError> {
        let Some(model) = self.embedder_name() else {
            return Ok(0);
        };
        let missing = store.documents_without_vectors(tenant, &model).await?;
        let total: u64 = missing
            .iter()
            .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
            .sum();
        let done = std::sync::atomic::AtomicU64::new(0);
        let mut stored = 0;
        for (document, _) in missing {
            stored += self
                .embed_chunks(store, tenant, document, &|n| {
                    let now =
                        done.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed) + n as u64;
                    progress(now, total);
                })
                .await?;
        }
        Ok(stored)
    }

    /// The tenant's best chunks for a query, with their documents, after catching up.
    pub async fn search(
        &self,
        store: &Store,
        tenant: TenantId,
        query: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<SearchResults, LibraryError> {
        self.catch_up(store, tenant).await?;
        let shelf = self.shelf(tenant)?;
        let query_vector = match &self.embedder {
            Some(embedder) if !query.trim().is_empty() => {
                match embedder.embed(&[query.to_owned()]).await {
                    Ok(vectors) => vectors.into_iter().next(),
                    // An unreachable model endpoint degrades search to BM25; the mode says so.
                    Err(e) => {
                        tracing::warn!(error = %e, "embedding the query failed; searching BM25 only");
                        None
                    }
                }
            }
            _ => None,
        };
        let (mode, hits) = match (&self.qdrant, query_vector.as_deref()) {
            (Some(qdrant), Some(vector)) => {
                let depth = retriever::candidates(limit);
                let text_hits = shelf.index.search(query, filters, depth)?;
                match qdrant.search(tenant, vector, filters, depth).await {
                    Ok(vector_hits) => (
                        SearchMode::Hybrid,
                        retriever::fuse(&text_hits, &vector_hits, limit),
                    ),
                    // Qdrant down: full text still answers, and the mode says so.
                    Err(e) => {
                        tracing::warn!(error = %e, "searching Qdrant failed; searching BM25 only");
                        (
                            SearchMode::Bm25,
                            text_hits.into_iter().take(limit).collect(),
                        )
                    }
                }
            }
            _ => {
                let vectors = shelf.vectors.read().map_err(|_| poisoned())?;
                retriever::search(
                    &shelf.index,
                    &vectors,
                    query,
                    query_vector.as_deref(),
                    filters,
                    limit,
                )?
            }
        };
        let mut documents: HashMap<String, (Document, Vec<DocumentChunk>)> = HashMap::new();
        let mut citations = Vec::with_capacity(hits.len());
        for hit in hits {
            if !documents.contains_key(&hit.document_id) {
                let Ok(uuid) = hit.document_id.parse() else {
                    continue;
                };
                let id = DocumentId::from_uuid(uuid);
                match store.document(tenant, id).await {
                    Ok(document) => {
                        let chunks = store.document_chunks(tenant, id).await?;
                        documents.insert(hit.document_id.clone(), (document, chunks));
                    }
                    Err(store::Error::NotFound { .. }) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            let (document, chunks) = &documents[&hit.document_id];
            if let Some(chunk) = chunks.iter().find(|c| c.id.to_string() == hit.chunk_id) {
                citations.push(Citation {
                    document: document.clone(),
                    chunk: chunk.clone(),
                    score: hit.score,
                });
            }
        }
        Ok(SearchResults { mode, citations })
    }
}

/// Full-text changes waiting for one commit.
#[derive(Default)]
struct TextBatch {
    deleted: Vec<String>,
    added: Vec<(Document, Vec<DocumentChunk>)>,
}

impl TextBatch {
    /// Chunks to gather before committing.
    const CHUNKS: usize = 5_000;

    fn is_full(&self) -> bool {
        self.added.iter().map(|(_, c)| c.len()).sum::<usize>() >= Self::CHUNKS
    }

    /// Removes the deleted documents' chunks and adds the new ones, in one commit.
    fn commit(&mut self, index: &TenantIndex) -> Result<(), IndexError> {
        if self.deleted.is_empty() && self.added.is_empty() {
            return Ok(());
        }
        // One scope per document; its chunks borrow it.
        let scopes: Vec<DocumentScope> = self.added.iter().map(|(d, _)| scope_of(d)).collect();
        let mut rows: Vec<(String, String, String, &DocumentScope)> = Vec::new();
        for ((document, chunks), scope) in self.added.iter().zip(&scopes) {
            for chunk in chunks {
                rows.push((
                    chunk.id.to_string(),
                    document.id.to_string(),
                    indexed_text(document, chunk),
                    scope,
                ));
            }
        }
        let indexed: Vec<IndexedChunk<'_>> = rows
            .iter()
            .map(|(chunk_id, document_id, text, scope)| IndexedChunk {
                chunk_id,
                document_id,
                text,
                product: scope.product.as_deref(),
                regions: &scope.regions,
                kind: &scope.kind,
            })
            .collect();
        let deleted: Vec<&str> = self.deleted.iter().map(String::as_str).collect();
        index.apply(&deleted, &indexed)?;
        *self = Self::default();
        Ok(())
    }
}
