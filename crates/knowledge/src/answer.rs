//! Answers from the knowledge base without a model: the sentences of the best passages that share
//! the most of the question's words, each kept verbatim with the passage it came from, so every
//! line of an answer can be checked against its source. A sentence must share at least one
//! content word with the question; with none, there is no answer rather than a guess.

/// One sentence of an answer and the search hit it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerLine {
    /// The sentence as the document has it.
    pub text: String,
    /// Index of the hit (into the search results' citations) it comes from.
    pub source: usize,
}

/// Words that say nothing about what is asked.
const STOPWORDS: &[&str] = &[
    "about", "after", "also", "and", "any", "are", "been", "but", "can", "could", "does", "did",
    "for", "from", "had", "has", "have", "her", "his", "how", "into", "its", "may", "more", "most",
    "much", "not", "our", "out", "should", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "was", "were", "what", "when", "where", "which", "while",
    "who", "why", "will", "with", "would", "you", "your",
];

/// A word's comparable form: lower case, cut to its first six letters (a crude stem, so
/// "failover" meets "failovers" and "recover" meets "recovery").
fn stem(word: &str) -> String {
    word.to_lowercase().chars().take(6).collect()
}

/// The content words of a text, stemmed, each once.
fn terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .filter(|w| !STOPWORDS.contains(&w.to_lowercase().as_str()))
        .map(stem)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Up to `max` sentences from the passages (best ranked first) that answer `question`: ranked by
/// how many of the question's content words they share, then by their passage's rank, then by
/// their place in it; each sentence once.
pub fn extract(question: &str, passages: &[&str], max: usize) -> Vec<AnswerLine> {
    let wanted = terms(question);
    if wanted.is_empty() || max == 0 {
        return Vec::new();
    }
    let mut scored: Vec<(usize, usize, usize, String)> = Vec::new();
    for (rank, passage) in passages.iter().enumerate() {
        for (place, span) in qualification::sentences::sentences(passage)
            .iter()
            .enumerate()
        {
            let Some(sentence) = passage.get(span.start..span.end) else {
                continue;
            };
            let have = terms(sentence);
            let shared = wanted.iter().filter(|t| have.contains(t)).count();
            if shared > 0 {
                scored.push((shared, rank, place, sentence.trim().to_owned()));
            }
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut lines: Vec<AnswerLine> = Vec::new();
    for (_, rank, _, text) in scored {
        if lines.len() == max {
            break;
        }
        if !lines.iter().any(|l| l.text == text) {
            lines.push(AnswerLine { text, source: rank });
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentences_that_share_the_question_s_words_answer_it() {
        let passages = [
            "Our offices are in Lisbon. The network fails over to the standby site in under 40 \
             seconds. Failover is tested every quarter.",
            "Pricing is per seat. The standby site is in Frankfurt.",
        ];
        let lines = extract(
            "How fast does the network fail over to standby?",
            &passages,
            2,
        );
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0].text,
            "The network fails over to the standby site in under 40 seconds."
        );
        assert_eq!(lines[0].source, 0);
        assert_eq!(lines[1].text, "The standby site is in Frankfurt.");
        assert_eq!(lines[1].source, 1);
        // Nothing shared, no answer; stopwords alone share nothing.
        assert!(extract("What about the weather?", &passages, 3).is_empty());
        assert!(extract("the and of", &passages, 3).is_empty());
        assert!(extract("failover", &passages, 0).is_empty());
    }
}
