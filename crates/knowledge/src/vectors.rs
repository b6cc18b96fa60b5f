//! A flat vector index: every chunk's normalised embedding in memory, searched exactly by dot
//! product (cosine similarity). Exact search stays in the low milliseconds up to about 100k
//! chunks of 384 dimensions per tenant; past that, the Qdrant backend is the way.

/// One tenant's vectors.
#[derive(Debug, Default)]
pub struct FlatIndex {
    dimensions: usize,
    chunk_ids: Vec<String>,
    document_ids: Vec<String>,
    /// Row-major, `dimensions` floats per chunk.
    values: Vec<f32>,
}

/// Why a vector was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("vector of {got} dimensions where the index holds {want}")]
pub struct DimensionMismatch {
    pub want: usize,
    pub got: usize,
}

impl FlatIndex {
    /// Adds a chunk's (normalised) vector. The first vector fixes the dimensions.
    pub fn add(
        &mut self,
        chunk_id: &str,
        document_id: &str,
        vector: &[f32],
    ) -> Result<(), DimensionMismatch> {
        if self.chunk_ids.is_empty() && self.dimensions == 0 {
            self.dimensions = vector.len();
        }
        if vector.len() != self.dimensions || vector.is_empty() {
            return Err(DimensionMismatch {
                want: self.dimensions,
                got: vector.len(),
            });
        }
        self.chunk_ids.push(chunk_id.to_owned());
        self.document_ids.push(document_id.to_owned());
        self.values.extend_from_slice(vector);
        Ok(())
    }

    /// Removes every chunk of a document.
    pub fn delete_document(&mut self, document_id: &str) {
        let keep: Vec<bool> = self.document_ids.iter().map(|d| d != document_id).collect();
        let dims = self.dimensions;
        let mut values = Vec::with_capacity(self.values.len());
        for (i, kept) in keep.iter().enumerate() {
            if *kept {
                values.extend_from_slice(&self.values[i * dims..(i + 1) * dims]);
            }
        }
        let mut k = keep.iter();
        self.chunk_ids.retain(|_| *k.next().unwrap_or(&false));
        let mut k = keep.iter();
        self.document_ids.retain(|_| *k.next().unwrap_or(&false));
        self.values = values;
    }

    /// Chunks held.
    pub fn len(&self) -> usize {
        self.chunk_ids.len()
    }

    /// Whether it holds no chunk.
    pub fn is_empty(&self) -> bool {
        self.chunk_ids.is_empty()
    }

    /// The `limit` chunks most similar to the (normalised) query: (chunk id, document id, score).
    pub fn search(&self, query: &[f32], limit: usize) -> Vec<(String, String, f32)> {
        self.search_where(query, limit, |_| true)
    }

    /// As [`Self::search`], over the chunks whose document `keep` admits.
    pub fn search_where(
        &self,
        query: &[f32],
        limit: usize,
        keep: impl Fn(&str) -> bool,
    ) -> Vec<(String, String, f32)> {
        if query.len() != self.dimensions || limit == 0 {
            return Vec::new();
        }
        let mut scored: Vec<(usize, f32)> = self
            .values
            .chunks_exact(self.dimensions)
            .enumerate()
            .filter(|(i, _)| keep(&self.document_ids[*i]))
            .map(|(i, row)| (i, dot(row, query)))
            .collect();
        let limit = limit.min(scored.len());
        if limit < scored.len() {
            scored.select_nth_unstable_by(limit, |a, b| b.1.total_cmp(&a.1));
            scored.truncate(limit);
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored
            .into_iter()
            .map(|(i, s)| (self.chunk_ids[i].clone(), self.document_ids[i].clone(), s))
            .collect()
    }
}

/// The dot product, summed in eight independent lanes so the compiler can vectorise it (a
/// single running sum is a chain of dependent additions it may not reorder).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (a_body, b_body) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_body
        .remainder()
        .iter()
        .zip(b_body.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_body.zip(b_body) {
        for lane in 0..8 {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_plain_sum() {
        let a: Vec<f32> = (0..387).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..387).map(|i| (i as f32 * 0.11).cos()).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-3);
    }

    #[test]
    fn nearest_vectors_come_first_and_deletes_remove_a_document() {
        let mut index = FlatIndex::default();
        index.add("c1", "d1", &[1.0, 0.0]).unwrap_or_default();
        index.add("c2", "d1", &[0.6, 0.8]).unwrap_or_default();
        index.add("c3", "d2", &[0.0, 1.0]).unwrap_or_default();
        assert_eq!(
            index.add("bad", "d3", &[1.0]),
            Err(DimensionMismatch { want: 2, got: 1 })
        );
        let hits = index.search(&[0.0, 1.0], 2);
        assert_eq!(
            hits.iter().map(|h| h.0.as_str()).collect::<Vec<_>>(),
            ["c3", "c2"]
        );
        index.delete_document("d1");
        assert_eq!(index.len(), 1);
        assert_eq!(index.search(&[1.0, 0.0], 5).len(), 1);
        assert!(index.search(&[1.0, 0.0, 0.0], 5).is_empty());
    }
}
