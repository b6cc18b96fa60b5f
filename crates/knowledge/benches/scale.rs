//! Search at scale: one tenant's index at 10k and 100k chunks. Reports indexing throughput,
//! on-disk size of the BM25 index, memory of the vectors, and search latency p50/p99 for BM25,
//! BM25 with a region filter, and hybrid (exact vector scan plus fusion; the query's embedding
//! is timed by the SciFact bench). Also the end-to-end ingest rate through the store (SQLite):
//! extract, chunk, store, index.
//!
//! Chunks are made of SciFact sentences, shuffled deterministically, so the vocabulary and term
//! statistics are those of real text. Queries are SciFact's 300 test claims.
//!
//! Run: `cargo bench -p knowledge --bench scale` (data from `../shared/data/public/scifact`, or
//! `AGENT_ARMY_SCIFACT_DIR`).

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "benchmark harness fails loudly"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Instant;

use knowledge::retriever::{self, DocumentScope, VectorShelf};
use knowledge::{Filters, IndexedChunk, TenantIndex};

const DIMENSIONS: usize = 384;
const QUERIES: usize = 300;

fn data_dir() -> PathBuf {
    std::env::var_os("AGENT_ARMY_SCIFACT_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/public/scifact"),
        PathBuf::from,
    )
}

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit_vector(&mut self) -> Vec<f32> {
        let v: Vec<f32> = (0..DIMENSIONS)
            .map(|_| (self.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / norm).collect()
    }
}

fn sentences(dir: &Path) -> Vec<String> {
    let corpus = std::fs::File::open(dir.join("corpus.jsonl.gz"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut out = Vec::new();
    for line in BufReader::new(flate2::read::GzDecoder::new(corpus)).lines() {
        let value: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        for sentence in value["text"].as_str().unwrap().split(". ") {
            if sentence.len() > 40 {
                out.push(sentence.to_owned());
            }
        }
    }
    out
}

fn queries(dir: &Path) -> Vec<String> {
    let mut ids = std::collections::BTreeSet::new();
    for line in BufReader::new(std::fs::File::open(dir.join("qrels-test.tsv")).unwrap())
        .lines()
        .skip(1)
    {
        let line = line.unwrap();
        ids.insert(line.split('\t').next().unwrap().to_owned());
    }
    let mut out = Vec::new();
    for line in BufReader::new(std::fs::File::open(dir.join("queries.jsonl")).unwrap()).lines() {
        let value: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if ids.contains(value["_id"].as_str().unwrap()) {
            out.push(value["text"].as_str().unwrap().to_owned());
        }
    }
    out.truncate(QUERIES);
    out
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        dir_size(&p)
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Resident memory of this process, in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((p / 100.0) * (values.len() - 1) as f64).round() as usize]
}

fn timed(mut run: impl FnMut(usize)) -> (f64, f64) {
    let mut latencies = Vec::with_capacity(QUERIES);
    for i in 0..QUERIES {
        let started = Instant::now();
        run(i);
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    (
        percentile(&mut latencies, 50.0),
        percentile(&mut latencies, 99.0),
    )
}

fn main() {
    let data = data_dir();
    let sentences = sentences(&data);
    let queries = queries(&data);
    let regions = [vec!["EMEA".to_owned()], vec!["APAC".to_owned()], Vec::new()];
    println!(
        "| chunks | index rate | BM25 on disk | vectors in memory | BM25 p50 / p99 | BM25 + region p50 / p99 | hybrid p50 / p99 |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in [10_000usize, 100_000] {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
        let chunks: Vec<(String, String, String)> = (0..n)
            .map(|i| {
                let text: Vec<&str> = (0..6)
                    .map(|_| sentences[rng.below(sentences.len())].as_str())
                    .collect();
                (format!("c{i}"), format!("d{}", i / 5), text.join(". "))
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let index = TenantIndex::open(&dir.path().join("bm25")).unwrap();
        let began = Instant::now();
        for (batch_no, batch) in chunks.chunks(1000).enumerate() {
            let indexed: Vec<IndexedChunk<'_>> = batch
                .iter()
                .map(|(chunk_id, document_id, text)| IndexedChunk {
                    chunk_id,
                    document_id,
                    text,
                    product: None,
                    regions: &regions[batch_no % regions.len()],
                    kind: "product_doc",
                })
                .collect();
            index.add(&indexed).unwrap();
        }
        let rate = n as f64 / began.elapsed().as_secs_f64();
        let disk = dir_size(dir.path()) as f64 / (1024.0 * 1024.0);

        let before = rss_mib();
        let mut shelf = VectorShelf::default();
        for (chunk_id, document_id, _) in &chunks {
            let scope = DocumentScope {
                product: None,
                regions: Vec::new(),
                kind: "product_doc".into(),
            };
            shelf
                .add(chunk_id, document_id, &scope, &rng.unit_vector())
                .unwrap();
        }
        let vectors_mib = rss_mib() - before;
        let query_vectors: Vec<Vec<f32>> = (0..QUERIES).map(|_| rng.unit_vector()).collect();

        let none = Filters::default();
        let emea = Filters {
            region: Some("EMEA".into()),
            ..Filters::default()
        };
        // Warm the caches once, as a running server is.
        for q in &queries {
            index.search(q, &none, 10).unwrap();
        }
        let bm25 = timed(|i| {
            index.search(&queries[i], &none, 10).unwrap();
        });
        let filtered = timed(|i| {
            index.search(&queries[i], &emea, 10).unwrap();
        });
        let hybrid = timed(|i| {
            retriever::search(
                &index,
                &shelf,
                &queries[i],
                Some(&query_vectors[i]),
                &none,
                10,
            )
            .unwrap();
        });
        println!(
            "| {n} | {rate:.0} chunks/s | {disk:.1} MiB | {vectors_mib:.0} MiB | {:.2} / {:.2} ms | {:.2} / {:.2} ms | {:.2} / {:.2} ms |",
            bm25.0, bm25.1, filtered.0, filtered.1, hybrid.0, hybrid.1
        );
    }
    println!();
    end_to_end(&sentences);
}

/// Ingest through the store as `agent-army ingest` does: extract and chunk Markdown, store the
/// document and chunks (SQLite), then bring the index up to date.
fn end_to_end(sentences: &[String]) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = store::Store::connect(&store::ConnectOptions {
            url: format!("sqlite:{}", dir.path().join("bench.db").display()),
            operator_url: None,
            max_connections: 4,
        })
        .await
        .unwrap();
        store.migrate().await.unwrap();
        let tenant = store
            .create_tenant(domain::tenant::TenantSlug::parse("bench").unwrap(), None)
            .await
            .unwrap();
        let w = store::WriteCtx::new(tenant.id, domain::actor::Actor::operator(), None);
        let scope = knowledge::ingest::Scope {
            kind: domain::knowledge::DocumentKind::ProductDoc,
            product_id: None,
            regions: Vec::new(),
        };
        let mut rng = Rng(42);
        let documents = 1000;
        let began = Instant::now();
        let mut chunk_count = 0;
        for d in 0..documents {
            let mut text = format!("# Guide {d}\n\n");
            for section in 0..4 {
                text.push_str(&format!("## Part {section}\n\n"));
                for _ in 0..8 {
                    text.push_str(&sentences[rng.below(sentences.len())]);
                    text.push_str(". ");
                }
                text.push_str("\n\n");
            }
            let (document, chunks) =
                knowledge::ingest::prepare(&format!("guide-{d}.md"), text.as_bytes(), &scope, w.now)
                    .unwrap();
            chunk_count += chunks.len();
            store.put_document(&w, &document, &chunks).await.unwrap();
        }
        let stored = began.elapsed();
        let library = knowledge::library::Library::new(Some(dir.path().join("knowledge")));
        library.catch_up(&store, tenant.id).await.unwrap();
        let total = began.elapsed();
        println!(
            "End to end (SQLite): {documents} Markdown documents, {chunk_count} chunks: stored in {:.2} s, \
             indexed by {:.2} s: {:.0} chunks/s overall",
            stored.as_secs_f64(),
            total.as_secs_f64(),
            chunk_count as f64 / total.as_secs_f64()
        );
    });
}
