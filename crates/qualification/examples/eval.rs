//! Scores the offline extractor on the labelled set in `eval/`: per BANT and MEDDICC element,
//! detection (status other than `unknown`) precision, recall and F1, status accuracy over all
//! files, and how often an established element's evidence quotes the labelled passage.
//! Run: `cargo run -p qualification --example eval [FROM [TO]]` (only the conversations whose
//! number prefix is in FROM..=TO, for scoring a held-out part).

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "an evaluation harness fails loudly"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use qualification::evidence::{Status, sentences_of};

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::Partial => "partial",
        Status::NotMet => "not_met",
        Status::Unknown => "unknown",
    }
}

#[derive(Default)]
struct Score {
    tp: u32,
    fp: u32,
    fn_: u32,
    exact: u32,
    total: u32,
    evidence_asked: u32,
    evidence_hit: u32,
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("eval");
    let labels: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("labels.json")).unwrap()).unwrap();
    let mut scores: BTreeMap<(String, String), Score> = BTreeMap::new();
    let mut misses = Vec::new();
    let bound = |n: usize, default: u32| {
        std::env::args()
            .nth(n)
            .map_or(default, |a| a.parse().unwrap())
    };
    let (from, to) = (bound(1, 0), bound(2, u32::MAX));
    let mut scored = 0;
    for (file, frameworks) in labels.as_object().unwrap() {
        let number: u32 = file.split('-').next().unwrap().parse().unwrap();
        if !(from..=to).contains(&number) {
            continue;
        }
        scored += 1;
        let bytes = std::fs::read(dir.join("conversations").join(file)).unwrap();
        let conversation =
            conversation::parse(file, &bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        let sentences = sentences_of(
            conversation
                .turns
                .iter()
                .map(|t| (t.speaker.as_deref(), t.text.as_str(), t.start)),
        );
        let report =
            qualification::qualify(&sentences, &["bant", "meddicc"], &["Jigtree".to_owned()]);
        for (framework, elements) in &report {
            for (name, element) in elements {
                let label = &frameworks[*framework][*name];
                let want = label[0].as_str().unwrap();
                let got = status_name(element.status);
                let score = scores
                    .entry(((*framework).to_owned(), (*name).to_owned()))
                    .or_default();
                score.total += 1;
                let (want_detected, got_detected) = (want != "unknown", got != "unknown");
                match (want_detected, got_detected) {
                    (true, true) => score.tp += 1,
                    (false, true) => score.fp += 1,
                    (true, false) => score.fn_ += 1,
                    (false, false) => {}
                }
                if want == got {
                    score.exact += 1;
                } else {
                    misses.push(format!("{file} {framework}.{name}: want {want}, got {got}"));
                }
                if let Some(passage) = label.get(1).and_then(|p| p.as_str()) {
                    score.evidence_asked += 1;
                    if element.evidence.iter().any(|e| e.quote.contains(passage)) {
                        score.evidence_hit += 1;
                    }
                }
            }
        }
    }
    println!("| element | precision | recall | F1 | status accuracy | evidence hits |");
    println!("|---|---|---|---|---|---|");
    let mut bant_f1 = Vec::new();
    let mut meddicc_f1 = Vec::new();
    for ((framework, name), s) in &scores {
        let precision = if s.tp + s.fp == 0 {
            1.0
        } else {
            f64::from(s.tp) / f64::from(s.tp + s.fp)
        };
        let recall = if s.tp + s.fn_ == 0 {
            1.0
        } else {
            f64::from(s.tp) / f64::from(s.tp + s.fn_)
        };
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        if framework == "bant" {
            bant_f1.push(f1)
        } else {
            meddicc_f1.push(f1)
        }
        println!(
            "| {framework}.{name} | {precision:.2} | {recall:.2} | {f1:.2} | {}/{} | {}/{} |",
            s.exact, s.total, s.evidence_hit, s.evidence_asked
        );
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    println!();
    println!(
        "{} conversations; detection macro-F1: BANT {:.2}, MEDDICC {:.2}",
        scored,
        mean(&bant_f1),
        mean(&meddicc_f1)
    );
    println!();
    for miss in misses {
        println!("- {miss}");
    }
}
