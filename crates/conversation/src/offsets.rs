//! Byte offsets to character offsets, for offsets met in increasing order (one pass overall).

/// Converts increasing byte offsets of one text into character offsets.
pub(crate) struct CharIndex<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text,
            byte: 0,
            chars: 0,
        }
    }

    /// The character offset of a byte offset (a char boundary). Restarts from the beginning if
    /// asked for an earlier offset.
    pub(crate) fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        let byte = byte.min(self.text.len());
        self.chars += self
            .text
            .get(self.byte..byte)
            .map_or(0, |s| s.chars().count());
        self.byte = byte;
        self.chars
    }
}

/// Lines of `text` with their byte offsets, without line endings (`\n` or `\r\n`).
pub(crate) fn lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw
            .strip_suffix('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .unwrap_or(raw);
        out.push((offset, line));
        offset += raw.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters_not_bytes() {
        let text = "héllo wörld";
        let mut index = CharIndex::new(text);
        assert_eq!(index.at(0), 0);
        assert_eq!(index.at(7), 6); // "héllo " is 7 bytes
        assert_eq!(index.at(text.len()), 11);
        assert_eq!(index.at(1), 1);
        assert_eq!(lines("a\r\nb\nc"), vec![(0, "a"), (3, "b"), (5, "c")]);
    }
}
