//! The library: each tenant's search index, kept in step with the store. An index records the
//! knowledge generation it has applied (in its directory, so a restart resumes); before a search
//! it applies the documents changed since, whichever replica changed them. Applying a change is
//! "remove the document's chunks, then add its current ones", so applying one twice is harmless.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use domain::id::{DocumentId, TenantId};
use domain::knowledge::{Document, DocumentChunk};
use store::Store;

use crate::index::{Filters, IndexError, IndexedChunk, TenantIndex};

/// Why a library operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// A hit with what a citation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Citation {
    pub document: Document,
    pub chunk: DocumentChunk,
    pub score: f32,
}

struct Shelf {
    index: TenantIndex,
    /// The generation applied, and where it is kept.
    applied: tokio::sync::Mutex<i64>,
    marker: Option<PathBuf>,
}

/// Every tenant's index.
pub struct Library {
    /// Where indexes live (`<root>/<tenant id>`); in memory when `None`.
    root: Option<PathBuf>,
    shelves: Mutex<HashMap<TenantId, Arc<Shelf>>>,
}

/// The text a chunk is indexed under: title, section path and body.
fn indexed_text(document: &Document, chunk: &DocumentChunk) -> String {
    format!(
        "{}\n{}\n{}",
        document.title,
        chunk.section.join(" / "),
        chunk.text
    )
}

impl Library {
    /// A library keeping indexes under `root` (in memory when `None`).
    pub fn new(root: Option<PathBuf>) -> Self {
        Self {
            root,
            shelves: Mutex::new(HashMap::new()),
        }
    }

    fn shelf(&self, tenant: TenantId) -> Result<Arc<Shelf>, LibraryError> {
        let mut shelves = self
            .shelves
            .lock()
            .map_err(|_| IndexError::Directory("library lock poisoned".into()))?;
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
            applied: tokio::sync::Mutex::new(applied),
            marker,
        });
        shelves.insert(tenant, Arc::clone(&shelf));
        Ok(shelf)
    }

    /// Applies the tenant's changes since the index's generation; returns the generation reached.
    pub async fn catch_up(&self, store: &Store, tenant: TenantId) -> Result<i64, LibraryError> {
        let shelf = self.shelf(tenant)?;
        let mut applied = shelf.applied.lock().await;
        let (current, changes) = store.knowledge_changes(tenant, *applied).await?;
        if changes.is_empty() {
            *applied = current.max(*applied);
            return Ok(*applied);
        }
        for change in changes {
            shelf
                .index
                .delete_document(&change.document_id.to_string())?;
            if change.deleted {
                continue;
            }
            let document = match store.document(tenant, change.document_id).await {
                Ok(document) => document,
                // Deleted since the list was read: a later generation says so.
                Err(store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            let chunks = store.document_chunks(tenant, change.document_id).await?;
            let texts: Vec<(String, String)> = chunks
                .iter()
                .map(|c| (c.id.to_string(), indexed_text(&document, c)))
                .collect();
            let regions: Vec<String> = document
                .regions
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect();
            let document_id = document.id.to_string();
            let product = document.product_id.map(|p| p.to_string());
            let indexed: Vec<IndexedChunk<'_>> = texts
                .iter()
                .map(|(chunk_id, text)| IndexedChunk {
                    chunk_id,
                    document_id: &document_id,
                    text,
                    product: product.as_deref(),
                    regions: &regions,
                    kind: document.kind.as_str(),
                })
                .collect();
            shelf.index.add(&indexed)?;
        }
        *applied = current;
        if let Some(marker) = &shelf.marker {
            // Best effort: a lost marker only means applying some changes again.
            let _ = std::fs::write(marker, current.to_string());
        }
        Ok(current)
    }

    /// The tenant's best chunks for a query, with their documents, after catching up.
    pub async fn search(
        &self,
        store: &Store,
        tenant: TenantId,
        query: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Citation>, LibraryError> {
        self.catch_up(store, tenant).await?;
        let shelf = self.shelf(tenant)?;
        let hits = shelf.index.search(query, filters, limit)?;
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
        Ok(citations)
    }
}
