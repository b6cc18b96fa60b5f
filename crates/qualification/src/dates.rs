//! Dates, deadlines and fiscal periods in running text: `2027-01-31`, `31/01/2027`,
//! `March 31`, `31st of March`, `end of March`, `Q3`, `Q3 2027`, `FY27`, `H2`, `end of the
//! quarter`, `next month`, `in six weeks`, `within 30 days`, `by Friday`, `tomorrow`.

use crate::{Span, words};

/// What sort of time a mention names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateKind {
    /// A calendar date or month.
    Calendar,
    /// A fiscal period: quarter, half, fiscal year.
    Fiscal,
    /// Relative to now: next month, in six weeks, tomorrow.
    Relative,
}

/// A time mentioned in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DateMention {
    pub span: Span,
    pub kind: DateKind,
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];
const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const UNITS: &[&str] = &[
    "day", "days", "week", "weeks", "month", "months", "quarter", "quarters", "year", "years",
];
const COUNTS: &[&str] = &[
    "a", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve",
    "couple", "few",
];
const PERIODS: &[&str] = &["week", "month", "quarter", "year", "half", "sprint"];

fn is_year(w: &str) -> bool {
    w.len() == 4 && w.starts_with("20") && w.bytes().all(|b| b.is_ascii_digit())
}

fn is_day(w: &str) -> bool {
    let digits = w.trim_end_matches(|c: char| c.is_alphabetic());
    let suffix = &w[digits.len()..];
    !digits.is_empty()
        && digits.len() <= 2
        && digits.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
        && matches!(suffix, "" | "st" | "nd" | "rd" | "th")
}

fn is_fiscal(w: &str) -> bool {
    let quarter = w.len() == 2 && w.starts_with('q') && matches!(&w[1..], "1" | "2" | "3" | "4");
    let half = w.len() == 2 && w.starts_with('h') && matches!(&w[1..], "1" | "2");
    let fy = w.starts_with("fy")
        && (w.len() == 4 || w.len() == 6)
        && w[2..].bytes().all(|b| b.is_ascii_digit());
    // "q3fy27", "q4'26" arrive as one word in some notes.
    let joined = w.len() > 2
        && w.starts_with('q')
        && is_fiscal(&w[..2])
        && w[2..].bytes().all(|b| b.is_ascii_alphanumeric());
    quarter || half || fy || joined
}

/// Every date, period or deadline mentioned, in order.
pub fn dates(text: &str) -> Vec<DateMention> {
    let found = words(text);
    let w = |i: usize| found.get(i).map_or("", |(_, w)| w.as_str());
    let mut out: Vec<DateMention> = Vec::new();
    let mut i = 0;
    while i < found.len() {
        let start = found[i].0.start;
        let push = |last: usize, kind: DateKind, out: &mut Vec<DateMention>| {
            out.push(DateMention {
                span: Span {
                    start,
                    end: found[last].0.end,
                },
                kind,
            });
            last + 1
        };
        let word = w(i);
        // ISO and numeric dates: 2027-01-31, 31/01/2027, 01.31.2027.
        if is_year(word)
            && w(i + 1).len() <= 2
            && w(i + 2).len() <= 2
            && !w(i + 1).is_empty()
            && w(i + 1).bytes().all(|b| b.is_ascii_digit())
            && w(i + 2).bytes().all(|b| b.is_ascii_digit())
            && !w(i + 2).is_empty()
            && text[found[i].0.end..found[i + 1].0.start].trim() == "-"
        {
            i = push(i + 2, DateKind::Calendar, &mut out);
            continue;
        }
        if is_day(word)
            && word.bytes().all(|b| b.is_ascii_digit())
            && w(i + 1).bytes().all(|b| b.is_ascii_digit())
            && !w(i + 1).is_empty()
            && w(i + 1).len() <= 2
            && is_year(w(i + 2))
            && matches!(
                text[found[i].0.end..found[i + 1].0.start].trim(),
                "/" | "." | "-"
            )
        {
            i = push(i + 2, DateKind::Calendar, &mut out);
            continue;
        }
        // "31st of March 2027", "31 March".
        if is_day(word)
            && (MONTHS.contains(&w(i + 1)) || (w(i + 1) == "of" && MONTHS.contains(&w(i + 2))))
        {
            let month = if w(i + 1) == "of" { i + 2 } else { i + 1 };
            let last = if is_year(w(month + 1)) {
                month + 1
            } else {
                month
            };
            i = push(last, DateKind::Calendar, &mut out);
            continue;
        }
        // "March 31st, 2027", "March", "end of March". "may" alone is usually the verb.
        if MONTHS.contains(&word) && (word != "may" || text[found[i].0.start..].starts_with('M')) {
            let mut last = i;
            if is_day(w(i + 1)) {
                last = i + 1;
            }
            if is_year(w(last + 1)) {
                last += 1;
            }
            let from_end = i >= 2
                && matches!(w(i - 2), "end" | "beginning" | "start" | "middle" | "mid")
                && w(i - 1) == "of";
            if from_end {
                let begin = found[i - 2].0.start;
                out.push(DateMention {
                    span: Span {
                        start: begin,
                        end: found[last].0.end,
                    },
                    kind: DateKind::Calendar,
                });
                i = last + 1;
            } else {
                i = push(last, DateKind::Calendar, &mut out);
            }
            continue;
        }
        // Fiscal periods: Q3, Q3 2027, Q3 FY27, FY27, H2.
        if is_fiscal(word) {
            let mut last = i;
            if is_year(w(i + 1)) || (w(i + 1).starts_with("fy") && is_fiscal(w(i + 1))) {
                last = i + 1;
            }
            i = push(last, DateKind::Fiscal, &mut out);
            continue;
        }
        // "end of the quarter", "end of the year", "end of Q3" (Q3 handled above).
        if matches!(word, "end" | "beginning" | "start" | "middle") && w(i + 1) == "of" {
            let next = if w(i + 2) == "the" || w(i + 2) == "this" || w(i + 2) == "next" {
                i + 3
            } else {
                i + 2
            };
            if PERIODS.contains(&w(next)) || w(next) == "fiscal" || w(next) == "financial" {
                let last = if matches!(w(next), "fiscal" | "financial") && w(next + 1) == "year" {
                    next + 1
                } else {
                    next
                };
                i = push(last, DateKind::Fiscal, &mut out);
                continue;
            }
        }
        if matches!(word, "year" | "quarter") && w(i + 1) == "end" {
            i = push(i + 1, DateKind::Fiscal, &mut out);
            continue;
        }
        // "next/this/last month", "next fiscal year", "next Friday".
        if matches!(word, "next" | "this" | "coming" | "following" | "last") {
            let mut last = i + 1;
            if matches!(w(last), "fiscal" | "financial" | "calendar") {
                last += 1;
            }
            if PERIODS.contains(&w(last)) || WEEKDAYS.contains(&w(last)) {
                let kind = if w(i + 1) == "fiscal" || w(last) == "quarter" || w(last) == "half" {
                    DateKind::Fiscal
                } else {
                    DateKind::Relative
                };
                i = push(last, kind, &mut out);
                continue;
            }
        }
        // "in six weeks", "within 30 days", "in a couple of months".
        if matches!(word, "in" | "within") {
            let mut n = i + 1;
            if w(n) == "the" && w(n + 1) == "next" {
                n += 2;
            }
            let count_ok = COUNTS.contains(&w(n))
                || (w(n).bytes().all(|b| b.is_ascii_digit()) && !w(n).is_empty());
            if count_ok {
                let mut unit = n + 1;
                if w(unit) == "of" {
                    unit += 1;
                }
                if UNITS.contains(&w(unit)) {
                    i = push(unit, DateKind::Relative, &mut out);
                    continue;
                }
            }
        }
        if matches!(word, "tomorrow" | "today" | "tonight") {
            i = push(i, DateKind::Relative, &mut out);
            continue;
        }
        if WEEKDAYS.contains(&word) {
            i = push(i, DateKind::Relative, &mut out);
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&str, DateKind)> {
        dates(text)
            .into_iter()
            .map(|d| (d.span.of(text), d.kind))
            .collect()
    }

    #[test]
    fn calendar_fiscal_and_relative_times() {
        use DateKind::*;
        assert_eq!(
            found("Go-live on 2027-01-31 please"),
            [("2027-01-31", Calendar)]
        );
        assert_eq!(found("signed by 31/01/2027"), [("31/01/2027", Calendar)]);
        assert_eq!(
            found("by March 31st, 2027"),
            [("March 31st, 2027", Calendar)]
        );
        assert_eq!(found("the 15th of June"), [("15th of June", Calendar)]);
        assert_eq!(
            found("before the end of March"),
            [("end of March", Calendar)]
        );
        assert_eq!(
            found("budget lands in Q3 2027, FY27 at the latest"),
            [("Q3 2027", Fiscal), ("FY27", Fiscal)]
        );
        assert_eq!(
            found("by the end of the quarter"),
            [("end of the quarter", Fiscal)]
        );
        assert_eq!(found("next fiscal year"), [("next fiscal year", Fiscal)]);
        assert_eq!(
            found("in six weeks, or within 30 days"),
            [("in six weeks", Relative), ("within 30 days", Relative)]
        );
        assert_eq!(
            found("call me next Friday or tomorrow"),
            [("next Friday", Relative), ("tomorrow", Relative)]
        );
    }

    #[test]
    fn look_alikes_are_not_dates() {
        assert!(found("we may decide; 10:30 works; version 2.1; 300 users").is_empty());
        assert!(found("in a sense, next steps").is_empty());
    }
}
