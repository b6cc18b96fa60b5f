//! `agent-army ingest` and `agent-army search`: the knowledge base from the console. Ingest reads
//! files and folders, stores each document (unchanged content is a no-op), reports each file, and
//! brings the tenant's search index up to date; one bad file fails alone.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use domain::id::ProductId;
use domain::knowledge::DocumentKind;
use domain::region::RegionCode;
use knowledge::ingest::{Scope, prepare};
use knowledge::library::Library;
use store::knowledge::PutDocument;
use store::{Store, WriteCtx};

use super::{find_tenant, open_store};
use crate::cli::{IngestArgs, SearchArgs};
use crate::config::Config;

/// Where the tenants' search indexes live.
pub fn library_root(config: &Config) -> PathBuf {
    config.data_dir.join("knowledge")
}

/// The library with the configured embedding model (BM25 only without one).
pub fn open_library(config: &Config) -> anyhow::Result<Library> {
    let library = Library::with_embedder(Some(library_root(config)), config.knowledge.embedder()?);
    Ok(match config.knowledge.qdrant()? {
        Some(qdrant) => library.with_qdrant(qdrant),
        None => library,
    })
}

async fn product_id(
    store: &Store,
    tenant: domain::id::TenantId,
    raw: &str,
) -> anyhow::Result<ProductId> {
    knowledge::catalog::find_product(store, tenant, raw)
        .await
        .context("looking up the product")?
        .map(|p| p.id)
        .with_context(|| format!("no product with id or code {raw:?} in this tenant"))
}

/// Every file under the paths: named files as given, folders walked for supported types.
fn files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                let mut children: Vec<PathBuf> =
                    entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                children.sort();
                for child in children.into_iter().rev() {
                    let supported = child
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| knowledge::Format::from_name(n).is_some());
                    if child.is_dir() || supported {
                        pending.push(child);
                    }
                }
            }
        } else {
            out.push(path);
        }
    }
    out
}

pub async fn ingest(config: &Config, args: &IngestArgs) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let tenant = find_tenant(&store, &args.tenant).await?;
    let kind: DocumentKind = args
        .kind
        .parse()
        .map_err(|e| anyhow::anyhow!("--kind: {e}"))?;
    let product_id = match &args.product {
        Some(raw) => Some(product_id(&store, tenant.id, raw).await?),
        None => None,
    };
    let regions = args
        .regions
        .iter()
        .map(|r| RegionCode::parse(r).map_err(|e| anyhow::anyhow!("--region: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let scope = Scope {
        kind,
        product_id,
        regions,
    };
    let files = files(&args.paths);
    let progress = indicatif::ProgressBar::new(files.len() as u64);
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut failed = 0usize;
    let w = WriteCtx::new(tenant.id, domain::actor::Actor::operator(), None);
    for path in &files {
        let source = path.display().to_string();
        progress.set_message(source.clone());
        match ingest_file(&store, &w, path, &source, &scope).await {
            // Reports go to stdout; the bar (on a terminal only) to stderr.
            Ok(line) => progress.suspend(|| println!("{line}")),
            Err(e) => {
                failed += 1;
                progress.suspend(|| eprintln!("error: {e:#}"));
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    let library = open_library(config)?;
    if let Some(model) = library.embedder_name() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("embedding {bar:40} {pos}/{len} chunks")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let embedded = library
            .embed_missing(&store, tenant.id, &|done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await
            .with_context(|| format!("embedding chunks with {model}"))?;
        bar.finish_and_clear();
        println!("{embedded} chunks embedded with {model}");
    }
    library
        .catch_up(&store, tenant.id)
        .await
        .context("updating the search index")?;
    println!(
        "{} files, {} ingested or unchanged, {failed} failed",
        files.len(),
        files.len() - failed
    );
    if failed > 0 {
        bail!("{failed} of {} files could not be ingested", files.len());
    }
    Ok(())
}

async fn ingest_file(
    store: &Store,
    w: &WriteCtx,
    path: &Path,
    source: &str,
    scope: &Scope,
) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {source}"))?;
    let (document, chunks) = prepare(source, &bytes, scope, w.now)?;
    let outcome = store
        .put_document(w, &document, &chunks)
        .await
        .with_context(|| format!("storing {source}"))?;
    Ok(match outcome {
        PutDocument::Created(d) => format!("created {source} ({} chunks)", d.chunk_count),
        PutDocument::Replaced(d) => format!("replaced {source} ({} chunks)", d.chunk_count),
        PutDocument::Unchanged(_) => format!("unchanged {source}"),
    })
}

/// Runs a search as the command's flags ask.
async fn find(
    config: &Config,
    args: &SearchArgs,
) -> anyhow::Result<knowledge::library::SearchResults> {
    let store = open_store(config).await?;
    let tenant = find_tenant(&store, &args.tenant).await?;
    let product = match &args.product {
        Some(raw) => Some(product_id(&store, tenant.id, raw).await?.to_string()),
        None => None,
    };
    let region = args
        .region
        .as_deref()
        .map(|r| RegionCode::parse(r).map(|c| c.as_str().to_owned()))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--region: {e}"))?;
    let kind = args
        .kind
        .as_deref()
        .map(|k| k.parse::<DocumentKind>().map(|k| k.as_str().to_owned()))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--kind: {e}"))?;
    let filters = knowledge::Filters {
        product,
        region,
        kind,
    };
    let library = open_library(config)?;
    library
        .search(
            &store,
            tenant.id,
            &args.query.join(" "),
            &filters,
            args.limit.clamp(1, 100),
        )
        .await
        .context("searching")
}

fn mode_text(mode: knowledge::SearchMode) -> &'static str {
    match mode {
        knowledge::SearchMode::Bm25 => "BM25 full-text search; no embedding model is configured",
        knowledge::SearchMode::Hybrid => "hybrid search: BM25 and vectors, rank-fused",
    }
}

/// Most sentences an answer has.
const ANSWER_SENTENCES: usize = 3;

/// `agent-army ask`: the sentences of the best passages that answer the question, verbatim and
/// numbered by their source, then the sources.
pub async fn ask(config: &Config, args: &SearchArgs) -> anyhow::Result<()> {
    let results = find(config, args).await?;
    let question = args.query.join(" ");
    let passages: Vec<&str> = results
        .citations
        .iter()
        .map(|c| c.chunk.text.as_str())
        .collect();
    let lines = knowledge::answer::extract(&question, &passages, ANSWER_SENTENCES);
    if lines.is_empty() {
        println!(
            "no answer: no passage of the knowledge base shares the question's words ({})",
            mode_text(results.mode)
        );
        return Ok(());
    }
    println!(
        "answer, in the documents' own words ({}):",
        mode_text(results.mode)
    );
    for line in &lines {
        println!("  {} [{}]", line.text.replace('\n', " "), line.source + 1);
    }
    println!("sources:");
    let mut cited: Vec<usize> = lines.iter().map(|l| l.source).collect();
    cited.sort_unstable();
    cited.dedup();
    for index in cited {
        let Some(hit) = results.citations.get(index) else {
            continue;
        };
        let section = if hit.chunk.section.is_empty() {
            String::new()
        } else {
            format!(" › {}", hit.chunk.section.join(" › "))
        };
        println!(
            "  [{}] {} ({}){section}  [{}..{}]",
            index + 1,
            hit.document.title,
            hit.document.source,
            hit.chunk.start_offset,
            hit.chunk.end_offset
        );
    }
    Ok(())
}

pub async fn search(config: &Config, args: &SearchArgs) -> anyhow::Result<()> {
    let results = find(config, args).await?;
    let mode = mode_text(results.mode);
    if results.citations.is_empty() {
        println!("no matches ({mode})");
    } else {
        println!("{} matches ({mode})", results.citations.len());
    }
    for hit in results.citations {
        let section = if hit.chunk.section.is_empty() {
            String::new()
        } else {
            format!(" › {}", hit.chunk.section.join(" › "))
        };
        let excerpt: String = hit.chunk.text.chars().take(240).collect();
        println!(
            "{:.2}  {}{section}  [{}..{}]\n    {}",
            hit.score,
            hit.document.source,
            hit.chunk.start_offset,
            hit.chunk.end_offset,
            excerpt.replace('\n', " ")
        );
    }
    Ok(())
}
