//! The guardrails: for each proposed action, whether it runs, waits for a human, or is forbidden.
//! The tenant's policy sets the starting point; the hard rules below (DESIGN.md, "Guardrail
//! rules") can only make a decision stricter, never looser:
//!
//! - closing stays human: no Closed Won or Closed Lost, no signature, no money movement, and no
//!   post-close work (kickoff, invoicing, onboarding) proposed by an agent;
//! - recipients must already be on the account (an address or domain recorded there); Bcc counts;
//!   a chat space with outside members is an external send;
//! - links are a channel: a URL or image the agent composed (one not present in the input it was
//!   given) counts as a send;
//! - a new contact on a domain the account does not have needs a human;
//! - the discount band covers everything given away together, and a message that states prices,
//!   discounts or percentages is a commercial commitment a human confirms;
//! - a skill may only propose the actions it declares;
//! - text that carries the prompt canary never leaves.
//!
//! Pure: the caller gathers what the account knows and the input text.

use std::collections::BTreeSet;

use domain::action::{Action, ActionKind, Decision};
use domain::catalog::{Approver, BandVerdict};
use domain::guardrail_policy::{GuardrailPolicy, PolicyMode};
use domain::stage::Stage;
use domain::text::{Email, strip_invisible};

/// Skills that only a human's close may start.
pub const POST_CLOSE_SKILLS: &[&str] = &["kickoff", "onboarding_plan", "invoice_schedule"];

/// Addresses and domains recorded on the account an action concerns.
#[derive(Debug, Clone, Default)]
pub struct KnownRecipients {
    pub emails: BTreeSet<String>,
    pub domains: BTreeSet<String>,
}

impl KnownRecipients {
    /// Whether an address is on the account: recorded itself, or at a recorded domain or one of
    /// its subdomains.
    pub fn knows(&self, email: &Email) -> bool {
        if self.emails.contains(email.as_str()) {
            return true;
        }
        self.knows_domain(email.domain())
    }

    /// Whether a domain is the account's (or a subdomain of one).
    pub fn knows_domain(&self, domain: &str) -> bool {
        self.domains.iter().any(|d| {
            domain == d
                || domain
                    .strip_suffix(d.as_str())
                    .is_some_and(|p| p.ends_with('.'))
        })
    }
}

/// What the guardrails need besides the action.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub policy: &'a GuardrailPolicy,
    /// The action kinds the proposing skill may use.
    pub allowed: &'a [ActionKind],
    pub known: &'a KnownRecipients,
    /// The untrusted text the skill was given; links found there are copied, not composed.
    pub source_text: &'a str,
    /// The prompt canary, when set: output carrying it leaked instructions.
    pub canary: Option<&'a str>,
    /// For a discount: what the catalog's discount bands say of it (`None`: no band applies).
    pub discount_band: Option<BandVerdict>,
}

/// The decision and every reason behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    pub reasons: Vec<String>,
    /// The action carries signs of a prompt injection (a leaked canary, hidden characters).
    pub injection_suspected: bool,
}

#[derive(Default)]
struct Reasons {
    forbid: Vec<String>,
    approve: Vec<String>,
    injection: bool,
}

/// Decides one action.
pub fn evaluate(action: &Action, cx: &Context<'_>) -> Verdict {
    let mut r = Reasons::default();
    let kind = action.kind();
    if !cx.allowed.contains(&kind) {
        r.forbid.push(format!("this skill may not propose {kind}"));
    }
    match cx.policy.mode(kind) {
        PolicyMode::Execute => {}
        PolicyMode::RequireApproval => r.approve.push(format!(
            "the tenant's policy asks a human to approve {kind}"
        )),
        PolicyMode::Forbid => r.forbid.push(format!("the tenant's policy forbids {kind}")),
    }
    check_texts(action, cx, &mut r);
    match action {
        Action::SendEmail(email) => {
            if let Some(figure) = commercial_figure(&format!("{}\n{}", email.subject, email.body)) {
                r.approve
                    .push(format!("the message states a price or discount ({figure})"));
            }
            for (field, list) in [("to", &email.to), ("cc", &email.cc), ("bcc", &email.bcc)] {
                for address in list {
                    check_recipient(field, address, cx.known, &mut r);
                }
            }
            if email.to.is_empty() {
                r.forbid
                    .push("an email needs at least one recipient".into());
            }
        }
        Action::PostChat(post) => {
            if let Some(figure) = commercial_figure(&post.text) {
                r.approve
                    .push(format!("the message states a price or discount ({figure})"));
            }
            if post.external_members {
                r.approve.push(format!(
                    "space {:?} has members outside the company: an external send",
                    post.space
                ));
            }
        }
        Action::MoveStage(m) => {
            if matches!(m.stage, Stage::ClosedWon | Stage::ClosedLost) {
                r.forbid.push(
                    "closing a deal stays human: agents never move to Closed Won or Closed Lost"
                        .into(),
                );
            }
        }
        Action::Handoff(h) => {
            if POST_CLOSE_SKILLS.contains(&h.skill.as_str()) {
                r.forbid.push(format!(
                    "{} starts only after a human closes the deal",
                    h.skill
                ));
            }
        }
        Action::AddContact(c) => {
            if let Some(address) = &c.email {
                match Email::parse(address) {
                    Ok(email) if cx.known.knows_domain(email.domain()) => {}
                    Ok(email) => r.approve.push(format!(
                        "{} is on a domain the account does not have yet",
                        email.as_str()
                    )),
                    Err(_) => r
                        .forbid
                        .push(format!("{address:?} is not an email address")),
                }
            }
        }
        Action::OfferDiscount(d) => {
            let extras = d.free_months > 0
                || !d.waived_fees.is_zero()
                || !d.credits.is_zero()
                || d.extra_payment_days > 0;
            for (field, negative) in [
                ("percent", d.percent.is_sign_negative()),
                ("waived fees", d.waived_fees.is_sign_negative()),
                ("credits", d.credits.is_sign_negative()),
            ] {
                if negative {
                    r.forbid
                        .push(format!("a discount's {field} cannot be negative"));
                }
            }
            // The caller values the whole package for the band (`runner::discount_band`).
            let mut gives = vec![format!("{}% off", d.percent)];
            if d.free_months > 0 {
                gives.push(format!("{} free months", d.free_months));
            }
            if !d.waived_fees.is_zero() {
                gives.push(format!("{} of waived fees", d.waived_fees));
            }
            if !d.credits.is_zero() {
                gives.push(format!("{} of credits", d.credits));
            }
            if d.extra_payment_days > 0 {
                gives.push(format!("{} extra payment days", d.extra_payment_days));
            }
            let what = match extras {
                true => format!("the package ({}) counted together", gives.join(" + ")),
                false => format!("{}% off", d.percent),
            };
            match cx.discount_band {
                Some(BandVerdict::Beyond { max_percent }) => r.approve.push(format!(
                    "{what} is past every discount band of the price book (at most {max_percent}%): \
                     an exception only a human grants"
                )),
                Some(BandVerdict::Band {
                    approval,
                    up_to_percent,
                }) if approval != Approver::None => r.approve.push(format!(
                    "{what} falls in the price book's band up to {up_to_percent}%, which needs {} approval",
                    approval.as_str().replace('_', " ")
                )),
                _ => {}
            }
            if d.percent > cx.policy.auto_discount_max_percent || extras {
                r.approve.push(format!(
                    "the offer ({}% off{}) is past the {}% band agents may give alone",
                    d.percent,
                    if extras {
                        " plus free months, waived fees, credits or longer terms"
                    } else {
                        ""
                    },
                    cx.policy.auto_discount_max_percent
                ));
            }
        }
        Action::SignContract(_) => r.forbid.push("only humans sign contracts".into()),
        Action::MoveMoney(_) => r
            .forbid
            .push("agents never move money: no payments, refunds or credits".into()),
        Action::CreateTask(_) => {}
    }
    let decision = if !r.forbid.is_empty() {
        Decision::Forbidden
    } else if !r.approve.is_empty() {
        Decision::PendingApproval
    } else {
        Decision::Executed
    };
    let mut reasons = r.forbid;
    reasons.extend(r.approve);
    Verdict {
        decision,
        reasons,
        injection_suspected: r.injection,
    }
}

fn check_recipient(field: &str, address: &str, known: &KnownRecipients, r: &mut Reasons) {
    if strip_invisible(address) != address {
        r.injection = true;
        r.approve.push(format!(
            "{field} address {address:?} hides invisible characters"
        ));
    }
    match Email::parse(address) {
        Ok(email) if known.knows(&email) => {}
        Ok(email) => r.approve.push(format!(
            "{field} recipient {} is not on the account",
            email.as_str()
        )),
        Err(_) => r
            .forbid
            .push(format!("{field} {address:?} is not an email address")),
    }
}

fn check_texts(action: &Action, cx: &Context<'_>, r: &mut Reasons) {
    let source = strip_invisible(cx.source_text);
    for text in action.texts() {
        let visible = strip_invisible(text);
        if let Some(canary) = cx.canary.filter(|c| !c.is_empty())
            && visible.contains(canary)
        {
            r.injection = true;
            r.forbid
                .push("the text repeats the agent's hidden instructions".into());
        }
        for link in links(&visible) {
            if link.image {
                r.approve
                    .push(format!("the text embeds an image from {}", link.url));
            } else if !source.contains(&link.url) {
                r.approve.push(format!(
                    "the text composes a link ({}) that was not in its input",
                    link.url
                ));
            }
        }
    }
}

/// The first price, amount or percentage in text: a number next to `%`, a currency sign or an
/// ISO currency code, or words like "discount" or "off" after a number.
pub fn commercial_figure(text: &str) -> Option<String> {
    let visible = strip_invisible(text);
    let words: Vec<&str> = visible.split_whitespace().collect();
    const CURRENCIES: &[&str] = &[
        "usd", "eur", "gbp", "sgd", "aud", "jpy", "chf", "cad", "inr",
    ];
    const SIGNS: &[char] = &['$', '€', '£', '¥', '₹'];
    for (i, word) in words.iter().enumerate() {
        let bare =
            word.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | '(' | ')'));
        let has_digit = bare.chars().any(|c| c.is_ascii_digit());
        if !has_digit {
            continue;
        }
        let lower = bare.to_lowercase();
        let next = words
            .get(i + 1)
            .map(|w| w.to_lowercase())
            .unwrap_or_default();
        let prev = i
            .checked_sub(1)
            .and_then(|p| words.get(p))
            .map(|w| w.to_lowercase())
            .unwrap_or_default();
        let money = bare.contains('%')
            || bare.contains(SIGNS)
            || CURRENCIES
                .iter()
                .any(|c| lower.ends_with(c) || lower.starts_with(c))
            || CURRENCIES
                .iter()
                .any(|c| next.trim_matches(|ch: char| !ch.is_alphanumeric()) == *c)
            || CURRENCIES
                .iter()
                .any(|c| prev.trim_matches(|ch: char| !ch.is_alphanumeric()) == *c)
            || matches!(
                next.trim_matches(|ch: char| !ch.is_alphanumeric()),
                "percent" | "off" | "discount"
            );
        if money {
            return Some(bare.to_owned());
        }
    }
    None
}

/// A link found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    /// Markdown or HTML image syntax: loading it sends a request with no click.
    pub image: bool,
}

/// URLs in text: `http(s)://…`, `www.…`, Markdown images and HTML `img` sources.
pub fn links(text: &str) -> Vec<Link> {
    let starts_link = |at: usize| {
        ["http://", "https://", "www."].iter().any(|p| {
            text.get(at..at + p.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(p))
        })
    };
    let mut found = Vec::new();
    let mut next_from = 0;
    for (begin, _) in text.char_indices() {
        if begin < next_from || !starts_link(begin) {
            continue;
        }
        let end = text[begin..]
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '<' | '>' | ']'))
            .map_or(text.len(), |e| begin + e);
        let url = text[begin..end]
            .trim_end_matches(['.', ',', ';', ':', '!', '?'])
            .to_owned();
        let before = text[..begin].trim_end().to_ascii_lowercase();
        let image = (before.ends_with("](") && before.contains("!["))
            || before.ends_with("src=\"")
            || before.ends_with("src='")
            || before.ends_with("src=");
        if !url.is_empty() {
            found.push(Link { url, image });
        }
        next_from = end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::action::{
        DiscountOffer, EmailDraft, HandoffDraft, HumanOnly, StageMoveDraft, TaskDraft,
    };
    use domain::agent::AgentRole;
    use domain::id::OpportunityId;
    use rust_decimal::Decimal;

    const ALL: &[ActionKind] = &[
        ActionKind::SendEmail,
        ActionKind::PostChat,
        ActionKind::CreateTask,
        ActionKind::MoveStage,
        ActionKind::Handoff,
        ActionKind::AddContact,
        ActionKind::OfferDiscount,
        ActionKind::SignContract,
        ActionKind::MoveMoney,
    ];

    fn known() -> KnownRecipients {
        KnownRecipients {
            emails: ["ana@partner.io".to_owned()].into(),
            domains: ["acme.com".to_owned()].into(),
        }
    }

    fn open_policy() -> GuardrailPolicy {
        let mut policy = GuardrailPolicy::default();
        for kind in ALL {
            policy
                .modes
                .insert(kind.as_str().to_owned(), PolicyMode::Execute);
        }
        policy.auto_discount_max_percent = Decimal::from(10);
        policy
    }

    fn decide(action: &Action, source: &str) -> Verdict {
        let policy = open_policy();
        let known = known();
        evaluate(
            action,
            &Context {
                policy: &policy,
                allowed: ALL,
                known: &known,
                source_text: source,
                canary: Some("CANARY-123"),
                discount_band: None,
            },
        )
    }

    fn email(to: &[&str], bcc: &[&str], body: &str) -> Action {
        Action::SendEmail(EmailDraft {
            to: to.iter().map(|s| (*s).to_owned()).collect(),
            cc: Vec::new(),
            bcc: bcc.iter().map(|s| (*s).to_owned()).collect(),
            subject: "Re: pricing".into(),
            body: body.into(),
            account_id: None,
            opportunity_id: None,
        })
    }

    #[test]
    fn known_recipients_pass_even_an_open_policy_holds_the_rest() {
        assert_eq!(
            decide(
                &email(
                    &["jo@acme.com", "x@eu.acme.com", "ana@partner.io"],
                    &[],
                    "Hi"
                ),
                ""
            )
            .decision,
            Decision::Executed
        );
        for (to, bcc) in [
            (vec!["jo@evilacme.com"], vec![]),
            (vec!["jo@acme.com.evil.io"], vec![]),
            (vec!["jo@acme.com"], vec!["spy@elsewhere.net"]),
            (vec!["bob@partner.io"], vec![]),
        ] {
            let v = decide(&email(&to, &bcc, "Hi"), "");
            assert_eq!(v.decision, Decision::PendingApproval, "{to:?} {bcc:?}");
        }
        let hidden = decide(&email(&["jo@acme.com\u{200B}"], &[], "Hi"), "");
        assert_eq!(hidden.decision, Decision::PendingApproval);
        assert!(hidden.injection_suspected);
        assert_eq!(
            decide(&email(&["not-an-address"], &[], "Hi"), "").decision,
            Decision::Forbidden
        );
    }

    #[test]
    fn composed_links_and_images_are_sends() {
        let copied = decide(
            &email(
                &["jo@acme.com"],
                &[],
                "As you asked: https://acme.com/rfp.pdf",
            ),
            "see https://acme.com/rfp.pdf",
        );
        assert_eq!(copied.decision, Decision::Executed);
        let composed = decide(
            &email(&["jo@acme.com"], &[], "Details: https://evil.io/c?d=secret"),
            "no links here",
        );
        assert_eq!(composed.decision, Decision::PendingApproval);
        let image = decide(
            &Action::CreateTask(TaskDraft {
                title: "Notes".into(),
                description: Some("![x](https://evil.io/p.png?q=data)".into()),
                due_date: None,
                assignee_id: None,
                account_id: None,
                opportunity_id: None,
            }),
            "![x](https://evil.io/p.png?q=data)",
        );
        assert_eq!(
            image.decision,
            Decision::PendingApproval,
            "an image is fetched without a click"
        );
    }

    #[test]
    fn closing_signing_and_money_stay_human_whatever_the_policy() {
        let opportunity_id = OpportunityId::generate();
        for stage in [Stage::ClosedWon, Stage::ClosedLost] {
            let v = decide(
                &Action::MoveStage(StageMoveDraft {
                    opportunity_id,
                    stage,
                    reason: None,
                }),
                "",
            );
            assert_eq!(v.decision, Decision::Forbidden);
        }
        let to_negotiation = decide(
            &Action::MoveStage(StageMoveDraft {
                opportunity_id,
                stage: Stage::Negotiation,
                reason: None,
            }),
            "",
        );
        assert_eq!(to_negotiation.decision, Decision::Executed);
        let human = HumanOnly {
            description: "sign".into(),
            opportunity_id: None,
        };
        assert_eq!(
            decide(&Action::SignContract(human.clone()), "").decision,
            Decision::Forbidden
        );
        assert_eq!(
            decide(&Action::MoveMoney(human), "").decision,
            Decision::Forbidden
        );
        let kickoff = Action::Handoff(HandoffDraft {
            to_role: AgentRole::ProjectManager,
            skill: "kickoff".into(),
            reason: "deal won".into(),
            account_id: None,
            opportunity_id: Some(opportunity_id),
        });
        assert_eq!(decide(&kickoff, "").decision, Decision::Forbidden);
    }

    #[test]
    fn the_discount_band_counts_everything_given_away() {
        let offer = |percent: i64, free_months: u32| {
            Action::OfferDiscount(DiscountOffer {
                opportunity_id: OpportunityId::generate(),
                percent: Decimal::from(percent),
                free_months,
                waived_fees: Decimal::ZERO,
                credits: Decimal::ZERO,
                extra_payment_days: 0,
                note: None,
            })
        };
        assert_eq!(decide(&offer(10, 0), "").decision, Decision::Executed);
        assert_eq!(
            decide(&offer(11, 0), "").decision,
            Decision::PendingApproval
        );
        assert_eq!(decide(&offer(5, 2), "").decision, Decision::PendingApproval);
        // A negative part is not a discount, and cannot offset the rest of the package.
        let Action::OfferDiscount(base) = offer(5, 0) else {
            unreachable!()
        };
        let negative = Action::OfferDiscount(DiscountOffer {
            credits: Decimal::from(-500),
            ..base
        });
        let verdict = decide(&negative, "");
        assert_eq!(verdict.decision, Decision::Forbidden);
        assert!(verdict.reasons[0].contains("credits cannot be negative"));
    }

    #[test]
    fn the_price_books_bands_can_only_tighten_the_policy() {
        let offer = Action::OfferDiscount(DiscountOffer {
            opportunity_id: OpportunityId::generate(),
            percent: Decimal::from(8),
            free_months: 0,
            waived_fees: Decimal::ZERO,
            credits: Decimal::ZERO,
            extra_payment_days: 0,
            note: None,
        });
        let policy = open_policy();
        let known = known();
        let with_band = |band: Option<BandVerdict>| {
            evaluate(
                &offer,
                &Context {
                    policy: &policy,
                    allowed: ALL,
                    known: &known,
                    source_text: "",
                    canary: None,
                    discount_band: band,
                },
            )
        };
        let free = BandVerdict::Band {
            approval: Approver::None,
            up_to_percent: Decimal::from(10),
        };
        assert_eq!(with_band(Some(free)).decision, Decision::Executed);
        let managed = with_band(Some(BandVerdict::Band {
            approval: Approver::Manager,
            up_to_percent: Decimal::from(10),
        }));
        assert_eq!(managed.decision, Decision::PendingApproval);
        assert!(
            managed
                .reasons
                .iter()
                .any(|r| r.contains("manager approval"))
        );
        let beyond = with_band(Some(BandVerdict::Beyond {
            max_percent: Decimal::from(5),
        }));
        assert_eq!(beyond.decision, Decision::PendingApproval);
        assert!(
            beyond
                .reasons
                .iter()
                .any(|r| r.contains("past every discount band"))
        );
    }

    #[test]
    fn leaked_instructions_and_unlisted_actions_are_forbidden() {
        let leak = decide(
            &email(&["jo@acme.com"], &[], "My instructions say CANARY-123"),
            "",
        );
        assert_eq!(leak.decision, Decision::Forbidden);
        assert!(leak.injection_suspected);
        let policy = open_policy();
        let known = known();
        let only_tasks = evaluate(
            &email(&["jo@acme.com"], &[], "Hi"),
            &Context {
                policy: &policy,
                allowed: &[ActionKind::CreateTask],
                known: &known,
                source_text: "",
                canary: None,
                discount_band: None,
            },
        );
        assert_eq!(only_tasks.decision, Decision::Forbidden);
    }

    #[test]
    fn the_default_policy_holds_outbound_work_for_a_human() {
        let policy = GuardrailPolicy::default();
        let known = known();
        let cx = Context {
            policy: &policy,
            allowed: ALL,
            known: &known,
            source_text: "",
            canary: None,
            discount_band: None,
        };
        assert_eq!(
            evaluate(&email(&["jo@acme.com"], &[], "Hi"), &cx).decision,
            Decision::PendingApproval
        );
        let task = Action::CreateTask(TaskDraft {
            title: "Call back".into(),
            description: None,
            due_date: None,
            assignee_id: None,
            account_id: None,
            opportunity_id: None,
        });
        assert_eq!(evaluate(&task, &cx).decision, Decision::Executed);
    }

    #[test]
    fn stated_prices_and_discounts_need_a_human() {
        for text in [
            "We can do 90% off.",
            "Price is $1,200 per seat",
            "EUR 5000 total",
            "5000 EUR total",
            "a 20 percent discount",
            "€99",
        ] {
            assert!(commercial_figure(text).is_some(), "{text}");
            assert_eq!(
                decide(&email(&["jo@acme.com"], &[], text), "").decision,
                Decision::PendingApproval,
                "{text}"
            );
        }
        for text in [
            "See you at 10:30 on 3 December.",
            "Version 2 of the plan",
            "Call +44 20 7946 0000",
        ] {
            assert_eq!(commercial_figure(text), None, "{text}");
        }
    }

    #[test]
    fn links_are_found_in_prose_markdown_and_html() {
        let found = links(
            "see https://a.io/x, www.b.com and ![i](http://c.net/p.png) <img src=\"https://d.org/t.gif\">",
        );
        let urls: Vec<(&str, bool)> = found.iter().map(|l| (l.url.as_str(), l.image)).collect();
        assert_eq!(
            urls,
            [
                ("https://a.io/x", false),
                ("www.b.com", false),
                ("http://c.net/p.png", true),
                ("https://d.org/t.gif", true)
            ]
        );
    }
}
