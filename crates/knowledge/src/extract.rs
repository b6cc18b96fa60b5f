//! Text out of the formats documents arrive in: Markdown and plain text, HTML, PDF, DOCX and CSV.
//! Each file either yields text or a clear error of its own (unreadable, wrong format, too large,
//! nothing readable in it), so one bad file never stops a batch.

use std::io::Cursor;

/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// A document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Text,
    Html,
    Pdf,
    Docx,
    Csv,
}

impl Format {
    /// The format a file name says, if we read it.
    pub fn from_name(name: &str) -> Option<Self> {
        let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match extension.as_str() {
            "md" | "markdown" => Self::Markdown,
            "txt" | "text" => Self::Text,
            "html" | "htm" => Self::Html,
            "pdf" => Self::Pdf,
            "docx" => Self::Docx,
            "csv" => Self::Csv,
            _ => return None,
        })
    }
}

/// Why a file yields no text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("{name}: unsupported file type (use .md, .txt, .html, .pdf, .docx or .csv)")]
    Unsupported { name: String },
    #[error("{name}: {size} bytes is over the {MAX_FILE_BYTES}-byte limit")]
    TooLarge { name: String, size: usize },
    #[error("{name}: not a readable {format}: {detail}")]
    Unreadable {
        name: String,
        format: &'static str,
        detail: String,
    },
    #[error("{name}: no text in it")]
    Empty { name: String },
}

/// Extracts the text of a file by its name's extension.
pub fn extract(name: &str, bytes: &[u8]) -> Result<String, ExtractError> {
    let format = Format::from_name(name).ok_or_else(|| ExtractError::Unsupported {
        name: name.to_owned(),
    })?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ExtractError::TooLarge {
            name: name.to_owned(),
            size: bytes.len(),
        });
    }
    let unreadable = |format: &'static str, detail: String| ExtractError::Unreadable {
        name: name.to_owned(),
        format,
        detail,
    };
    let text = match format {
        Format::Markdown | Format::Text => plain(bytes).map_err(|d| unreadable("text file", d))?,
        Format::Html => {
            let source = plain(bytes).map_err(|d| unreadable("HTML file", d))?;
            html2text::from_read(source.as_bytes(), 100)
                .map_err(|e| unreadable("HTML file", e.to_string()))?
        }
        Format::Pdf => pdf(bytes).map_err(|d| unreadable("PDF", d))?,
        Format::Docx => docx(bytes).map_err(|d| unreadable("DOCX document", d))?,
        Format::Csv => csv_text(bytes).map_err(|d| unreadable("CSV file", d))?,
    };
    let text = text.replace('\r', "");
    if text.trim().is_empty() {
        return Err(ExtractError::Empty {
            name: name.to_owned(),
        });
    }
    Ok(text)
}

/// UTF-8 text that looks like text: no NUL bytes and few control characters.
fn plain(bytes: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 ({e})"))?;
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if text.contains('\0') || controls * 20 > text.chars().count().max(1) {
        return Err("binary content".into());
    }
    Ok(text.to_owned())
}

fn pdf(bytes: &[u8]) -> Result<String, String> {
    let document = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let mut text = String::new();
    for page in pages {
        // A page whose text cannot be decoded is skipped; the others still count.
        if let Ok(page_text) = document.extract_text(&[page]) {
            text.push_str(page_text.trim());
            text.push_str("\n\n");
        }
    }
    Ok(text)
}

fn docx(bytes: &[u8]) -> Result<String, String> {
    use docx_rs::{DocumentChild, ParagraphChild, RunChild};
    let document = docx_rs::read_docx(bytes).map_err(|e| e.to_string())?;
    let mut text = String::new();
    for child in &document.document.children {
        let DocumentChild::Paragraph(paragraph) = child else {
            continue;
        };
        let mut line = String::new();
        for run in &paragraph.children {
            if let ParagraphChild::Run(run) = run {
                for piece in &run.children {
                    if let RunChild::Text(t) = piece {
                        line.push_str(&t.text);
                    }
                }
            }
        }
        let style = paragraph
            .property
            .style
            .as_ref()
            .map(|s| s.val.to_ascii_lowercase())
            .unwrap_or_default();
        let level = style
            .strip_prefix("heading")
            .and_then(|n| n.trim().parse::<usize>().ok())
            .filter(|n| (1..=6).contains(n));
        if let Some(level) = level {
            text.push_str(&"#".repeat(level));
            text.push(' ');
        }
        text.push_str(line.trim());
        text.push_str("\n\n");
    }
    Ok(text)
}

/// A CSV as text: one paragraph per row, `header: value` pairs.
fn csv_text(bytes: &[u8]) -> Result<String, String> {
    let source = plain(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(Cursor::new(source.as_bytes()));
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut text = String::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let fields: Vec<String> = record
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(i, v)| match headers.get(i) {
                Some(h) if !h.is_empty() => format!("{h}: {}", v.trim()),
                _ => v.trim().to_owned(),
            })
            .collect();
        if !fields.is_empty() {
            text.push_str(&fields.join("; "));
            text.push_str("\n\n");
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::{sample_docx, sample_pdf};

    #[test]
    fn each_format_yields_its_text() {
        assert_eq!(
            extract("a.md", b"# Title\n\nBody").ok().as_deref(),
            Some("# Title\n\nBody")
        );
        let html = extract("a.html", b"<html><body><h1>Pricing</h1><p>Annual <b>only</b>.</p><script>x()</script></body></html>").unwrap_or_default();
        // HTML becomes Markdown-like text, so its headings drive the chunks' sections.
        assert!(
            html.contains("# Pricing") && html.contains("Annual **only**"),
            "{html}"
        );
        assert!(!html.contains("x()"), "scripts are not text: {html}");
        let csv = extract(
            "prices.csv",
            b"sku,region,price\nCORE-1,EMEA,100\nCORE-1,APAC,\n",
        )
        .unwrap_or_default();
        assert_eq!(
            csv,
            "sku: CORE-1; region: EMEA; price: 100\n\nsku: CORE-1; region: APAC\n\n"
        );
        let pdf = extract("brief.pdf", &sample_pdf("Quarterly pricing brief")).unwrap_or_default();
        assert!(pdf.contains("Quarterly pricing brief"), "{pdf:?}");
        let docx = extract("brief.docx", &sample_docx()).unwrap_or_default();
        assert!(
            docx.contains("# Security") && docx.contains("SSO with SAML"),
            "{docx:?}"
        );
    }

    #[test]
    fn bad_files_get_their_own_clear_error() {
        let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        for (name, bytes) in [
            ("x.pdf", garbage.as_slice()),
            ("x.docx", garbage.as_slice()),
            ("x.txt", garbage.as_slice()),
        ] {
            assert!(
                matches!(extract(name, bytes), Err(ExtractError::Unreadable { .. })),
                "{name}"
            );
        }
        let mut truncated = sample_pdf("Half a file");
        truncated.truncate(truncated.len() / 3);
        assert!(extract("cut.pdf", &truncated).is_err());
        assert!(matches!(
            extract("x.exe", b"MZ"),
            Err(ExtractError::Unsupported { .. })
        ));
        assert!(matches!(
            extract("empty.md", b"  \n"),
            Err(ExtractError::Empty { .. })
        ));
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        assert!(matches!(
            extract("big.txt", &big),
            Err(ExtractError::TooLarge { .. })
        ));
        assert!(extract("nul.md", b"text\0more").is_err());
    }
}
