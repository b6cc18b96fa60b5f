//! Sentences with their byte spans. Ends at `.`, `?`, `!` (and runs of them) followed by space
//! and not after an abbreviation or inside a number, and at line breaks, which in transcripts and
//! emails end a thought as often as punctuation does.

use crate::Span;

const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd",
    "co", "corp", "approx", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "u.s", "fy", "q",
];

fn ends_with_abbreviation(before: &str) -> bool {
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '.')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let word = word.trim_start_matches('.').to_lowercase();
    // Single capital letters are initials ("J. Smith").
    (word.len() == 1 && word.chars().all(char::is_alphabetic))
        || ABBREVIATIONS.contains(&word.as_str())
}

/// The sentences of a text, trimmed, in order.
pub fn sentences(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    let push = |from: usize, to: usize, out: &mut Vec<Span>| {
        let piece = &text[from..to];
        let lead = piece.len() - piece.trim_start().len();
        let trimmed = piece.trim();
        if !trimmed.is_empty() {
            out.push(Span {
                start: from + lead,
                end: from + lead + trimmed.len(),
            });
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            push(start, i, &mut out);
            start = i + 1;
        } else if matches!(b, b'.' | b'?' | b'!') {
            let mut end = i + 1;
            while end < bytes.len()
                && matches!(bytes[end], b'.' | b'?' | b'!' | b'"' | b')' | b'\'')
            {
                end += 1;
            }
            let at_break = end >= bytes.len() || bytes[end].is_ascii_whitespace();
            let in_number = b == b'.'
                && i > 0
                && bytes[i - 1].is_ascii_digit()
                && end < bytes.len()
                && bytes[end].is_ascii_digit();
            let abbreviation = b == b'.' && end == i + 1 && ends_with_abbreviation(&text[start..i]);
            if at_break && !in_number && !abbreviation {
                push(start, end, &mut out);
                start = end;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    push(start, text.len(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        sentences(text).iter().map(|s| s.of(text)).collect()
    }

    #[test]
    fn sentences_end_at_punctuation_and_lines_but_not_abbreviations_or_numbers() {
        assert_eq!(
            split(
                "We spoke to Dr. Smith at Acme Inc. yesterday. Budget is $1.5M! Is that ok?? Yes"
            ),
            [
                "We spoke to Dr. Smith at Acme Inc. yesterday.",
                "Budget is $1.5M!",
                "Is that ok??",
                "Yes"
            ]
        );
        assert_eq!(
            split("first line\n  second line.\n\n"),
            ["first line", "second line."]
        );
        assert_eq!(
            split("Target is end of Q3. Then FY27 planning."),
            ["Target is end of Q3.", "Then FY27 planning."]
        );
        assert_eq!(
            split("J. Smith signs, e.g. for the U.S. entity."),
            ["J. Smith signs, e.g. for the U.S. entity."]
        );
    }
}
