//! Battlecards as Markdown, and [`markdown_text`]: document text placed as plain text, so a
//! quote can never add a link, an image, HTML or structure to the card.

use std::fmt::Write as _;

use super::{Battlecard, Citation};

/// Text to place in Markdown as plain text: on one line, with every character that could start
/// a link, image, HTML tag, heading, emphasis or table escaped.
pub(crate) fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '!' | '#' | '|' | '~' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn cite(c: &Citation) -> String {
    let section = markdown_text(&c.section.join(" › "));
    format!(
        "doc {}{}{section}",
        c.document_id,
        if section.is_empty() { "" } else { ", " }
    )
}

impl Battlecard {
    /// The card as Markdown; every quote is escaped plain text with its citation.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# Battlecard: {}\n\n", markdown_text(&self.competitor));
        if let Some(summary) = &self.summary {
            let _ = writeln!(out, "> {}\n", markdown_text(summary));
        }
        let lists = [
            ("Strengths", &self.strengths),
            ("Weaknesses", &self.weaknesses),
            ("Pricing", &self.pricing),
            ("How we win", &self.how_we_win),
            ("Landmines to set", &self.landmines),
        ];
        for (title, points) in lists.into_iter().filter(|(_, p)| !p.is_empty()) {
            let _ = writeln!(out, "## {title}\n");
            for p in points {
                let _ = writeln!(
                    out,
                    "- \"{}\" _({})_",
                    markdown_text(&p.quote),
                    cite(&p.citation)
                );
            }
            out.push('\n');
        }
        if !self.objection_handlers.is_empty() {
            out.push_str("## Objection handlers\n\n");
            for h in &self.objection_handlers {
                let (asked, answer) = (markdown_text(&h.objection), markdown_text(&h.response));
                let _ = writeln!(
                    out,
                    "- **\"{asked}\"**: \"{answer}\" _({})_",
                    cite(&h.citation)
                );
            }
            out.push('\n');
        }
        let Some(mentions) = &self.mentions else {
            return out;
        };
        let _ = writeln!(
            out,
            "## Mentions\n\nNamed {} times in the account's activities.",
            mentions.len()
        );
        for m in mentions {
            let _ = writeln!(
                out,
                "- {} (activity {}): \"{}\"",
                m.occurred_at,
                m.activity_id,
                markdown_text(&m.quote)
            );
        }
        out
    }
}
