//! `agent-army qualify`: reads each file as a conversation and reports every framework's
//! elements with evidence quoted from the file (character offsets into it). Offline: no
//! database, no network. A file that cannot be read gets an error object; the rest go on.

use std::io::Write;

use anyhow::bail;
use qualification::evidence::{Element, sentences_of};
use serde_json::{Map, Value, json};

use crate::cli::QualifyArgs;

fn element_json(element: &Element) -> Value {
    json!({
        "status": element.status,
        "confidence": (f64::from(element.confidence) * 100.0).round() / 100.0,
        "evidence": element.evidence.iter().map(|e| json!({"quote": e.quote, "start": e.start, "end": e.end})).collect::<Vec<_>>(),
    })
}

/// One file's report, or its error.
fn report(path: &std::path::Path, frameworks: &[&str], competitors: &[String]) -> Value {
    let source = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return json!({"source": source, "error": format!("cannot read the file: {e}")}),
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let conversation = match conversation::parse(name, &bytes) {
        Ok(c) => c,
        Err(e) => return json!({"source": source, "error": e.to_string()}),
    };
    let sentences = sentences_of(
        conversation
            .turns
            .iter()
            .map(|t| (t.speaker.as_deref(), t.text.as_str(), t.start)),
    );
    let mut out = Map::new();
    for (framework, elements) in qualification::qualify(&sentences, frameworks, competitors) {
        let mut fields = Map::new();
        for (name, element) in &elements {
            fields.insert((*name).to_owned(), element_json(element));
        }
        out.insert(framework.to_owned(), Value::Object(fields));
    }
    json!({"source": source, "frameworks": out})
}

fn print_text(out: &mut impl Write, value: &Value) -> std::io::Result<()> {
    writeln!(out, "== {}", value["source"].as_str().unwrap_or_default())?;
    if let Some(error) = value["error"].as_str() {
        return writeln!(out, "error: {error}");
    }
    if let Some(frameworks) = value["frameworks"].as_object() {
        for (framework, elements) in frameworks {
            writeln!(out, "{framework}")?;
            for (name, e) in elements.as_object().into_iter().flatten() {
                let quote = e["evidence"][0]["quote"].as_str().map(|q| {
                    let short: String = q.chars().take(100).collect();
                    format!("  \"{}\"", short.replace('\n', " "))
                });
                writeln!(
                    out,
                    "  {name:<22} {:<8} {:.2}{}",
                    e["status"].as_str().unwrap_or_default(),
                    e["confidence"].as_f64().unwrap_or_default(),
                    quote.unwrap_or_default()
                )?;
            }
        }
    }
    writeln!(out)
}

pub fn run(args: &QualifyArgs) -> anyhow::Result<()> {
    let mut frameworks: Vec<&str> = Vec::new();
    for name in &args.frameworks {
        let name = name.trim().to_ascii_lowercase();
        match qualification::FRAMEWORKS.iter().find(|f| **f == name) {
            Some(f) => frameworks.push(f),
            None => bail!(
                "--frameworks: unknown framework {name:?} (use {})",
                qualification::FRAMEWORKS.join(", ")
            ),
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = 0;
    for path in &args.files {
        let value = report(path, &frameworks, &args.competitors);
        if value.get("error").is_some() {
            failed += 1;
        }
        if args.format == "json" {
            writeln!(out, "{value}")?;
        } else {
            print_text(&mut out, &value)?;
        }
    }
    out.flush()?;
    if failed > 0 {
        eprintln!("{failed} of {} files could not be read", args.files.len());
    }
    Ok(())
}
