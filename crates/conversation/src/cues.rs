//! WebVTT and SRT: timed cues, each with text lines that may name the speaker (`<v Jane>…`,
//! `Jane: …` or `[Jane] …`). Consecutive cues of one speaker stay separate turns (their times
//! differ); a cue without a speaker keeps the previous cue's speaker only when the format says
//! nothing else, which is how most exports continue a speaker.

use crate::offsets::{CharIndex, lines};
use crate::{Conversation, Format, ParseError, Turn};

/// Whether the text starts like an SRT file: a number, then a timing line.
pub(crate) fn looks_like_srt(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or_default().trim();
    let second = lines.next().unwrap_or_default();
    !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()) && second.contains("-->")
}

/// Milliseconds of a timestamp such as `01:02:03.456`, `02:03.456` or `01:02:03,456`.
fn millis(stamp: &str) -> Option<u64> {
    let stamp = stamp.trim();
    let (clock, fraction) = stamp.split_once(['.', ',']).unwrap_or((stamp, "0"));
    let mut total = 0u64;
    for part in clock.split(':') {
        total = total * 60 + part.trim().parse::<u64>().ok()?;
    }
    let digits: String = fraction
        .chars()
        .take_while(char::is_ascii_digit)
        .take(3)
        .collect();
    let ms = format!("{digits:0<3}").parse::<u64>().ok()?;
    Some(total * 1000 + ms)
}

/// A speaker label at the start of a cue line: (speaker, byte offset where speech starts).
fn label(line: &str) -> Option<(String, usize)> {
    if let Some(rest) = line.strip_prefix("<v") {
        let close = rest.find('>')?;
        let inner = &rest[..close];
        // `<v.loud Jane Doe>`: classes come first, up to the first space.
        let name = if inner.starts_with('.') {
            inner.split_once(' ').map_or("", |(_, n)| n)
        } else {
            inner
        }
        .trim();
        return (!name.is_empty()).then(|| (name.to_owned(), 2 + close + 1));
    }
    if let Some(rest) = line.strip_prefix('[')
        && let Some(close) = rest.find(']')
    {
        let name = rest[..close].trim();
        if crate::labelled::is_name(name) {
            let after = 1 + close + 1;
            let skip = line[after..].len() - line[after..].trim_start().len();
            return Some((name.to_owned(), after + skip));
        }
    }
    crate::labelled::speaker_prefix(line)
}

pub(crate) fn parse(text: &str, format: Format) -> Result<Conversation, ParseError> {
    let name = if format == Format::WebVtt {
        "WebVTT"
    } else {
        "SRT"
    };
    let all = lines(text);
    let mut index = CharIndex::new(text);
    let mut turns: Vec<Turn> = Vec::new();
    let mut speaker: Option<String> = None;
    let mut title = None;
    let mut i = 0;
    let mut cues = 0;
    while i < all.len() {
        let (_, line) = all[i];
        if line.contains("-->") {
            let start_stamp = line.split("-->").next().unwrap_or_default();
            let at_ms = millis(start_stamp);
            if at_ms.is_none() {
                return Err(ParseError::Malformed {
                    format: name,
                    detail: format!("line {}: bad cue timing {line:?}", i + 1),
                });
            }
            cues += 1;
            i += 1;
            // The cue's text: lines up to a blank one.
            while i < all.len() && !all[i].1.trim().is_empty() {
                let (offset, line) = all[i];
                let (who, skip) = match label(line) {
                    Some((who, skip)) => (Some(who), skip),
                    None => (None, 0),
                };
                if who.is_some() {
                    speaker = who;
                }
                let mut speech = &line[skip..];
                if let Some(end) = speech.find("</v>") {
                    speech = &speech[..end];
                }
                let trimmed = speech.trim_end();
                let lead = speech.len() - speech.trim_start().len();
                let speech = trimmed.trim_start();
                if !speech.is_empty() {
                    let start = offset + skip + lead;
                    let end = start + speech.len();
                    // A line without a label continues the cue's turn.
                    let continues = label(line).is_none()
                        && turns.last().is_some_and(|t: &Turn| t.at_ms == at_ms);
                    if continues && let Some(last) = turns.last_mut() {
                        let from_byte = byte_of(text, last.start);
                        last.text = text[from_byte..end].to_owned();
                        last.end = index.at(end);
                    } else {
                        turns.push(Turn {
                            speaker: speaker.clone(),
                            text: speech.to_owned(),
                            start: index.at(start),
                            end: index.at(end),
                            at_ms,
                            quoted: false,
                        });
                    }
                }
                i += 1;
            }
        } else {
            if i == 0 && format == Format::WebVtt {
                let header = line.trim_start_matches('\u{feff}').trim();
                if !header.starts_with("WEBVTT") {
                    return Err(ParseError::Malformed {
                        format: name,
                        detail: "a WebVTT file starts with WEBVTT".into(),
                    });
                }
                let rest = header
                    .trim_start_matches("WEBVTT")
                    .trim_start_matches([' ', '-', '\t']);
                if !rest.trim().is_empty() {
                    title = Some(rest.trim().to_owned());
                }
            }
            i += 1;
        }
    }
    if cues == 0 {
        return Err(ParseError::Malformed {
            format: name,
            detail: "no cues (lines like 00:00:01.000 --> 00:00:04.000)".into(),
        });
    }
    Ok(Conversation {
        format,
        subject: title,
        addresses: Vec::new(),
        people: Vec::new(),
        sent_at: None,
        turns,
    })
}

/// The byte offset of a character offset (used rarely: when a turn grows).
fn byte_of(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(b, _)| b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::assert_verbatim;

    #[test]
    fn webvtt_voices_and_labels_become_speakers() {
        let vtt = "WEBVTT - Discovery call\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Jane Doe>We have budget approved for Q3.</v>\n\n00:00:05.000 --> 00:00:08.500\nBob: Great, who signs off?\nAnd when?\n\n00:00:09.000 --> 00:00:10.000\n<v.loud Jane Doe>Our CFO, Maria.\n";
        let c = parse(vtt, Format::WebVtt).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.subject.as_deref(), Some("Discovery call"));
        assert_eq!(c.speakers(), ["Jane Doe", "Bob"]);
        assert_eq!(c.turns[0].text, "We have budget approved for Q3.");
        assert_eq!(c.turns[0].at_ms, Some(1000));
        assert_eq!(c.turns[1].text, "Great, who signs off?\nAnd when?");
        assert_eq!(c.turns[2].speaker.as_deref(), Some("Jane Doe"));
        assert_verbatim(vtt, &c);
    }

    #[test]
    fn srt_cues_keep_times_and_speakers() {
        let srt = "1\r\n00:00:01,000 --> 00:00:03,000\r\n[Anna] Ça coûte combien ?\r\n\r\n2\r\n00:01:02,500 --> 00:01:05,000\r\nNo label here\r\n";
        let c = parse(srt, Format::Srt).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.turns.len(), 2);
        assert_eq!(c.turns[0].speaker.as_deref(), Some("Anna"));
        assert_eq!(c.turns[0].text, "Ça coûte combien ?");
        assert_eq!(c.turns[1].at_ms, Some(62_500));
        assert_eq!(
            c.turns[1].speaker.as_deref(),
            Some("Anna"),
            "continues the last speaker"
        );
        assert_verbatim(srt, &c);
        assert!(parse("1\n00:00:xx --> 00:00:02,000\nhi\n", Format::Srt).is_err());
    }
}
