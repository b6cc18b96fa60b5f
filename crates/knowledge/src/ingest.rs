//! From a file to what the store keeps: extract the text, chunk it, hash it. Pure; the caller
//! stores the result (`Store::put_document`) and the library indexes it.

use domain::id::{ChunkId, DocumentId, ProductId};
use domain::knowledge::{Document, DocumentChunk, DocumentKind};
use domain::region::RegionCode;
use sha2::{Digest, Sha256};

use crate::chunk::chunk_text;
use crate::extract::{ExtractError, extract};

/// Characters per chunk at most.
pub const CHUNK_CHARS: usize = 1200;

/// Where a document belongs.
#[derive(Debug, Clone)]
pub struct Scope {
    pub kind: DocumentKind,
    pub product_id: Option<ProductId>,
    pub regions: Vec<RegionCode>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The document and chunks of a file named `source`.
pub fn prepare(
    source: &str,
    bytes: &[u8],
    scope: &Scope,
    now: jiff::Timestamp,
) -> Result<(Document, Vec<DocumentChunk>), ExtractError> {
    let text = extract(source, bytes)?;
    let id = DocumentId::generate();
    let chunks: Vec<DocumentChunk> = chunk_text(&text, CHUNK_CHARS)
        .into_iter()
        .enumerate()
        .map(|(i, c)| DocumentChunk {
            id: ChunkId::generate(),
            document_id: id,
            ordinal: i32::try_from(i).unwrap_or(i32::MAX),
            section: c.section,
            text: c.text,
            start_offset: i32::try_from(c.start).unwrap_or(i32::MAX),
            end_offset: i32::try_from(c.end).unwrap_or(i32::MAX),
        })
        .collect();
    let title = chunks
        .first()
        .and_then(|c| c.section.first().cloned())
        .unwrap_or_else(|| {
            std::path::Path::new(source)
                .file_stem()
                .map_or_else(|| source.to_owned(), |s| s.to_string_lossy().into_owned())
        });
    let document = Document {
        id,
        source: source.to_owned(),
        title: title.chars().take(300).collect(),
        kind: scope.kind,
        product_id: scope.product_id,
        regions: scope.regions.clone(),
        content_hash: hex(&Sha256::digest(text.as_bytes())),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        chunk_count: i32::try_from(chunks.len()).unwrap_or(i32::MAX),
        generation: 0,
        created_at: now,
        updated_at: now,
    };
    Ok((document, chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_becomes_a_titled_hashed_document_with_chunks() {
        let scope = Scope {
            kind: DocumentKind::Pricing,
            product_id: None,
            regions: Vec::new(),
        };
        let now = jiff::Timestamp::UNIX_EPOCH;
        let (doc, chunks) = prepare(
            "docs/price-book.md",
            b"# Price book\n\nCore: 10 EUR.",
            &scope,
            now,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(doc.title, "Price book");
        assert_eq!(doc.chunk_count, 1);
        assert_eq!(chunks[0].document_id, doc.id);
        let (again, _) = prepare(
            "docs/price-book.md",
            b"# Price book\n\nCore: 10 EUR.",
            &scope,
            now,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            doc.content_hash, again.content_hash,
            "the same text hashes the same"
        );
        assert!(prepare("x.exe", b"MZ", &scope, now).is_err());
    }
}
