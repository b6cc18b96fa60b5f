//! `agent-army qualify`: reads each file as a conversation and reports every framework's
//! elements with evidence quoted from the file (character offsets into it). No database; the
//! offline extractor answers unless the configuration gives the Sales route a model. A file that
//! cannot be read gets an error object; the rest go on.

use std::io::Write;

use agents::crew::sales::qualify::{QualifyInput, qualify_conversation};
use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::cli::QualifyArgs;
use crate::config::Config;

/// One file's report, or its error.
async fn report(
    gateway: &llm::Gateway,
    path: &std::path::Path,
    frameworks: &[&str],
    competitors: &[String],
) -> Value {
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
    let mut input = QualifyInput::from_conversation(&conversation);
    input.competitors = competitors.to_vec();
    let (scorecard, _answered_by) = qualify_conversation(gateway, &input).await;
    json!({"source": source, "frameworks": scorecard.to_report(frameworks)})
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

/// The asked frameworks, checked against the known names, in report order.
fn frameworks(asked: &[String]) -> anyhow::Result<Vec<&'static str>> {
    let known: Vec<&'static str> = agents::crew::sales::qualify::FRAMEWORKS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    let mut out = Vec::new();
    for name in asked {
        let name = name.trim().to_ascii_lowercase();
        match known.iter().find(|f| **f == name) {
            Some(f) => out.push(*f),
            None => bail!(
                "--frameworks: unknown framework {name:?} (use {})",
                known.join(", ")
            ),
        }
    }
    Ok(out)
}

pub async fn run(config: &Config, args: &QualifyArgs) -> anyhow::Result<()> {
    let frameworks = frameworks(&args.frameworks)?;
    let gateway = llm::Gateway::from_config(&config.llm).context("configuring the LLM gateway")?;
    let stdout = std::io::stdout();
    let mut failed = 0;
    for path in &args.files {
        let value = report(&gateway, path, &frameworks, &args.competitors).await;
        if value.get("error").is_some() {
            failed += 1;
        }
        let mut out = stdout.lock();
        if args.format == "json" {
            writeln!(out, "{value}")?;
        } else {
            print_text(&mut out, &value)?;
        }
        out.flush()?;
    }
    if failed > 0 {
        eprintln!("{failed} of {} files could not be read", args.files.len());
    }
    Ok(())
}
