//! Whether a conversation is about buying and selling at all. A long text with next to no
//! commercial vocabulary (a team stand-up, a support thread, a podcast) qualifies nothing, however
//! many dates, amounts, titles and problems it mentions. Short fragments are always read: there
//! is too little of them to tell.

use crate::evidence::Sentence;

/// Words that belong to buying and selling.
const COMMERCIAL: &[&str] = &[
    "vendor",
    "vendors",
    "supplier",
    "suppliers",
    "demo",
    "demos",
    "pricing",
    "proposal",
    "quote",
    "quoted",
    "quoting",
    "pilot",
    "poc",
    "rfp",
    "rfq",
    "tender",
    "licence",
    "licences",
    "license",
    "licenses",
    "licensing",
    "purchase",
    "purchasing",
    "buy",
    "buying",
    "procurement",
    "implementation",
    "evaluate",
    "evaluating",
    "evaluation",
    "shortlist",
    "shortlisted",
    "contract",
    "seats",
    "rollout",
    "go-live",
    "solution",
    "solutions",
    "platform",
    "discount",
    "roi",
    "competitor",
    "competitors",
    "incumbent",
    "renewal",
    "upsell",
    "trial",
    "deal",
    "investment",
    "price",
    "priced",
    "integration",
    "module",
    "package",
    "subscription",
    "pitch",
    "pitching",
    "bid",
    "bidding",
    "product",
    "products",
    "software",
    "tool",
    "offering",
    "budget",
    "budgets",
];

/// Sentences from which a conversation is long enough to judge.
const LONG: usize = 25;

/// Whether the conversation could qualify a deal: short ones always, long ones when they use at
/// least two distinct commercial words.
pub fn is_commercial(sentences: &[Sentence]) -> bool {
    if sentences.len() < LONG {
        return true;
    }
    let mut seen: Vec<&str> = Vec::new();
    for sentence in sentences {
        for (_, word) in &sentence.words {
            if let Some(w) = COMMERCIAL.iter().find(|c| **c == word.as_str())
                && !seen.contains(w)
            {
                seen.push(w);
                if seen.len() >= 2 {
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::sentences_of;

    #[test]
    fn long_talk_without_commerce_is_not_a_sales_conversation() {
        let standup: String = (0..30)
            .map(|i| format!("Item {i}: the staging server fell over again and I lost an hour. "))
            .collect();
        assert!(!is_commercial(&sentences_of([(None, standup.as_str(), 0)])));
        let call = format!("{standup} We need pricing for the pilot.");
        assert!(is_commercial(&sentences_of([(None, call.as_str(), 0)])));
        assert!(is_commercial(&sentences_of([(
            None,
            "We lost an hour.",
            0
        )])));
    }
}
