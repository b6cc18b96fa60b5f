//! Retrieval quality measures as the BEIR benchmark computes them: nDCG@k with graded relevance
//! and the standard log2 discount, and recall@k.

use std::collections::HashMap;

/// nDCG@k of a ranking against graded judgments (`relevant` maps a document to its grade).
pub fn ndcg_at(ranking: &[String], relevant: &HashMap<String, u32>, k: usize) -> f64 {
    let gain = |grade: u32| f64::from(grade);
    let dcg: f64 = ranking
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, doc)| gain(relevant.get(doc).copied().unwrap_or(0)) / (i as f64 + 2.0).log2())
        .sum();
    let mut ideal: Vec<u32> = relevant.values().copied().filter(|g| *g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, g)| gain(*g) / (i as f64 + 2.0).log2())
        .sum();
    if idcg == 0.0 { 0.0 } else { dcg / idcg }
}

/// Share of the relevant documents found in the first `k`.
pub fn recall_at(ranking: &[String], relevant: &HashMap<String, u32>, k: usize) -> f64 {
    let wanted = relevant.values().filter(|g| **g > 0).count();
    if wanted == 0 {
        return 0.0;
    }
    let found = ranking
        .iter()
        .take(k)
        .filter(|d| relevant.get(*d).is_some_and(|g| *g > 0))
        .count();
    found as f64 / wanted as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, u32)]) -> HashMap<String, u32> {
        pairs.iter().map(|(d, g)| ((*d).to_owned(), *g)).collect()
    }

    #[test]
    fn perfect_and_partial_rankings() {
        let rel = judged(&[("a", 1), ("b", 1)]);
        let ranking = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!((ndcg_at(&ranking(&["a", "b", "c"]), &rel, 10) - 1.0).abs() < 1e-9);
        // One relevant at rank 2 of two: (1/log2 3) / (1 + 1/log2 3).
        let expected = (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(&ranking(&["c", "a"]), &rel, 10) - expected).abs() < 1e-9);
        assert!((recall_at(&ranking(&["c", "a"]), &rel, 100) - 0.5).abs() < 1e-9);
        assert_eq!(ndcg_at(&ranking(&["c"]), &judged(&[]), 10), 0.0);
    }
}
