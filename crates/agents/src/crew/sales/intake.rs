//! Activity intake: who took part, and which account and deal an activity is about.
//!
//! An activity arrives as JSON or as a file (an `.eml`, a WebVTT/SRT/JSON/speaker-labelled
//! transcript, notes). Before it is stored, its participants are matched:
//! - people with an address: to the tenant's users (the sellers) and then to contacts, by address;
//! - people with only a name (transcript speakers): to the contacts of the account, by full name
//!   or by a first name only one contact has, and to users by full name;
//! - the account: given, or the deal's, or the one the matched contacts belong to, or the one
//!   owning the domain of the outside addresses (a parent domain counts, as for account lookups);
//! - the deal: given, or the account's only open deal, or the one open deal whose name the subject
//!   or text mentions.
//!
//! Nothing here trusts the text to say who may do what: matching only fills ids, and the people
//! it cannot match become proposed contacts ([`ProposeContacts`]) that go through the guardrails
//! (a contact on a domain the account does not have needs a human's approval).

use std::collections::BTreeMap;

use async_trait::async_trait;
use domain::account::Account;
use domain::action::{Action, ActionKind, ContactDraft};
use domain::activity::{ActivityKind, NewActivity, Participant, ParticipantRole};
use domain::agent::AgentRole;
use domain::agent_run::RunTrigger;
use domain::contact::Contact;
use domain::event::Event;
use domain::id::{AccountId, ActivityId, OpportunityId, TenantId};
use domain::opportunity::Opportunity;
use domain::text::Email;
use domain::user::User;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::{Filter, SqlValue, Store};

use crate::handler::HandlerError;
use crate::skill::{StructuredSkill, Trigger};

/// Most users, contacts or deals one match reads.
const MAX_ROWS: usize = 5000;
/// Most contacts one activity proposes.
const MAX_PROPOSED: usize = 10;

/// How the account was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountMatch {
    /// The caller named it.
    Given,
    /// The deal's account.
    ByOpportunity,
    /// The account most matched contacts belong to.
    ByContact,
    /// The account owning the outside addresses' domain.
    ByDomain,
    /// None found.
    None,
}

/// How the deal was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityMatch {
    Given,
    /// The account's only open deal.
    OnlyOpen,
    /// The one open deal whose name the subject or text mentions.
    Named,
    /// Several open deals and nothing to tell them apart: left for a human.
    Ambiguous,
    /// No account, or no open deal on it.
    None,
}

/// What intake made of an activity's participants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntakeReport {
    pub account: AccountMatch,
    pub opportunity: OpportunityMatch,
    /// Participants matched to a contact.
    pub contacts: usize,
    /// Participants matched to a user (the sellers).
    pub users: usize,
    /// Participants matched to nobody (addresses or names), in order.
    pub unknown: Vec<String>,
}

/// Folds a name for comparison: lower case, single spaces.
fn fold(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A domain and its parents down to two labels: `eu.acme.com`, `acme.com`.
fn domain_and_parents(domain: &str) -> Vec<String> {
    let labels: Vec<&str> = domain.split('.').collect();
    (0..labels.len().saturating_sub(1))
        .filter_map(|i| labels.get(i..).map(|l| l.join(".")))
        .collect()
}

fn lower_address(p: &Participant) -> Option<String> {
    p.email.as_ref().map(|e| e.as_str().to_lowercase())
}

/// The tenant's users, by lower-cased address and by folded name.
struct Sellers {
    by_address: BTreeMap<String, User>,
    by_name: BTreeMap<String, User>,
    domains: Vec<String>,
}

async fn sellers(store: &Store, tenant: TenantId) -> Result<Sellers, store::Error> {
    let users: Vec<User> = store.list_all(tenant, Vec::new(), MAX_ROWS).await?;
    let mut out = Sellers {
        by_address: BTreeMap::new(),
        by_name: BTreeMap::new(),
        domains: Vec::new(),
    };
    for user in users {
        let domain = user.email.domain().to_owned();
        if !out.domains.contains(&domain) {
            out.domains.push(domain);
        }
        out.by_name.insert(fold(&user.name), user.clone());
        out.by_address
            .insert(user.email.as_str().to_lowercase(), user);
    }
    Ok(out)
}

/// The contact with this address (compared without case), if any.
async fn contact_by_address(
    store: &Store,
    tenant: TenantId,
    address: &Email,
) -> Result<Option<Contact>, store::Error> {
    let mut forms = vec![address.as_str().to_owned()];
    let lower = address.as_str().to_lowercase();
    if lower != address.as_str() {
        forms.push(lower.clone());
    }
    for form in forms {
        let found: Vec<Contact> = store
            .list_all(tenant, vec![Filter::Eq("email", SqlValue::text(form))], 2)
            .await?;
        if let Some(contact) = found.into_iter().next() {
            return Ok(Some(contact));
        }
    }
    // Stored in another case (`Jane.Doe@acme.com`): compare without case among the contacts of
    // the accounts owning the domain.
    for account in accounts_by_domain(store, tenant, std::slice::from_ref(&lower)).await? {
        let contacts: Vec<Contact> = store
            .list_all(
                tenant,
                vec![Filter::Eq(
                    "account_id",
                    SqlValue::Uuid(Some(account.id.as_uuid())),
                )],
                MAX_ROWS,
            )
            .await?;
        if let Some(contact) = contacts.into_iter().find(|c| {
            c.email
                .as_ref()
                .is_some_and(|e| e.as_str().to_lowercase() == lower)
        }) {
            return Ok(Some(contact));
        }
    }
    Ok(None)
}

/// Accounts owning the domain of one of these addresses (or a parent of it).
async fn accounts_by_domain(
    store: &Store,
    tenant: TenantId,
    addresses: &[String],
) -> Result<Vec<Account>, store::Error> {
    let mut domains: Vec<SqlValue> = Vec::new();
    for address in addresses {
        if let Some((_, domain)) = address.rsplit_once('@') {
            domains.extend(domain_and_parents(domain).into_iter().map(SqlValue::text));
        }
    }
    if domains.is_empty() {
        return Ok(Vec::new());
    }
    store
        .list_all(
            tenant,
            vec![Filter::Linked {
                table: "account_domains",
                owner_column: "account_id",
                value_column: "domain",
                values: domains,
            }],
            50,
        )
        .await
}

/// Whether `text` mentions every significant word of a deal's name.
fn mentions(text: &str, deal_name: &str) -> bool {
    let words: Vec<String> = deal_name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    !words.is_empty() && words.iter().all(|w| text.contains(w.as_str()))
}

/// The deal an activity on this account is about, and how it was found.
fn pick_opportunity(open: &[Opportunity], text: &str) -> (Option<OpportunityId>, OpportunityMatch) {
    match open {
        [] => (None, OpportunityMatch::None),
        [only] => (Some(only.id), OpportunityMatch::OnlyOpen),
        several => {
            let lower = text.to_lowercase();
            let named: Vec<&Opportunity> = several
                .iter()
                .filter(|o| mentions(&lower, &o.name))
                .collect();
            match named.as_slice() {
                [one] => (Some(one.id), OpportunityMatch::Named),
                _ => (None, OpportunityMatch::Ambiguous),
            }
        }
    }
}

/// Matches an activity's participants, account and deal before it is stored, filling the ids it
/// can. Ids the caller gave are kept (the store checks they are the tenant's).
pub async fn match_activity(
    store: &Store,
    tenant: TenantId,
    activity: &mut NewActivity,
) -> Result<IntakeReport, store::Error> {
    let mut report = IntakeReport {
        account: AccountMatch::None,
        opportunity: OpportunityMatch::None,
        contacts: 0,
        users: 0,
        unknown: Vec::new(),
    };
    // Too many people is the create's 422; matching them first would only cost queries.
    if activity.participants.len() > domain::activity::MAX_PARTICIPANTS {
        return Ok(report);
    }
    let sellers = sellers(store, tenant).await?;
    // By address: users first, then contacts.
    let mut votes: BTreeMap<AccountId, usize> = BTreeMap::new();
    for p in &mut activity.participants {
        if p.user_id.is_none()
            && p.contact_id.is_none()
            && let Some(address) = lower_address(p)
            && let Some(user) = sellers.by_address.get(&address)
        {
            p.user_id = Some(user.id);
        }
        if p.user_id.is_some() || p.contact_id.is_some() {
            continue;
        }
        let Some(email) = &p.email else { continue };
        if let Some(contact) = contact_by_address(store, tenant, email).await? {
            p.contact_id = Some(contact.id);
            if p.name.is_none() {
                p.name = Some(contact.name.clone());
            }
            *votes.entry(contact.account_id).or_default() += 1;
        }
    }
    // The account.
    if activity.account_id.is_some() {
        report.account = AccountMatch::Given;
    } else if let Some(deal) = activity.opportunity_id {
        // An unknown deal (or another tenant's) is left for the store's reference check.
        match store.get::<Opportunity>(tenant, deal.as_uuid()).await {
            Ok(deal) => {
                activity.account_id = Some(deal.account_id);
                report.account = AccountMatch::ByOpportunity;
            }
            Err(store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    } else if let Some((account, _)) = votes
        .iter()
        .max_by_key(|(id, n)| (**n, std::cmp::Reverse(**id)))
    {
        activity.account_id = Some(*account);
        report.account = AccountMatch::ByContact;
    } else {
        let outside: Vec<String> = activity
            .participants
            .iter()
            .filter(|p| p.user_id.is_none())
            .filter_map(lower_address)
            .filter(|a| {
                a.rsplit_once('@')
                    .is_none_or(|(_, d)| !sellers.domains.iter().any(|s| s == d))
            })
            .collect();
        let accounts = accounts_by_domain(store, tenant, &outside).await?;
        if let [account] = accounts.as_slice() {
            activity.account_id = Some(account.id);
            report.account = AccountMatch::ByDomain;
        }
    }
    // By name, inside the account.
    let contacts: Vec<Contact> = match activity.account_id {
        Some(account) => {
            store
                .list_all(
                    tenant,
                    vec![Filter::Eq(
                        "account_id",
                        SqlValue::Uuid(Some(account.as_uuid())),
                    )],
                    MAX_ROWS,
                )
                .await?
        }
        None => Vec::new(),
    };
    // By name, only for people known by nothing else (transcript speakers): a display name next
    // to an address that matched nobody is the sender's claim, never an identity. A name match
    // never gives the person an address either, so a speaker label cannot pick who receives
    // anything.
    for p in &mut activity.participants {
        if p.user_id.is_some() || p.contact_id.is_some() || p.email.is_some() {
            continue;
        }
        let Some(name) = p.name.as_deref().map(fold) else {
            continue;
        };
        if let Some(user) = sellers.by_name.get(&name) {
            p.user_id = Some(user.id);
            continue;
        }
        // A first name alone: the sellers' first, so a rep speaking as "Bob" is not taken for
        // the customer's Bob Smith.
        if !name.contains(' ') {
            let reps: Vec<&User> = sellers
                .by_name
                .iter()
                .filter(|(full, _)| full.split(' ').next() == Some(name.as_str()))
                .map(|(_, u)| u)
                .collect();
            if let [rep] = reps.as_slice() {
                p.user_id = Some(rep.id);
                continue;
            }
        }
        let full: Vec<&Contact> = contacts.iter().filter(|c| fold(&c.name) == name).collect();
        let first: Vec<&Contact> = if name.contains(' ') {
            Vec::new()
        } else {
            contacts
                .iter()
                .filter(|c| fold(&c.name).split(' ').next() == Some(name.as_str()))
                .collect()
        };
        let candidates = if full.is_empty() { first } else { full };
        if let [contact] = candidates.as_slice() {
            p.contact_id = Some(contact.id);
        }
    }
    for p in &activity.participants {
        if p.user_id.is_some() {
            report.users += 1;
        } else if p.contact_id.is_some() {
            report.contacts += 1;
        } else if let Some(who) = lower_address(p).or_else(|| p.name.clone()) {
            report.unknown.push(who);
        }
    }
    // The deal.
    if activity.opportunity_id.is_some() {
        report.opportunity = OpportunityMatch::Given;
    } else if let Some(account) = activity.account_id {
        let deals: Vec<Opportunity> = store
            .list_all(
                tenant,
                vec![Filter::Eq(
                    "account_id",
                    SqlValue::Uuid(Some(account.as_uuid())),
                )],
                MAX_ROWS,
            )
            .await?;
        let open: Vec<Opportunity> = deals.into_iter().filter(|o| o.stage.is_open()).collect();
        let text = format!(
            "{}\n{}",
            activity.subject.as_deref().unwrap_or(""),
            activity.body
        );
        let (deal, how) = pick_opportunity(&open, &text);
        activity.opportunity_id = deal;
        report.opportunity = how;
    }
    Ok(report)
}

/// Reads a file into an activity to record: an email's sender, recipients, subject, date and
/// body; a transcript's speakers as attendees and its text as the body; notes as they are.
/// `kind` overrides what the format suggests (a transcript may be a call or a meeting).
pub fn activity_from_file(
    name: &str,
    bytes: &[u8],
    kind: Option<ActivityKind>,
) -> Result<NewActivity, conversation::ParseError> {
    let parsed = conversation::parse(name, bytes)?;
    let text = String::from_utf8_lossy(bytes);
    let mut participants = Vec::new();
    let body = match parsed.format {
        conversation::Format::Email => {
            for person in &parsed.people {
                let Ok(email) = Email::parse(&person.address) else {
                    continue;
                };
                participants.push(Participant {
                    role: match person.role {
                        conversation::HeaderRole::From => ParticipantRole::From,
                        conversation::HeaderRole::To => ParticipantRole::To,
                        conversation::HeaderRole::Cc => ParticipantRole::Cc,
                    },
                    contact_id: None,
                    user_id: None,
                    email: Some(email),
                    name: person.name.clone(),
                });
            }
            // The new text and the quoted thread, as the reader split them.
            parsed
                .turns
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join("\n\n")
        }
        _ => {
            for speaker in parsed.speakers() {
                participants.push(Participant {
                    role: ParticipantRole::Attendee,
                    contact_id: None,
                    user_id: None,
                    email: None,
                    name: Some(speaker.chars().take(200).collect()),
                });
            }
            // Transcripts keep their speaker labels, one turn per line, so the qualification
            // and the minutes read who said what.
            if parsed.format == conversation::Format::Notes {
                text.trim().to_owned()
            } else {
                parsed
                    .turns
                    .iter()
                    .map(|t| match &t.speaker {
                        Some(s) => format!("{s}: {}", t.text.trim()),
                        None => t.text.trim().to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
    };
    let kind = kind.unwrap_or(match parsed.format {
        conversation::Format::Email => ActivityKind::Email,
        conversation::Format::Notes => ActivityKind::Note,
        _ => ActivityKind::Meeting,
    });
    participants.truncate(domain::activity::MAX_PARTICIPANTS);
    Ok(NewActivity {
        kind,
        subject: parsed
            .subject
            .map(|s| s.chars().filter(|c| !c.is_control()).take(500).collect()),
        body,
        occurred_at: parsed
            .sent_at
            .and_then(|s| jiff::Timestamp::from_second(s).ok()),
        ended_at: None,
        account_id: None,
        opportunity_id: None,
        participants,
    })
}

/// The people of an activity nobody knows yet, to propose as contacts.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnknownPeople {
    #[schemars(with = "String")]
    pub activity_id: ActivityId,
    #[schemars(with = "String")]
    pub account_id: AccountId,
    pub people: Vec<UnknownPerson>,
}

/// Someone who took part and matched no contact or user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnknownPerson {
    pub email: String,
    pub name: Option<String>,
}

/// The contacts to propose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProposedContacts {
    pub contacts: Vec<UnknownPerson>,
}

/// A name for someone known only by address: `jane.doe@acme.com` → `Jane Doe`.
fn name_from_address(address: &str) -> String {
    let local = address.split('@').next().unwrap_or(address);
    let words: Vec<String> = local
        .split(['.', '_', '-', '+'])
        .filter(|w| !w.is_empty() && w.chars().all(char::is_alphabetic))
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect()
            })
        })
        .collect();
    if words.is_empty() {
        local.to_owned()
    } else {
        words.join(" ")
    }
}

/// Proposes the unknown outside participants of an activity on an account as its contacts. Each
/// proposal goes through the guardrails: one on a domain the account does not have waits for a
/// human.
pub struct ProposeContacts;

/// Addresses that are never people to add (automated senders).
fn is_automated(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("");
    [
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "mailer-daemon",
        "postmaster",
        "notifications",
    ]
    .contains(&local)
}

#[async_trait]
impl StructuredSkill for ProposeContacts {
    type Input = UnknownPeople;
    type Output = ProposedContacts;

    const NAME: &'static str = "propose_contacts";
    const ROLE: AgentRole = AgentRole::Sales;
    const DESCRIPTION: &'static str = "Proposes the people of an activity that match no contact or user as contacts of its account.";
    const ALLOWED: &'static [ActionKind] = &[ActionKind::AddContact];
    const TRIGGERS: &'static [&'static str] = &["activity.created"];
    const USES_MODEL: bool = false;
    const MANUAL: bool = false;

    fn instructions(&self) -> &'static str {
        "List the people to add as contacts of the account, with the names given; add no one who \
         is not in the input. Reply in the JSON schema given."
    }

    fn request(&self, input: &Self::Input) -> String {
        let people: Vec<String> = input
            .people
            .iter()
            .map(|p| format!("{} <{}>", p.name.as_deref().unwrap_or(""), p.email))
            .collect();
        crate::prompt::fence("participants", &people.join("\n"))
    }

    fn untrusted(&self, input: &Self::Input) -> String {
        input
            .people
            .iter()
            .map(|p| format!("{} {}", p.name.as_deref().unwrap_or(""), p.email))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn offline(&self, input: &Self::Input) -> Self::Output {
        ProposedContacts {
            contacts: input.people.clone(),
        }
    }

    /// Only people of the input: a model cannot add anyone.
    fn settle(&self, input: &Self::Input, output: Self::Output) -> Self::Output {
        ProposedContacts {
            contacts: output
                .contacts
                .into_iter()
                .filter(|p| input.people.iter().any(|q| q.email == p.email))
                .take(MAX_PROPOSED)
                .collect(),
        }
    }

    fn actions(&self, input: &Self::Input, output: &Self::Output) -> Vec<Action> {
        output
            .contacts
            .iter()
            .map(|p| {
                Action::AddContact(ContactDraft {
                    account_id: input.account_id,
                    name: p
                        .name
                        .clone()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| name_from_address(&p.email)),
                    email: Some(p.email.clone()),
                    title: None,
                })
            })
            .collect()
    }

    async fn on_event(
        &self,
        store: &Store,
        tenant: TenantId,
        event: &Event,
    ) -> Result<Option<Trigger>, HandlerError> {
        let Some(activity) = super::created_activity(store, tenant, event).await? else {
            return Ok(None);
        };
        let Some(account_id) = activity.account_id else {
            return Ok(None);
        };
        let own = sellers(store, tenant).await?.domains;
        let mut people: Vec<UnknownPerson> = Vec::new();
        for p in &activity.participants {
            if p.contact_id.is_some() || p.user_id.is_some() {
                continue;
            }
            let Some(email) = &p.email else { continue };
            let address = email.as_str().to_lowercase();
            if own.iter().any(|d| d == email.domain())
                || is_automated(&address)
                || people.iter().any(|q| q.email == address)
            {
                continue;
            }
            // Matched since (a contact added by an earlier activity): nothing to propose.
            if contact_by_address(store, tenant, email).await?.is_some() {
                continue;
            }
            people.push(UnknownPerson {
                email: address,
                name: p.name.clone(),
            });
        }
        people.truncate(MAX_PROPOSED);
        if people.is_empty() {
            return Ok(None);
        }
        let input = UnknownPeople {
            activity_id: activity.id,
            account_id,
            people,
        };
        Ok(Some(Trigger {
            kind: RunTrigger::Event,
            event_id: Some(event.id.as_uuid()),
            activity_id: Some(activity.id),
            account_id: Some(account_id),
            opportunity_id: activity.opportunity_id,
            dedupe_key: String::new(),
            requested_by: None,
            // The sender's proposals are deduplicated and capped like any inbound mail's.
            sender: activity
                .participants
                .iter()
                .find(|p| p.role == ParticipantRole::From)
                .and_then(|p| p.email.as_ref())
                .map(|e| e.as_str().to_lowercase()),
            input: serde_json::to_value(&input)
                .map_err(|e| HandlerError::Permanent(e.to_string()))?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deal(name: &str) -> Opportunity {
        let new: domain::opportunity::NewOpportunity = serde_json::from_value(serde_json::json!({
            "account_id": AccountId::generate(),
            "name": name,
            "amount": {"amount": "1000", "currency": "EUR"},
            "close_date": "2027-06-30",
        }))
        .unwrap();
        new.into_opportunity(store::now()).unwrap()
    }

    #[test]
    fn the_deal_is_the_only_open_one_or_the_one_named() {
        let rollout = deal("Acme EMEA rollout");
        let pilot = deal("Acme analytics pilot");
        assert_eq!(
            pick_opportunity(std::slice::from_ref(&rollout), "anything"),
            (Some(rollout.id), OpportunityMatch::OnlyOpen)
        );
        let both = [rollout.clone(), pilot.clone()];
        assert_eq!(
            pick_opportunity(&both, "Re: the ANALYTICS pilot for Acme"),
            (Some(pilot.id), OpportunityMatch::Named)
        );
        assert_eq!(
            pick_opportunity(&both, "Acme, quick question"),
            (None, OpportunityMatch::Ambiguous)
        );
        assert_eq!(pick_opportunity(&[], "x"), (None, OpportunityMatch::None));
    }

    #[test]
    fn an_email_file_becomes_an_activity_with_its_people() {
        let eml = "From: Jane Doe <Jane@Acme.com>\r\nTo: bob@seller.io\r\nCc: cfo@acme.com\r\nSubject: Re: Pricing\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\nHi Bob,\r\nWe have 50k EUR approved.\r\n";
        let new = activity_from_file("thread.eml", eml.as_bytes(), None).unwrap();
        assert_eq!(new.kind, ActivityKind::Email);
        assert_eq!(new.subject.as_deref(), Some("Re: Pricing"));
        assert!(new.body.contains("50k EUR approved"));
        let roles: Vec<ParticipantRole> = new.participants.iter().map(|p| p.role).collect();
        assert_eq!(
            roles,
            [
                ParticipantRole::From,
                ParticipantRole::To,
                ParticipantRole::Cc
            ]
        );
        assert_eq!(new.participants[0].name.as_deref(), Some("Jane Doe"));
        assert_eq!(new.occurred_at.map(|t| t.as_second()), Some(1_793_700_000));
    }

    #[test]
    fn a_transcript_keeps_its_speakers_and_a_bad_file_is_an_error() {
        let vtt = "WEBVTT\n\n00:00.000 --> 00:03.000\n<v Dana Lee>We approved 120k.\n\n00:03.000 --> 00:05.000\n<v Bob>Great.\n";
        let new = activity_from_file("call.vtt", vtt.as_bytes(), Some(ActivityKind::Call)).unwrap();
        assert_eq!(new.kind, ActivityKind::Call);
        assert_eq!(new.body, "Dana Lee: We approved 120k.\nBob: Great.");
        let names: Vec<&str> = new
            .participants
            .iter()
            .filter_map(|p| p.name.as_deref())
            .collect();
        assert_eq!(names, ["Dana Lee", "Bob"]);
        assert!(activity_from_file("x.eml", b"hello, not an email", None).is_err());
        assert!(activity_from_file("x.json", b"{\"speaker\": ", None).is_err());
    }

    #[test]
    fn names_come_from_addresses_and_robots_are_skipped() {
        assert_eq!(name_from_address("jane.doe@acme.com"), "Jane Doe");
        assert_eq!(name_from_address("j123@acme.com"), "j123");
        assert!(is_automated("no-reply@acme.com"));
        assert!(!is_automated("jane@acme.com"));
        assert_eq!(
            domain_and_parents("eu.acme.com"),
            ["eu.acme.com", "acme.com"]
        );
    }

    #[test]
    fn a_model_cannot_propose_someone_who_was_not_there() {
        let input = UnknownPeople {
            activity_id: ActivityId::generate(),
            account_id: AccountId::generate(),
            people: vec![UnknownPerson {
                email: "ana@acme.com".into(),
                name: None,
            }],
        };
        let answer = ProposedContacts {
            contacts: vec![
                UnknownPerson {
                    email: "ana@acme.com".into(),
                    name: Some("Ana Ruiz".into()),
                },
                UnknownPerson {
                    email: "attacker@evil.io".into(),
                    name: None,
                },
            ],
        };
        let settled = ProposeContacts.settle(&input, answer);
        let actions = ProposeContacts.actions(&input, &settled);
        assert_eq!(actions.len(), 1);
        let Action::AddContact(c) = &actions[0] else {
            unreachable!()
        };
        assert_eq!(c.name, "Ana Ruiz");
        assert_eq!(c.email.as_deref(), Some("ana@acme.com"));
    }
}
