//! Knowledge-base write outcomes.

use domain::knowledge::Document;

/// What storing a document did.
#[derive(Debug, Clone, PartialEq)]
pub enum PutDocument {
    /// A new source.
    Created(Document),
    /// The source held other content or scope; its chunks were replaced.
    Replaced(Document),
    /// The source already held this content and scope; nothing changed.
    Unchanged(Document),
}

impl PutDocument {
    /// The document as stored.
    pub fn document(&self) -> &Document {
        match self {
            Self::Created(d) | Self::Replaced(d) | Self::Unchanged(d) => d,
        }
    }
}

/// A chunk's embedding as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVector {
    pub chunk_id: domain::id::ChunkId,
    pub document_id: domain::id::DocumentId,
    pub vector: Vec<f32>,
}
