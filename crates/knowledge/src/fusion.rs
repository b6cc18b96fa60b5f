//! Reciprocal rank fusion: several rankings of the same items merged by `Σ 1 / (k + rank)`, which
//! needs no score calibration between BM25 and vector similarity.

use std::collections::HashMap;

/// The constant of the original paper (Cormack et al., 2009).
pub const RRF_K: f64 = 60.0;

/// Merges rankings (best first) into one, best first, with each item's fused score.
pub fn reciprocal_rank_fusion(rankings: &[Vec<String>], k: f64) -> Vec<(String, f64)> {
    let mut scores: HashMap<&str, f64> = HashMap::new();
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    let mut order = 0;
    for ranking in rankings {
        for (rank, item) in ranking.iter().enumerate() {
            *scores.entry(item).or_default() += 1.0 / (k + rank as f64 + 1.0);
            first_seen.entry(item).or_insert_with(|| {
                order += 1;
                order
            });
        }
    }
    let mut fused: Vec<(String, f64)> = scores
        .into_iter()
        .map(|(item, s)| (item.to_owned(), s))
        .collect();
    fused.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| first_seen[a.0.as_str()].cmp(&first_seen[b.0.as_str()]))
    });
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn items_ranked_well_by_both_lists_rise() {
        let fused =
            reciprocal_rank_fusion(&[list(&["a", "b", "c"]), list(&["d", "b", "e"])], RRF_K);
        let order: Vec<&str> = fused.iter().map(|(i, _)| i.as_str()).collect();
        assert_eq!(
            order[0], "b",
            "second in both beats first in one: {fused:?}"
        );
        assert_eq!(order.len(), 5);
        assert_eq!(order[1..3], ["a", "d"], "ties keep the order first seen");
        assert!((fused[0].1 - 2.0 / 62.0).abs() < 1e-12);
        assert!(reciprocal_rank_fusion(&[], RRF_K).is_empty());
    }
}
