//! Chunking that follows the document's structure: Markdown headings set the section path,
//! paragraphs are packed into chunks up to a size without crossing a heading, and a paragraph
//! longer than the size is cut at sentence ends. Offsets are character positions in the text as
//! given, so a hit can be cited and highlighted.

/// One chunk of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Headings above the chunk, outermost first.
    pub section: Vec<String>,
    pub text: String,
    /// Character offsets `[start, end)` in the document text.
    pub start: usize,
    pub end: usize,
}

/// A paragraph (or heading) with its character span.
struct Block {
    text: String,
    start: usize,
    end: usize,
    heading: Option<(usize, String)>,
}

/// The heading level and title of a Markdown ATX heading line (`## Title`).
fn heading(line: &str) -> Option<(usize, String)> {
    let trimmed = line.trim_start();
    let level = trimmed.chars().take_while(|c| *c == '#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    let title = rest.trim().trim_end_matches('#').trim().to_owned();
    (!title.is_empty()).then_some((level, title))
}

/// Splits text into blocks: headings, and paragraphs separated by blank lines.
fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut position = 0;
    let flush = |current: &mut String, start: usize, end: usize, out: &mut Vec<Block>| {
        let trimmed = current.trim();
        if !trimmed.is_empty() {
            out.push(Block {
                text: trimmed.to_owned(),
                start,
                end,
                heading: None,
            });
        }
        current.clear();
    };
    for line in text.split_inclusive('\n') {
        let length = line.chars().count();
        if let Some(h) = heading(line) {
            flush(&mut current, start, position, &mut out);
            out.push(Block {
                text: h.1.clone(),
                start: position,
                end: position + length,
                heading: Some(h),
            });
            position += length;
            start = position;
            continue;
        }
        if line.trim().is_empty() {
            flush(&mut current, start, position, &mut out);
            position += length;
            start = position;
            continue;
        }
        if current.is_empty() {
            start = position;
        }
        current.push_str(line);
        position += length;
    }
    flush(&mut current, start, position, &mut out);
    out
}

/// Cuts a long paragraph at sentence ends into pieces of at most `max` characters (a sentence
/// longer than `max` is cut at `max`).
fn pieces(block: &Block, max: usize) -> Vec<(String, usize, usize)> {
    let chars: Vec<char> = block.text.chars().collect();
    if chars.len() <= max {
        return vec![(block.text.clone(), block.start, block.end)];
    }
    let mut out = Vec::new();
    let mut begin = 0;
    while begin < chars.len() {
        let limit = (begin + max).min(chars.len());
        let mut cut = limit;
        if limit < chars.len()
            && let Some(end) = (begin + max / 2..limit).rev().find(|&i| {
                matches!(chars[i], '.' | '?' | '!')
                    && chars.get(i + 1).is_some_and(|c| c.is_whitespace())
            })
        {
            cut = end + 1;
        }
        let text: String = chars[begin..cut].iter().collect();
        let trimmed = text.trim();
        if !trimmed.is_empty() {
            out.push((trimmed.to_owned(), block.start + begin, block.start + cut));
        }
        begin = cut;
    }
    out
}

/// Chunks a document of at most `max` characters per chunk (at least 200).
pub fn chunk_text(text: &str, max: usize) -> Vec<Chunk> {
    let max = max.max(200);
    let mut section: Vec<(usize, String)> = Vec::new();
    let mut chunks = Vec::new();
    let mut open: Option<Chunk> = None;
    let path =
        |section: &[(usize, String)]| section.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>();
    for block in blocks(text) {
        if let Some((level, title)) = &block.heading {
            chunks.extend(open.take());
            section.retain(|(l, _)| l < level);
            section.push((*level, title.clone()));
            continue;
        }
        for (piece, start, end) in pieces(&block, max) {
            match &mut open {
                Some(chunk) if chunk.text.chars().count() + 2 + piece.chars().count() <= max => {
                    chunk.text.push_str("\n\n");
                    chunk.text.push_str(&piece);
                    chunk.end = end;
                }
                _ => {
                    chunks.extend(open.take());
                    open = Some(Chunk {
                        section: path(&section),
                        text: piece,
                        start,
                        end,
                    });
                }
            }
        }
    }
    chunks.extend(open);
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_set_the_section_path_and_offsets_point_into_the_text() {
        let doc = "# Pricing\n\nIntro paragraph.\n\n## Discounts\n\nUp to 10% for 100 seats.\n\n# Security\n\nSSO is included.\n";
        let chunks = chunk_text(doc, 1000);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].section, ["Pricing"]);
        assert_eq!(chunks[1].section, ["Pricing", "Discounts"]);
        assert_eq!(chunks[2].section, ["Security"]);
        for chunk in &chunks {
            let cited: String = doc
                .chars()
                .skip(chunk.start)
                .take(chunk.end - chunk.start)
                .collect();
            assert_eq!(cited.trim(), chunk.text, "{chunk:?}");
        }
    }

    #[test]
    fn paragraphs_pack_up_to_the_size_and_long_ones_cut_at_sentences() {
        let sentence = "This sentence is about forty characters. ";
        let long = sentence.repeat(20);
        let doc = format!("Short one.\n\nShort two.\n\n{long}\n");
        let chunks = chunk_text(&doc, 300);
        assert_eq!(chunks[0].text, "Short one.\n\nShort two.");
        assert!(chunks.iter().all(|c| c.text.chars().count() <= 300));
        assert!(
            chunks[1..].iter().all(|c| c.text.ends_with('.')),
            "{chunks:?}"
        );
        assert!(chunks.len() >= 4);
    }

    #[test]
    fn not_every_hash_is_a_heading_and_empty_text_has_no_chunks() {
        assert_eq!(heading("#hashtag"), None);
        assert_eq!(heading("### Deep ###"), Some((3, "Deep".into())));
        assert!(chunk_text("  \n\n ", 500).is_empty());
    }
}
