//! Speaker-labelled text (`Jane Doe: …`, `[00:01:02] Jane: …`, `Jane (00:01:02): …`,
//! `SPEAKER 1: …`) and free notes. Lines without a label continue the turn above them.

use crate::offsets::{CharIndex, lines};
use crate::{Conversation, Format, Turn};

/// Whether a string reads as a speaker's name or role: one to five words, each starting with a
/// capital letter or a digit (`Speaker 2`), at most 40 characters, no sentence punctuation.
pub(crate) fn is_name(name: &str) -> bool {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return false;
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 {
        return false;
    }
    let allowed = |c: char| c.is_alphanumeric() || "-'.&_()".contains(c);
    words.iter().all(|w| {
        w.chars().all(allowed)
            && w.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || c == '(')
    }) && name.chars().any(char::is_alphabetic)
}

/// A timestamp such as `00:01:02`, `1:02`, `00:01:02.5`: its milliseconds.
fn clock(stamp: &str) -> Option<u64> {
    let stamp = stamp.trim().trim_matches(['[', ']', '(', ')']);
    let (clock, fraction) = stamp.split_once(['.', ',']).unwrap_or((stamp, ""));
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut total = 0u64;
    for part in parts {
        total = total * 60 + part.parse::<u64>().ok()?;
    }
    let digits: String = fraction
        .chars()
        .take_while(char::is_ascii_digit)
        .take(3)
        .collect();
    let ms = if digits.is_empty() {
        0
    } else {
        format!("{digits:0<3}").parse::<u64>().ok()?
    };
    Some(total * 1000 + ms)
}

/// A labelled line's speaker, the byte offset where the speech starts, and the time if given.
pub(crate) fn labelled_line(line: &str) -> Option<(String, usize, Option<u64>)> {
    let mut rest = line;
    let mut consumed = 0;
    let mut at = None;
    // A leading time: `[00:01:02]`, `(00:01)`, `00:01:02`.
    let leading = rest.trim_start();
    let first = leading.split_whitespace().next().unwrap_or_default();
    if let Some(ms) = clock(first.trim_end_matches(['-', ':'])) {
        at = Some(ms);
        let skip = rest.len() - leading.len() + first.len();
        consumed += skip;
        rest = &rest[skip..];
        let trimmed = rest.trim_start_matches([' ', '\t', '-']);
        consumed += rest.len() - trimmed.len();
        rest = trimmed;
    }
    // The colon that ends the label: the first one after which speech starts (a time such as
    // `Bob (00:01:10):` holds colons of its own).
    let mut search_from = 0;
    loop {
        let colon = search_from + rest.get(search_from..)?.find(':')?;
        if colon > 60 {
            return None;
        }
        search_from = colon + 1;
        let after = &rest[colon + 1..];
        if !(after.is_empty() || after.starts_with([' ', '\t'])) {
            continue;
        }
        let mut name = rest[..colon].trim();
        let mut time = None;
        // A trailing time: `Jane (00:01:02)` or `Jane 00:01`.
        if let Some((before, last)) = name.rsplit_once(' ')
            && let Some(ms) = clock(last)
        {
            time = Some(ms);
            name = before.trim();
        }
        if name.starts_with('(') || !is_name(name) {
            return None;
        }
        let lead = after.len() - after.trim_start().len();
        return Some((name.to_owned(), consumed + colon + 1 + lead, at.or(time)));
    }
}

/// A speaker label at the start of a line: (speaker, byte offset where speech starts).
pub(crate) fn speaker_prefix(line: &str) -> Option<(String, usize)> {
    labelled_line(line).map(|(name, skip, _)| (name, skip))
}

/// Whether most lines carry a speaker label, from at least two speakers (or one speaker on
/// several lines).
pub(crate) fn looks_labelled(text: &str) -> bool {
    let mut labelled = 0;
    let mut total = 0;
    let mut speakers = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(200) {
        total += 1;
        if let Some((name, _, _)) = labelled_line(line) {
            labelled += 1;
            if !speakers.contains(&name) {
                speakers.push(name);
            }
        }
    }
    labelled >= 2 && labelled * 2 >= total && (speakers.len() >= 2 || labelled >= 3)
}

pub(crate) fn parse(text: &str, format: Format) -> Conversation {
    let mut index = CharIndex::new(text);
    let mut turns: Vec<Turn> = Vec::new();
    // The open turn: speaker, start byte, end byte, time.
    let mut open: Option<(Option<String>, usize, usize, Option<u64>)> = None;
    let close = |open: &mut Option<(Option<String>, usize, usize, Option<u64>)>,
                 turns: &mut Vec<Turn>,
                 index: &mut CharIndex<'_>| {
        if let Some((speaker, start, end, at_ms)) = open.take()
            && end > start
        {
            turns.push(Turn {
                speaker,
                text: text[start..end].to_owned(),
                start: index.at(start),
                end: index.at(end),
                at_ms,
                quoted: false,
            });
        }
    };
    for (offset, line) in lines(text) {
        if line.trim().is_empty() {
            continue;
        }
        if let Some((speaker, skip, at_ms)) = labelled_line(line) {
            close(&mut open, &mut turns, &mut index);
            let speech = line[skip..].trim_end();
            let start = offset + skip;
            open = Some((Some(speaker), start, start + speech.len(), at_ms));
        } else {
            let content = line.trim_end();
            let lead = content.len() - content.trim_start().len();
            // A line without a label continues the open turn (or opens one with no speaker).
            match &mut open {
                Some((_, _, end, _)) => *end = offset + content.len(),
                None => open = Some((None, offset + lead, offset + content.len(), None)),
            }
        }
    }
    close(&mut open, &mut turns, &mut index);
    Conversation {
        format,
        subject: None,
        addresses: Vec::new(),
        people: Vec::new(),
        sent_at: None,
        turns,
    }
}

/// Free notes: one turn per paragraph, no speakers.
pub(crate) fn notes(text: &str) -> Conversation {
    let mut index = CharIndex::new(text);
    let mut turns = Vec::new();
    let mut paragraph: Option<(usize, usize)> = None;
    let push = |p: Option<(usize, usize)>, turns: &mut Vec<Turn>, index: &mut CharIndex<'_>| {
        if let Some((start, end)) = p {
            turns.push(Turn {
                speaker: None,
                text: text[start..end].to_owned(),
                start: index.at(start),
                end: index.at(end),
                at_ms: None,
                quoted: false,
            });
        }
    };
    for (offset, line) in lines(text) {
        if line.trim().is_empty() {
            push(paragraph.take(), &mut turns, &mut index);
            continue;
        }
        let content = line.trim_end();
        let lead = content.len() - content.trim_start().len();
        paragraph = match paragraph {
            Some((start, _)) => Some((start, offset + content.len())),
            None => Some((offset + lead, offset + content.len())),
        };
    }
    push(paragraph.take(), &mut turns, &mut index);
    Conversation {
        format: Format::Notes,
        subject: None,
        addresses: Vec::new(),
        people: Vec::new(),
        sent_at: None,
        turns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::assert_verbatim;

    #[test]
    fn labels_times_and_continuations() {
        let text = "[00:00:05] Jane Doe: We need this live by March.\n\
                    It has to be before the audit.\n\
                    Bob (00:01:10): Understood. Who else is involved?\n\
                    SPEAKER 2: Our CFO signs.\n\
                    Customer: 12:30 works.\n";
        let c = parse(text, Format::Labelled);
        assert_eq!(c.speakers(), ["Jane Doe", "Bob", "SPEAKER 2", "Customer"]);
        assert_eq!(
            c.turns[0].text,
            "We need this live by March.\nIt has to be before the audit."
        );
        assert_eq!(c.turns[0].at_ms, Some(5000));
        assert_eq!(c.turns[1].at_ms, Some(70_000));
        assert_eq!(c.turns[3].text, "12:30 works.");
        assert_verbatim(text, &c);
    }

    #[test]
    fn prose_is_not_mistaken_for_labels() {
        assert!(labelled_line("The plan: ship in May.").is_none());
        assert!(
            labelled_line("Plan: ship in May.").is_some(),
            "one capitalised word may label"
        );
        assert!(labelled_line("we said: ship in May").is_none());
        assert!(labelled_line("See https://example.com").is_none());
        assert!(labelled_line("Note:12:30").is_none());
        assert!(!looks_labelled(
            "Met with the CFO today.\nBudget: approved.\nNext steps are clear.\nAll good."
        ));
        let notes_text = "  Met the CFO.\nBudget approved.\n\nNext: a demo in May.  \n";
        let c = notes(notes_text);
        assert_eq!(c.turns.len(), 2);
        assert_eq!(c.turns[0].text, "Met the CFO.\nBudget approved.");
        assert_verbatim(notes_text, &c);
    }
}
