//! Money in running text: `$50k`, `€1.2M`, `50,000 EUR`, `USD 2.5 million`, `200 thousand
//! euros`, `1,2 Mio. €`, and bare scaled amounts (`a 200k budget`). Percentages, years and plain
//! counts are not money.

use crate::Span;

/// An amount found in text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Money {
    pub span: Span,
    /// The amount in currency units (`$1.5M` is 1,500,000).
    pub amount: f64,
    /// ISO 4217 code, when the text says.
    pub currency: Option<&'static str>,
}

const SYMBOLS: &[(&str, &str)] = &[
    ("US$", "USD"),
    ("A$", "AUD"),
    ("C$", "CAD"),
    ("S$", "SGD"),
    ("NZ$", "NZD"),
    ("HK$", "HKD"),
    ("R$", "BRL"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("₩", "KRW"),
    ("CHF", "CHF"),
];

const CODES: &[&str] = &[
    "USD", "EUR", "GBP", "JPY", "INR", "AUD", "CAD", "SGD", "CHF", "CNY", "HKD", "NZD", "SEK",
    "NOK", "DKK", "BRL", "MXN", "ZAR", "AED", "SAR", "KRW", "PLN",
];

const WORDS: &[(&str, &str)] = &[
    ("dollars", "USD"),
    ("dollar", "USD"),
    ("bucks", "USD"),
    ("euros", "EUR"),
    ("euro", "EUR"),
    ("pounds", "GBP"),
    ("pound", "GBP"),
    ("quid", "GBP"),
    ("yen", "JPY"),
    ("rupees", "INR"),
    ("francs", "CHF"),
    ("yuan", "CNY"),
    ("rand", "ZAR"),
];

/// A number at `i` (digits with `,`/`.`/space grouping): (value, byte end).
fn number(text: &str, i: usize) -> Option<(f64, usize)> {
    let bytes = text.as_bytes();
    if !bytes.get(i)?.is_ascii_digit() {
        return None;
    }
    let mut end = i;
    while end < bytes.len()
        && (bytes[end].is_ascii_digit()
            || ((bytes[end] == b',' || bytes[end] == b'.')
                && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)))
    {
        end += 1;
    }
    let raw = &text[i..end];
    // "1,200,000" and "1.200.000" group thousands; "1.5" and "1,5" are decimals.
    let groups: Vec<&str> = raw.split([',', '.']).collect();
    let value = if groups.len() > 1 && groups[1..].iter().all(|g| g.len() == 3) {
        groups.concat().parse().ok()?
    } else if let Some((whole, fraction)) = raw.rsplit_once([',', '.']) {
        format!("{}.{fraction}", whole.replace([',', '.'], ""))
            .parse()
            .ok()?
    } else {
        raw.parse().ok()?
    };
    Some((value, end))
}

/// A scale word or suffix right after a number: (multiplier, byte end).
fn scale(text: &str, at: usize) -> Option<(f64, usize)> {
    let rest = &text[at..];
    let trimmed = rest.trim_start();
    let gap = rest.len() - trimmed.len();
    let word: String = trimmed
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '.')
        .collect();
    let lower = word.trim_end_matches('.').to_lowercase();
    let multiplier = match lower.as_str() {
        "k" | "thousand" | "grand" => 1e3,
        "m" | "mm" | "mn" | "mil" | "mio" | "million" | "millions" => 1e6,
        "b" | "bn" | "billion" | "billions" => 1e9,
        _ => return None,
    };
    // A suffix sticks to the number; a word may follow a space.
    let is_suffix = lower.len() <= 3 && lower != "mil" && lower != "mio";
    if is_suffix && gap > 0 && !matches!(lower.as_str(), "k" | "m" | "bn" | "mm" | "mn") {
        return None;
    }
    if gap > 1 {
        return None;
    }
    let used = word.trim_end_matches('.').len();
    Some((multiplier, at + gap + used))
}

/// A currency word or code after `at` (allowing one space): (code, byte end).
fn currency_after(text: &str, at: usize) -> Option<(&'static str, usize)> {
    let rest = &text[at..];
    let trimmed = rest.trim_start();
    let gap = rest.len() - trimmed.len();
    if gap > 1 {
        return None;
    }
    for (symbol, code) in SYMBOLS {
        if trimmed.starts_with(symbol) {
            return Some((code, at + gap + symbol.len()));
        }
    }
    let word: String = trimmed.chars().take_while(|c| c.is_alphabetic()).collect();
    if CODES.contains(&word.as_str()) {
        let code = CODES.iter().find(|c| **c == word)?;
        return Some((code, at + gap + word.len()));
    }
    let lower = word.to_lowercase();
    WORDS
        .iter()
        .find(|(w, _)| *w == lower)
        .map(|(_, code)| (*code, at + gap + word.len()))
}

/// A currency symbol or code ending right before `at` (allowing one space): (code, byte start).
fn currency_before(text: &str, at: usize) -> Option<(&'static str, usize)> {
    let before = &text[..at];
    let trimmed = before.trim_end();
    let gap = before.len() - trimmed.len();
    if gap > 1 {
        return None;
    }
    for (symbol, code) in SYMBOLS {
        if let Some(prefix) = trimmed.strip_suffix(symbol) {
            // "$" inside "US$" is matched as "US$" first (longer symbols come first).
            let boundary = prefix.chars().last().is_none_or(|c| !c.is_alphanumeric());
            if boundary {
                return Some((code, prefix.len()));
            }
        }
    }
    let word: String = trimmed
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_uppercase())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let code = CODES.iter().find(|c| **c == word)?;
    Some((code, trimmed.len() - word.len()))
}

/// Every amount of money in the text, in order.
pub fn money(text: &str) -> Vec<Money> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // Not the middle of a code or a number ("Q3", "FY27", "v2.1").
        let at_word_start = i == 0
            || !(bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'.' | b','));
        let Some((value, mut end)) = number(text, i).filter(|_| at_word_start) else {
            i += 1;
            continue;
        };
        let mut start = i;
        let mut amount = value;
        if let Some((multiplier, scaled_end)) = scale(text, end) {
            amount *= multiplier;
            end = scaled_end;
        }
        let scaled = amount != value;
        let before = currency_before(text, start);
        let after = currency_after(text, end);
        let next = text[end..].chars().next();
        let percent = next == Some('%')
            || text[end..]
                .trim_start()
                .to_lowercase()
                .starts_with("percent");
        let currency = match (before, after) {
            (Some((code, s)), _) => {
                start = s;
                Some(code)
            }
            (None, Some((code, e))) => {
                end = e;
                Some(code)
            }
            (None, None) => None,
        };
        // A bare number is money only when scaled ("200k"), never a percentage.
        if !percent && (currency.is_some() || scaled) {
            out.push(Money {
                span: Span { start, end },
                amount,
                currency,
            });
        }
        i = end.max(i + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, f64, Option<&'static str>)> {
        money(text)
            .into_iter()
            .map(|m| (m.span.of(text).to_owned(), m.amount, m.currency))
            .collect()
    }

    #[test]
    fn amounts_with_symbols_codes_words_and_scales() {
        assert_eq!(
            found("We have $50k approved"),
            [("$50k".into(), 50_000.0, Some("USD"))]
        );
        assert_eq!(
            found("about €1.2M this year"),
            [("€1.2M".into(), 1_200_000.0, Some("EUR"))]
        );
        assert_eq!(
            found("50,000 EUR for licences"),
            [("50,000 EUR".into(), 50_000.0, Some("EUR"))]
        );
        assert_eq!(
            found("USD 2.5 million"),
            [("USD 2.5 million".into(), 2_500_000.0, Some("USD"))]
        );
        assert_eq!(
            found("200 thousand euros"),
            [("200 thousand euros".into(), 200_000.0, Some("EUR"))]
        );
        assert_eq!(found("a 200k budget"), [("200k".into(), 200_000.0, None)]);
        assert_eq!(
            found("£750 per seat"),
            [("£750".into(), 750.0, Some("GBP"))]
        );
        assert_eq!(
            found("A$90,000"),
            [("A$90,000".into(), 90_000.0, Some("AUD"))]
        );
        assert_eq!(
            found("1.200.000 €"),
            [("1.200.000 €".into(), 1_200_000.0, Some("EUR"))]
        );
    }

    #[test]
    fn percentages_years_and_counts_are_not_money() {
        assert!(found("a 20% discount in 2027 for 300 users").is_empty());
        assert!(found("15 percent off").is_empty());
        assert!(found("meet at 10.30 on March 3").is_empty());
        assert!(found("Q3 and FY27 with v2.1").is_empty());
    }
}
