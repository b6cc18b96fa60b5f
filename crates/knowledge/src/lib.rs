//! The knowledge base: documents cut into chunks that keep their section path and character
//! offsets (so every hit cites document, section and position), and a full-text index per tenant
//! searched with BM25. Retrieval quality is measured on BEIR SciFact (`benches/scifact.rs`).
//!
//! [`library::Library`] keeps each tenant's index in step with the store's documents; everything
//! else here is pure of the store and the server.

pub mod answer;
pub mod catalog;
pub mod chunk;
pub mod eval;
pub mod extract;
pub mod fixtures;
pub mod fusion;
pub mod index;
pub mod ingest;
pub mod library;
pub mod qdrant;
pub mod retriever;
pub mod vectors;

pub use chunk::{Chunk, chunk_text};
pub use extract::{ExtractError, Format, extract};
pub use index::{Filters, Hit, IndexError, IndexedChunk, TenantIndex};
pub use retriever::{DocumentScope, SearchMode, VectorShelf};
