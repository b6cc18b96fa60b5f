//! Emails (RFC 5322, MIME): headers give the subject and addresses; the first text part is the
//! body. The new text and the quoted earlier message (`On … wrote:`, `> ` lines, `-----Original
//! Message-----`) become separate turns, the quoted one marked. When a part is sent without a
//! transfer encoding its turns are verbatim slices of the input; quoted-printable or base64
//! bodies are decoded, and their offsets then span the encoded part.

use mail_parser::{Encoding, MessageParser, PartType};

use crate::offsets::{CharIndex, lines};
use crate::{Conversation, Format, HeaderRole, ParseError, Person, Turn};

/// Whether text starts with a header block naming a sender or a subject.
pub(crate) fn looks_like_email(text: &str) -> bool {
    let mut headers = 0;
    let mut known = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return false;
        }
        headers += 1;
        known |= ["from", "subject", "to", "date", "message-id"]
            .contains(&name.to_ascii_lowercase().as_str());
    }
    headers >= 2 && known
}

/// Where the quoted earlier message starts in a body (byte offset), if it is quoted.
fn quote_start(body: &str) -> Option<usize> {
    for (offset, line) in lines(body) {
        let trimmed = line.trim();
        let wrote = trimmed.starts_with("On ") && trimmed.ends_with("wrote:");
        let outlook = trimmed.starts_with("-----Original Message-----")
            || (trimmed.starts_with("From:") && offset > 0 && body[..offset].ends_with("\n\n"));
        if wrote || outlook || trimmed.starts_with('>') {
            return Some(offset);
        }
    }
    None
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Conversation, ParseError> {
    let malformed = |detail: &str| ParseError::Malformed {
        format: "email",
        detail: detail.into(),
    };
    let text = String::from_utf8_lossy(bytes);
    if !looks_like_email(text.trim_start()) {
        return Err(malformed(
            "no RFC 5322 header block (From:, Subject:, …) at the start",
        ));
    }
    let message = MessageParser::default()
        .parse(bytes)
        .ok_or_else(|| malformed("unparseable message"))?;
    let mut addresses: Vec<String> = Vec::new();
    let mut people: Vec<Person> = Vec::new();
    let lists = [
        (HeaderRole::From, message.from()),
        (HeaderRole::To, message.to()),
        (HeaderRole::Cc, message.cc()),
    ];
    for (role, list) in lists {
        for addr in list.iter().flat_map(|l| l.iter()) {
            if let Some(a) = addr.address() {
                let a = a.trim().to_ascii_lowercase();
                if !addresses.contains(&a) {
                    addresses.push(a.clone());
                    people.push(Person {
                        role,
                        address: a,
                        name: addr
                            .name()
                            .map(str::trim)
                            .filter(|n| !n.is_empty())
                            .map(str::to_owned),
                    });
                }
            }
        }
    }
    let sender = message.from().and_then(|f| f.first()).map(|a| {
        a.name()
            .map(str::to_owned)
            .or_else(|| a.address().map(str::to_owned))
            .unwrap_or_default()
    });
    let part = message
        .text_body
        .first()
        .and_then(|id| message.parts.get(*id as usize))
        .ok_or_else(|| malformed("no text/plain body"))?;
    let PartType::Text(decoded) = &part.body else {
        return Err(malformed("no text/plain body"));
    };
    let raw_start = part.offset_body as usize;
    let raw_end = (part.offset_end as usize).min(bytes.len());
    let raw = std::str::from_utf8(&bytes[raw_start..raw_end]).ok();
    // The body as a slice of the input when it was sent as is; else the decoded text.
    let (body, base, verbatim): (String, usize, bool) = match raw {
        Some(raw) if part.encoding == Encoding::None => (raw.to_owned(), raw_start, true),
        _ => (decoded.to_string(), raw_start, false),
    };
    let whole = std::str::from_utf8(bytes).unwrap_or_default();
    let mut index = CharIndex::new(whole);
    let mut turns = Vec::new();
    let split = quote_start(&body).unwrap_or(body.len());
    for (range, quoted) in [((0, split), false), ((split, body.len()), true)] {
        let piece = &body[range.0..range.1];
        let trimmed = piece.trim();
        if trimmed.is_empty() {
            continue;
        }
        let lead = piece.len() - piece.trim_start().len();
        let start = range.0 + lead;
        let end = start + trimmed.len();
        let (start_char, end_char) = if verbatim && !whole.is_empty() {
            (index.at(base + start), index.at(base + end))
        } else {
            // Decoded text has no place in the input: point at the encoded part.
            let mut part_index = CharIndex::new(&text);
            (
                part_index.at(raw_start.min(text.len())),
                part_index.at(raw_end.min(text.len())),
            )
        };
        turns.push(Turn {
            speaker: if quoted { None } else { sender.clone() },
            text: trimmed.to_owned(),
            start: start_char,
            end: end_char,
            at_ms: None,
            quoted,
        });
    }
    Ok(Conversation {
        format: Format::Email,
        subject: message.subject().map(str::to_owned),
        addresses,
        people,
        sent_at: message.date().map(|d| d.to_timestamp()),
        turns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::assert_verbatim;

    #[test]
    fn an_email_reply_splits_new_and_quoted_text() {
        let eml = "From: Jane Doe <Jane@Acme.com>\r\nTo: bob@seller.io\r\nCc: cfo@acme.com\r\nSubject: Re: Pricing\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\nHi Bob,\r\nWe have 50k EUR approved for this.\r\n\r\nOn Mon, 2 Nov 2026, Bob wrote:\r\n> What budget do you have?\r\n";
        let c = parse(eml.as_bytes()).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.subject.as_deref(), Some("Re: Pricing"));
        assert_eq!(
            c.addresses,
            ["jane@acme.com", "bob@seller.io", "cfo@acme.com"]
        );
        assert_eq!(c.people[0].role, HeaderRole::From);
        assert_eq!(c.people[0].name.as_deref(), Some("Jane Doe"));
        assert_eq!(c.people[2].role, HeaderRole::Cc);
        assert_eq!(c.people[2].name, None);
        assert_eq!(c.sent_at, Some(1_793_700_000));
        assert_eq!(c.turns.len(), 2);
        assert_eq!(c.turns[0].speaker.as_deref(), Some("Jane Doe"));
        assert_eq!(
            c.turns[0].text,
            "Hi Bob,\r\nWe have 50k EUR approved for this."
        );
        assert!(!c.turns[0].quoted && c.turns[1].quoted);
        assert_verbatim(eml, &c);
    }

    #[test]
    fn not_an_email_is_refused() {
        assert!(parse(b"hello there, no headers").is_err());
        assert!(looks_like_email("From: a@b.c\nSubject: x\n\nbody"));
        assert!(!looks_like_email("Jane: hello\nBob: hi"));
    }
}
