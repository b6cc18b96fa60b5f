//! One tenant's retrieval: the BM25 index, the chunk vectors with each document's scope, and the
//! fusion of both rankings. Pure of the store, so the library and the SciFact benchmark run the
//! same code.

use std::collections::HashMap;

use serde::Serialize;

use crate::fusion::{RRF_K, reciprocal_rank_fusion};
use crate::index::{Filters, Hit, IndexError, TenantIndex};
use crate::vectors::{DimensionMismatch, FlatIndex};

/// How a search ranked its hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    /// Full text only: no embedding model is configured.
    Bm25,
    /// Full text and vector similarity, fused by reciprocal rank.
    Hybrid,
}

impl SearchMode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bm25 => "bm25",
            Self::Hybrid => "hybrid",
        }
    }
}

/// Where a document applies, as filters see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentScope {
    pub product: Option<String>,
    /// Empty: every region.
    pub regions: Vec<String>,
    pub kind: String,
}

impl DocumentScope {
    /// Whether the filters admit the document (as the full-text index applies them).
    pub fn admits(&self, filters: &Filters) -> bool {
        filters
            .product
            .as_ref()
            .is_none_or(|p| self.product.as_ref() == Some(p))
            && filters.kind.as_ref().is_none_or(|k| &self.kind == k)
            && filters
                .region
                .as_ref()
                .is_none_or(|r| self.regions.is_empty() || self.regions.contains(r))
    }
}

/// Chunk vectors with the scope of their documents.
#[derive(Debug, Default)]
pub struct VectorShelf {
    index: FlatIndex,
    scopes: HashMap<String, DocumentScope>,
}

impl VectorShelf {
    /// Replaces a document's vectors: (chunk id, normalised vector).
    pub fn put_document(
        &mut self,
        document_id: &str,
        scope: DocumentScope,
        vectors: &[(String, Vec<f32>)],
    ) -> Result<(), DimensionMismatch> {
        self.remove_document(document_id);
        if vectors.is_empty() {
            return Ok(());
        }
        for (chunk_id, vector) in vectors {
            self.index.add(chunk_id, document_id, vector)?;
        }
        self.scopes.insert(document_id.to_owned(), scope);
        Ok(())
    }

    /// Adds one vector of a document whose scope is set (bulk loading).
    pub fn add(
        &mut self,
        chunk_id: &str,
        document_id: &str,
        scope: &DocumentScope,
        vector: &[f32],
    ) -> Result<(), DimensionMismatch> {
        self.index.add(chunk_id, document_id, vector)?;
        if !self.scopes.contains_key(document_id) {
            self.scopes.insert(document_id.to_owned(), scope.clone());
        }
        Ok(())
    }

    /// Removes a document's vectors.
    pub fn remove_document(&mut self, document_id: &str) {
        if self.scopes.remove(document_id).is_some() {
            self.index.delete_document(document_id);
        }
    }

    /// Vectors held.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether no vector is held.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The `limit` chunks nearest the query vector inside the filters.
    pub fn search(&self, query: &[f32], filters: &Filters, limit: usize) -> Vec<Hit> {
        let unfiltered =
            filters.product.is_none() && filters.region.is_none() && filters.kind.is_none();
        let hits = if unfiltered {
            self.index.search(query, limit)
        } else {
            self.index.search_where(query, limit, |document_id| {
                self.scopes
                    .get(document_id)
                    .is_some_and(|scope| scope.admits(filters))
            })
        };
        // Orthogonal or opposite vectors share nothing with the query.
        hits.into_iter()
            .filter(|(_, _, score)| *score > 0.0)
            .map(|(chunk_id, document_id, score)| Hit {
                chunk_id,
                document_id,
                score,
            })
            .collect()
    }
}

/// How many candidates each ranking gives the fusion.
pub fn candidates(limit: usize) -> usize {
    (limit * 2).max(100)
}

/// Fuses a full-text and a vector ranking; each hit's score becomes its fused score.
pub fn fuse(text: &[Hit], vectors: &[Hit], limit: usize) -> Vec<Hit> {
    let mut documents: HashMap<&str, &str> = HashMap::new();
    for hit in text.iter().chain(vectors) {
        documents.insert(&hit.chunk_id, &hit.document_id);
    }
    let rankings = [
        text.iter().map(|h| h.chunk_id.clone()).collect::<Vec<_>>(),
        vectors.iter().map(|h| h.chunk_id.clone()).collect(),
    ];
    reciprocal_rank_fusion(&rankings, RRF_K)
        .into_iter()
        .take(limit)
        .map(|(chunk_id, score)| Hit {
            document_id: documents
                .get(chunk_id.as_str())
                .map(|d| (*d).to_owned())
                .unwrap_or_default(),
            chunk_id,
            score: score as f32,
        })
        .collect()
}

/// BM25 alone, or fused with vectors when a query vector is given and vectors exist.
pub fn search(
    text: &TenantIndex,
    vectors: &VectorShelf,
    query: &str,
    query_vector: Option<&[f32]>,
    filters: &Filters,
    limit: usize,
) -> Result<(SearchMode, Vec<Hit>), IndexError> {
    let Some(query_vector) = query_vector else {
        return Ok((SearchMode::Bm25, text.search(query, filters, limit)?));
    };
    let depth = candidates(limit);
    let text_hits = text.search(query, filters, depth)?;
    let vector_hits = vectors.search(query_vector, filters, depth);
    Ok((SearchMode::Hybrid, fuse(&text_hits, &vector_hits, limit)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(chunk: &str, document: &str) -> Hit {
        Hit {
            chunk_id: chunk.into(),
            document_id: document.into(),
            score: 1.0,
        }
    }

    fn scope(product: Option<&str>, regions: &[&str], kind: &str) -> DocumentScope {
        DocumentScope {
            product: product.map(str::to_owned),
            regions: regions.iter().map(|r| (*r).to_owned()).collect(),
            kind: kind.into(),
        }
    }

    #[test]
    fn scopes_admit_like_the_full_text_filters() {
        let emea = scope(Some("p1"), &["EMEA"], "pricing");
        let everywhere = scope(None, &[], "policy");
        let region = |r: &str| Filters {
            region: Some(r.into()),
            ..Filters::default()
        };
        assert!(emea.admits(&Filters::default()));
        assert!(emea.admits(&region("EMEA")));
        assert!(!emea.admits(&region("APAC")));
        assert!(everywhere.admits(&region("APAC")), "no region means all");
        let product = Filters {
            product: Some("p1".into()),
            ..Filters::default()
        };
        assert!(emea.admits(&product));
        assert!(
            !everywhere.admits(&product),
            "no product is not every product"
        );
        let kind = Filters {
            kind: Some("policy".into()),
            ..Filters::default()
        };
        assert!(!emea.admits(&kind) && everywhere.admits(&kind));
    }

    #[test]
    fn vector_search_respects_filters_and_replacement() {
        let mut shelf = VectorShelf::default();
        let put = |shelf: &mut VectorShelf, doc: &str, s: DocumentScope, v: Vec<f32>| {
            shelf
                .put_document(doc, s, &[(format!("{doc}-c"), v)])
                .unwrap_or_else(|e| unreachable!("{e}"));
        };
        put(
            &mut shelf,
            "d1",
            scope(None, &["EMEA"], "pricing"),
            vec![1.0, 0.0],
        );
        put(
            &mut shelf,
            "d2",
            scope(None, &["APAC"], "pricing"),
            vec![0.9, 0.1],
        );
        let apac = Filters {
            region: Some("APAC".into()),
            ..Filters::default()
        };
        let hits = shelf.search(&[1.0, 0.0], &apac, 5);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].document_id, "d2");
        put(
            &mut shelf,
            "d2",
            scope(None, &["EMEA"], "pricing"),
            vec![0.0, 1.0],
        );
        assert_eq!(
            shelf.len(),
            2,
            "a replaced document keeps one set of vectors"
        );
        assert!(shelf.search(&[1.0, 0.0], &apac, 5).is_empty());
        shelf.remove_document("d1");
        assert_eq!(shelf.len(), 1);
    }

    #[test]
    fn fusion_rewards_agreement() {
        let text = [hit("a", "d1"), hit("b", "d1"), hit("c", "d2")];
        let vectors = [hit("c", "d2"), hit("d", "d3"), hit("a", "d1")];
        let fused = fuse(&text, &vectors, 3);
        let ids: Vec<&str> = fused.iter().map(|h| h.chunk_id.as_str()).collect();
        assert_eq!(ids, ["a", "c", "b"]);
        assert_eq!(fused[1].document_id, "d2");
    }
}
