//! Knowledge-base documents and their chunks. A document belongs to a tenant and is scoped,
//! optionally, to one product and some regions; its kind says what it is. Chunks keep their
//! section path and character offsets, so every search hit cites document, section and position.

use jiff::Timestamp;
use serde::Serialize;

use crate::id::{ChunkId, DocumentId, ProductId};
use crate::labels::labels;
use crate::region::RegionCode;

labels! {
    /// What a document is.
    pub enum DocumentKind {
        ProductDoc = "product_doc",
        Pricing = "pricing",
        Competitor = "competitor",
        CaseStudy = "case_study",
        Policy = "policy",
        Playbook = "playbook",
    }
}

/// A document of the knowledge base.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    pub id: DocumentId,
    /// Where it came from (file name or path); one live document per source.
    pub source: String,
    pub title: String,
    pub kind: DocumentKind,
    pub product_id: Option<ProductId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub regions: Vec<RegionCode>,
    /// SHA-256 of the extracted text, hex; the same content ingested again changes nothing.
    pub content_hash: String,
    pub size_bytes: i64,
    pub chunk_count: i32,
    /// The tenant's knowledge generation of the last change (indexes catch up to it).
    pub generation: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A chunk of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentChunk {
    pub id: ChunkId,
    pub document_id: DocumentId,
    pub ordinal: i32,
    /// Headings above it, outermost first.
    pub section: Vec<String>,
    pub text: String,
    /// Character offsets in the document's text.
    pub start_offset: i32,
    pub end_offset: i32,
}

/// A change an index must apply to catch up with the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentChange {
    pub document_id: DocumentId,
    pub generation: i64,
    /// Removed: drop its chunks from the index; otherwise (re)index its current chunks.
    pub deleted: bool,
}
