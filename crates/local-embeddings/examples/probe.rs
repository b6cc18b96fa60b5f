//! Times the model on batches of long texts: `cargo run --release -p local-embeddings --example
//! probe -- MODEL_DIR`.
fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_default());
    let model =
        local_embeddings::LocalEmbeddings::load(&dir).unwrap_or_else(|e| unreachable!("{e}"));
    let text = "Alterations of the architecture of cerebral white matter in the developing human brain can affect cortical development and result in functional disabilities. ".repeat(8);
    for batch in [1usize, 8, 32] {
        let texts = vec![text.clone(); batch];
        let started = std::time::Instant::now();
        let _ = model.embed_blocking(&texts);
        let secs = started.elapsed().as_secs_f64();
        println!(
            "batch {batch}: {secs:.3} s, {:.1} texts/s",
            batch as f64 / secs
        );
    }
}
