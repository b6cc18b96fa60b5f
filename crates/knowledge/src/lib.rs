//! The knowledge base: documents cut into chunks that keep their section path and character
//! offsets (so every hit cites document, section and position), and a full-text index per tenant
//! searched with BM25. Retrieval quality is measured on BEIR SciFact (`benches/scifact.rs`).
//!
//! Pure of the store and the server: callers own where documents come from and where indexes live.

pub mod chunk;
pub mod eval;
pub mod extract;
pub mod fusion;
pub mod index;
pub mod vectors;

pub use chunk::{Chunk, chunk_text};
pub use extract::{ExtractError, Format, extract};
pub use index::{Filters, Hit, IndexError, IndexedChunk, TenantIndex};
