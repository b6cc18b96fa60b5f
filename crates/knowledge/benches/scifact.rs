//! Retrieval quality and speed on BEIR SciFact: nDCG@10 and Recall@100 over the 300 test claims
//! (`qrels-test.tsv`), BM25 over title plus abstract, beside BEIR's published BM25 (0.665) and
//! Anserini's single-field BM25 (0.679). Queries are the claim text only (never their metadata).
//! Also: indexing throughput (chunks/s) and search latency p50/p99.
//!
//! Run: `cargo bench -p knowledge --bench scifact` (the data set is read from
//! `../shared/data/public/scifact`, or `AGENT_ARMY_SCIFACT_DIR`).

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "benchmark harness fails loudly"
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::time::Instant;

use knowledge::eval::{ndcg_at, recall_at};
use knowledge::{Filters, IndexedChunk, TenantIndex, chunk_text};

fn data_dir() -> PathBuf {
    std::env::var_os("AGENT_ARMY_SCIFACT_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/public/scifact"),
        PathBuf::from,
    )
}

fn main() {
    let dir = data_dir();
    let corpus = std::fs::File::open(dir.join("corpus.jsonl.gz"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut documents: Vec<(String, String)> = Vec::new();
    for line in BufReader::new(flate2::read::GzDecoder::new(corpus)).lines() {
        let line = line.unwrap();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        let text = format!(
            "{}\n\n{}",
            value["title"].as_str().unwrap(),
            value["text"].as_str().unwrap()
        );
        documents.push((value["_id"].as_str().unwrap().to_owned(), text));
    }
    let mut queries: HashMap<String, String> = HashMap::new();
    for line in BufReader::new(std::fs::File::open(dir.join("queries.jsonl")).unwrap()).lines() {
        let value: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        queries.insert(
            value["_id"].as_str().unwrap().to_owned(),
            value["text"].as_str().unwrap().to_owned(),
        );
    }
    let mut qrels: HashMap<String, HashMap<String, u32>> = HashMap::new();
    for line in BufReader::new(std::fs::File::open(dir.join("qrels-test.tsv")).unwrap())
        .lines()
        .skip(1)
    {
        let line = line.unwrap();
        let parts: Vec<&str> = line.split('\t').collect();
        qrels
            .entry(parts[0].to_owned())
            .or_default()
            .insert(parts[1].to_owned(), parts[2].trim().parse().unwrap());
    }

    // Index: each abstract chunked as the knowledge base chunks documents.
    let index = TenantIndex::in_memory().unwrap();
    let began = Instant::now();
    let mut chunks = Vec::new();
    for (id, text) in &documents {
        for (i, chunk) in chunk_text(text, 4000).into_iter().enumerate() {
            chunks.push((format!("{id}#{i}"), id.clone(), chunk.text));
        }
    }
    let indexed: Vec<IndexedChunk<'_>> = chunks
        .iter()
        .map(|(chunk_id, document_id, text)| IndexedChunk {
            chunk_id,
            document_id,
            text,
            product: None,
            regions: &[],
            kind: "paper",
        })
        .collect();
    index.add(&indexed).unwrap();
    let build = began.elapsed();

    let mut ndcg = 0.0;
    let mut recall = 0.0;
    let mut latencies = Vec::new();
    let mut ids: Vec<&String> = qrels.keys().collect();
    ids.sort();
    for id in &ids {
        let query = &queries[*id];
        let started = Instant::now();
        let hits = index.search(query, &Filters::default(), 300).unwrap();
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        // A document ranks by its best chunk.
        let mut ranking: Vec<String> = Vec::new();
        for hit in hits {
            if !ranking.contains(&hit.document_id) {
                ranking.push(hit.document_id);
            }
        }
        ndcg += ndcg_at(&ranking, &qrels[*id], 10);
        recall += recall_at(&ranking, &qrels[*id], 100);
    }
    let n = ids.len() as f64;
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((p / 100.0) * (latencies.len() - 1) as f64).round() as usize];
    println!("| method | nDCG@10 | Recall@100 | published |");
    println!("|---|---|---|---|");
    println!(
        "| BM25 (tantivy, title + abstract) | **{:.3}** | {:.3} | BEIR BM25 0.665; Anserini flat 0.679 |",
        ndcg / n,
        recall / n
    );
    println!();
    println!(
        "{} documents, {} chunks indexed in {:.2} s ({:.0} chunks/s); {} test queries, search p50 {:.2} ms, p99 {:.2} ms",
        documents.len(),
        chunks.len(),
        build.as_secs_f64(),
        chunks.len() as f64 / build.as_secs_f64(),
        ids.len(),
        pct(50.0),
        pct(99.0)
    );
}
