//! The offline writer of outreach: a greeting, an opening for the purpose, a point pitched at the
//! recipient's level, one question for what the deal still lacks, an ask, and the rep's sign-off
//! and signature. Conventions come from the region's locale (greeting, sign-off, how dates are
//! written); the rep's example messages, when given, set the greeting and sign-off words and
//! whether to be brief.

use domain::contact::PersonaLevel;
use domain::persona::Tone;
use jiff::civil::Date;

use super::{Channel, OutreachDraft, OutreachInput, Purpose};

/// How a locale writes letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conventions {
    /// `Dear`, `Hi`, `Hallo`…
    pub formal_greeting: &'static str,
    pub friendly_greeting: &'static str,
    pub sign_off: &'static str,
    /// Day before month (`31 March 2027`) or month first (`March 31, 2027`).
    pub day_first: bool,
}

/// The conventions of a BCP 47 locale; English ones differ in sign-off and date order, a few
/// other languages get their own greeting and sign-off (the body stays English offline).
pub fn conventions(locale: &str) -> Conventions {
    let lower = locale.to_ascii_lowercase();
    let language = lower.split(['-', '_']).next().unwrap_or("en");
    match language {
        "de" => Conventions {
            formal_greeting: "Guten Tag",
            friendly_greeting: "Hallo",
            sign_off: "Mit freundlichen Grüßen",
            day_first: true,
        },
        "fr" => Conventions {
            formal_greeting: "Bonjour",
            friendly_greeting: "Bonjour",
            sign_off: "Cordialement",
            day_first: true,
        },
        "es" => Conventions {
            formal_greeting: "Estimado/a",
            friendly_greeting: "Hola",
            sign_off: "Saludos cordiales",
            day_first: true,
        },
        _ if lower == "en-us" || lower == "en-ca" || lower == "en" => Conventions {
            formal_greeting: "Dear",
            friendly_greeting: "Hi",
            sign_off: "Best",
            day_first: false,
        },
        // English of the Commonwealth and Asia: day first; APAC leans formal.
        _ if ["en-sg", "en-hk", "en-my", "en-ph", "en-in"].contains(&lower.as_str()) => {
            Conventions {
                formal_greeting: "Dear",
                friendly_greeting: "Dear",
                sign_off: "Best regards",
                day_first: true,
            }
        }
        _ => Conventions {
            formal_greeting: "Dear",
            friendly_greeting: "Hi",
            sign_off: "Kind regards",
            day_first: true,
        },
    }
}

/// A date as the locale writes it.
pub fn write_date(date: Date, day_first: bool) -> String {
    let month = date.strftime("%B").to_string();
    if day_first {
        format!("{} {month} {}", date.day(), date.year())
    } else {
        format!("{month} {}, {}", date.day(), date.year())
    }
}

/// The greeting and sign-off words the rep's own examples use, and whether they write briefly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Style {
    pub greeting: Option<String>,
    pub sign_off: Option<String>,
    pub brief: bool,
}

const GREETINGS: &[&str] = &[
    "Hi",
    "Hello",
    "Hey",
    "Dear",
    "Good morning",
    "Morning",
    "Hallo",
    "Bonjour",
    "Hola",
];
const SIGN_OFFS: &[&str] = &[
    "Best regards",
    "Kind regards",
    "Warm regards",
    "Regards",
    "Best",
    "Cheers",
    "Thanks",
    "Many thanks",
    "Thank you",
    "All the best",
    "Speak soon",
    "Talk soon",
];

/// Reads the rep's habits from their example messages.
pub fn style_of(examples: &[String]) -> Style {
    let mut style = Style::default();
    let mut words = 0usize;
    let mut sentences = 0usize;
    for example in examples {
        let lines: Vec<&str> = example
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if style.greeting.is_none()
            && let Some(first) = lines.first()
        {
            style.greeting = GREETINGS
                .iter()
                .find(|g| first.starts_with(**g))
                .map(|g| (*g).to_owned());
        }
        if style.sign_off.is_none() {
            style.sign_off = lines.iter().rev().take(3).find_map(|l| {
                let bare = l.trim_end_matches([',', '!', '.']);
                SIGN_OFFS
                    .iter()
                    .find(|s| bare.eq_ignore_ascii_case(s))
                    .map(|s| (*s).to_owned())
            });
        }
        words += example.split_whitespace().count();
        sentences += example.matches(['.', '?', '!']).count().max(1);
    }
    style.brief =
        sentences > 0 && words / sentences.max(1) < 12 && words < 80 * examples.len().max(1);
    style
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

fn opening(input: &OutreachInput, date: &str) -> String {
    let deal = &input.deal;
    match input.purpose {
        Purpose::Introduction => format!(
            "I look after {}'s relationship with {} and wanted to introduce myself.",
            input.account, input.seller_company
        ),
        Purpose::FollowUp => match &input.last_subject {
            Some(subject) => format!("Thank you for the time on \"{subject}\"."),
            None => "Thank you for the time we spent together recently.".to_owned(),
        },
        Purpose::MeetingRequest => {
            format!("Could we find 30 minutes before {date} to take {deal} a step further?")
        }
        Purpose::ProposalFollowUp => {
            format!("I wanted to check how the proposal for {deal} is landing with your team.")
        }
        Purpose::ReEngage => format!(
            "It has been a little while since we last spoke about {deal}, and I did not want it to drift."
        ),
        Purpose::CheckIn => format!("A quick check-in on {deal}."),
    }
}

/// The point, pitched at the recipient's level.
fn point(input: &OutreachInput) -> Option<String> {
    let level = input.recipient.persona_level;
    match level {
        Some(PersonaLevel::CSuite | PersonaLevel::Executive) => input
            .outcome
            .as_ref()
            .map(|o| format!("The outcome your team described stays our focus: \"{o}\"."))
            .or_else(|| {
                Some("Our focus is the business outcome and the date it has to land by.".into())
            }),
        Some(PersonaLevel::Manager) => input.next_step.as_ref().map(|s| {
            format!(
                "On our side, the next step is: {}.",
                s.trim_end_matches('.')
            )
        }),
        _ => input
            .next_step
            .as_ref()
            .map(|s| format!("To keep things moving: {}.", s.trim_end_matches('.'))),
    }
}

fn ask(input: &OutreachInput, date: &str) -> String {
    match (input.purpose, input.recipient.persona_level) {
        (Purpose::MeetingRequest, _) => "Would any time early next week suit you?".to_owned(),
        (_, Some(PersonaLevel::CSuite | PersonaLevel::Executive)) => {
            format!("Would a short conversation before {date} be useful?")
        }
        (Purpose::ProposalFollowUp, _) => {
            format!("Could we walk through any open points before {date}?")
        }
        _ => "What would be the most useful next step from your side?".to_owned(),
    }
}

/// The words before the rep's name: their own (from their examples), else the locale's.
pub fn sign_off(input: &OutreachInput) -> String {
    style_of(&input.sender.examples)
        .sign_off
        .unwrap_or_else(|| conventions(&input.locale).sign_off.to_owned())
}

/// The body without a closing block that looks like a sign-off (a few short lines that are not
/// sentences: "Best,\nThe CEO"), so only the persona signs.
pub fn without_sign_off(body: &str) -> &str {
    let trimmed = body.trim_end();
    let Some((before, last)) = trimmed.rsplit_once("\n\n") else {
        return trimmed;
    };
    let lines: Vec<&str> = last
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let signs = !lines.is_empty()
        && lines.len() <= 4
        && lines
            .iter()
            .all(|l| l.chars().count() <= 60 && !l.ends_with(['.', '?', '!']));
    if signs { before.trim_end() } else { trimmed }
}

/// Writes the draft without a model.
pub fn compose(input: &OutreachInput) -> OutreachDraft {
    let conv = conventions(&input.locale);
    let style = style_of(&input.sender.examples);
    let brief = style.brief || input.sender.tone == Tone::Direct;
    let date = input
        .close_date
        .map(|d| write_date(d, conv.day_first))
        .unwrap_or_else(|| "the end of the month".to_owned());
    let first = first_name(&input.recipient.name);
    let formal = input.sender.tone == Tone::Formal
        || (input.recipient.persona_level == Some(PersonaLevel::CSuite)
            && input.sender.tone != Tone::Direct);
    let greeting_word = style.greeting.clone().unwrap_or_else(|| {
        if formal {
            conv.formal_greeting.to_owned()
        } else {
            conv.friendly_greeting.to_owned()
        }
    });
    let addressee = if formal {
        input.recipient.name.as_str()
    } else {
        first
    };
    let mut sentences = vec![opening(input, &date)];
    if let Some(point) = point(input) {
        sentences.push(point);
    }
    if let Some(question) = &input.question
        && !(brief && input.recipient.persona_level == Some(PersonaLevel::CSuite))
    {
        sentences.push(question.clone());
    }
    if !brief || sentences.len() < 3 {
        sentences.push(ask(input, &date));
    }
    match input.channel {
        // The sign-off and signature are the persona's, added when the draft is settled.
        Channel::Chat => OutreachDraft {
            subject: None,
            body: format!("{greeting_word} {first}, {}", sentences.join(" ")),
        },
        Channel::Email => {
            let body = format!("{greeting_word} {addressee},\n\n{}", sentences.join(" "));
            let subject = match input.purpose {
                Purpose::FollowUp => input
                    .last_subject
                    .as_ref()
                    .map(|s| {
                        if s.to_lowercase().starts_with("re:") {
                            s.clone()
                        } else {
                            format!("Re: {s}")
                        }
                    })
                    .unwrap_or_else(|| format!("{}: following up", input.deal)),
                Purpose::Introduction => format!("{} and {}", input.seller_company, input.account),
                Purpose::MeetingRequest => format!("{}: 30 minutes before {date}?", input.deal),
                Purpose::ProposalFollowUp => format!("{}: the proposal", input.deal),
                Purpose::ReEngage => format!("{}: picking up where we left off", input.deal),
                Purpose::CheckIn => format!("{}: a quick check-in", input.deal),
            };
            OutreachDraft {
                subject: Some(subject.chars().take(200).collect()),
                body,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_set_dates_and_sign_offs() {
        let d = jiff::civil::date(2027, 3, 31);
        assert_eq!(
            write_date(d, conventions("en-US").day_first),
            "March 31, 2027"
        );
        assert_eq!(
            write_date(d, conventions("en-GB").day_first),
            "31 March 2027"
        );
        assert_eq!(conventions("en-SG").friendly_greeting, "Dear");
        assert_eq!(conventions("de-DE").sign_off, "Mit freundlichen Grüßen");
    }

    #[test]
    fn the_reps_examples_set_greeting_sign_off_and_brevity() {
        let style = style_of(&[
            "Hey Jo,\nQuick one. Thursday at 10?\nCheers,\nMara".into(),
            "Hey Sam,\nDeck attached. Shout if stuck.\nCheers\nMara".into(),
        ]);
        assert_eq!(style.greeting.as_deref(), Some("Hey"));
        assert_eq!(style.sign_off.as_deref(), Some("Cheers"));
        assert!(style.brief);
        let wordy = style_of(&["Dear Ms Tan,\n\nThank you very much for taking the time to meet with our team last week to discuss the programme in such detail and with such candour.\n\nKind regards,\nMara".into()]);
        assert_eq!(wordy.greeting.as_deref(), Some("Dear"));
        assert_eq!(wordy.sign_off.as_deref(), Some("Kind regards"));
        assert!(!wordy.brief);
    }
}
