//! Offline qualification of one 30-minute call: about 4,500 words in some 300 speaker turns,
//! made from the evaluation set's lines (speaker-labelled text), parsed and run through every
//! framework. Reports p50/p99 over 200 runs.
//!
//! Run: `cargo bench -p qualification --bench transcript`.

#![expect(clippy::unwrap_used, reason = "benchmark harness fails loudly")]

use std::path::PathBuf;
use std::time::Instant;

use qualification::evidence::sentences_of;

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("eval/conversations");
    let mut lines: Vec<String> = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
    {
        for line in std::fs::read_to_string(path).unwrap().lines() {
            if let Some((_, said)) = line.split_once(": ") {
                lines.push(said.to_owned());
            }
        }
    }
    let mut transcript = String::new();
    let mut words = 0;
    let mut turn = 0;
    while words < 4_500 {
        let said = &lines[turn % lines.len()];
        let speaker = if turn % 3 == 0 {
            "Tom (Skyvera)"
        } else {
            "Priya Nair"
        };
        transcript.push_str(&format!("{speaker}: {said}\n"));
        words += said.split_whitespace().count();
        turn += 1;
    }
    let competitors = vec!["Jigtree".to_owned(), "NetCo".to_owned()];
    let mut timings = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let conversation = conversation::parse("call.txt", transcript.as_bytes()).unwrap();
        let sentences = sentences_of(
            conversation
                .turns
                .iter()
                .map(|t| (t.speaker.as_deref(), t.text.as_str(), t.start)),
        );
        let report = qualification::qualify(&sentences, qualification::FRAMEWORKS, &competitors);
        assert_eq!(report.len(), 6);
        timings.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    timings.sort_by(f64::total_cmp);
    let pct = |p: f64| timings[((p / 100.0) * (timings.len() - 1) as f64).round() as usize];
    println!(
        "30-minute transcript: {words} words, {turn} turns, {} bytes; parse + six frameworks: p50 {:.2} ms, p99 {:.2} ms",
        transcript.len(),
        pct(50.0),
        pct(99.0)
    );
}
