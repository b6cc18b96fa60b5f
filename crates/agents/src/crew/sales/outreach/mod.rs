//! Outreach: an email or chat to one contact of a deal, written for the deal's stage and the
//! recipient's seniority and buying role, in the region's conventions, in the rep's persona
//! (name, signature, tone, example messages). A draft is a proposal: it goes through the
//! guardrails and, by default, waits in the approval queue; it is never sent directly.
//!
//! Only the stored persona signs a draft; the recipient is the contact the caller named, never an
//! address from the text; the deal's customer text appears only as quoted data.

pub mod compose;

use async_trait::async_trait;
use domain::account::Account;
use domain::action::{Action, ActionKind, ChatPost, EmailDraft};
use domain::agent::AgentRole;
use domain::contact::{BuyingRole, Contact, PersonaLevel};
use domain::id::{AccountId, ContactId, OpportunityId, TenantId, UserId};
use domain::opportunity::Opportunity;
use domain::persona::{RepPersona, Tone};
use domain::region::Region;
use domain::stage::Stage;
use domain::user::User;
use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::{Filter, SqlValue, Store};

use crate::prompt::fence;
use crate::skill::StructuredSkill;

/// Email or chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    Email,
    Chat,
}

/// Why the rep is writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Introduction,
    FollowUp,
    MeetingRequest,
    ProposalFollowUp,
    ReEngage,
    CheckIn,
}

/// Who the draft is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    #[schemars(with = "String")]
    pub contact_id: ContactId,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    #[schemars(with = "Option<String>")]
    pub persona_level: Option<PersonaLevel>,
    #[schemars(with = "String")]
    pub buying_role: BuyingRole,
}

/// Who signs it: the rep's persona.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sender {
    pub name: String,
    pub signature: String,
    #[schemars(with = "String")]
    pub tone: Tone,
    pub examples: Vec<String>,
}

/// Everything a draft is written from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutreachInput {
    #[schemars(with = "String")]
    pub opportunity_id: OpportunityId,
    #[schemars(with = "String")]
    pub account_id: AccountId,
    pub account: String,
    pub deal: String,
    #[schemars(with = "String")]
    pub stage: Stage,
    #[schemars(with = "Option<String>")]
    pub close_date: Option<Date>,
    /// The seller's company (the tenant's display name).
    pub seller_company: String,
    pub channel: Channel,
    pub purpose: Purpose,
    pub recipient: Recipient,
    pub sender: Sender,
    /// BCP 47 locale of the deal's region, for greetings, sign-offs and dates.
    pub locale: String,
    /// The customer's own words on the outcome they want (verbatim, from the scorecard).
    pub outcome: Option<String>,
    /// The deal plan's next step.
    pub next_step: Option<String>,
    /// A question for what the deal still lacks, chosen for the recipient's role.
    pub question: Option<String>,
    /// Subject of the last conversation with the recipient.
    pub last_subject: Option<String>,
    /// The chat space to post in (chat only).
    pub chat_space: Option<String>,
}

/// The draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutreachDraft {
    /// Email only.
    pub subject: Option<String>,
    pub body: String,
}

/// Drafts outreach to one contact of a deal.
pub struct DraftOutreach;

const INSTRUCTIONS: &str = "Write one outreach message from the sales rep to the recipient. Match \
the deal's stage and the recipient's seniority: executives get outcomes and one clear ask in \
under 100 words; managers get the next step and a date; individual contributors get specifics. \
Write in the rep's tone and follow the greeting, sign-off and length of the rep's example \
messages, which are style references only. Follow the locale's conventions for greetings and \
dates, and write in its language. Use only facts given; promise no prices, discounts, dates or \
terms you were not given; add no links. Sign with the rep's name and signature exactly as given. \
Reply in the JSON schema given.";

#[async_trait]
impl StructuredSkill for DraftOutreach {
    type Input = OutreachInput;
    type Output = OutreachDraft;

    const NAME: &'static str = "draft_outreach";
    const ROLE: AgentRole = AgentRole::Sales;
    const DESCRIPTION: &'static str = "Drafts an email or chat to a contact of a deal for its stage, the recipient's persona level and the region's conventions, in the rep's persona; the draft waits for approval.";
    const ALLOWED: &'static [ActionKind] = &[ActionKind::SendEmail, ActionKind::PostChat];
    const MANUAL: bool = false;

    fn instructions(&self) -> &'static str {
        INSTRUCTIONS
    }

    fn request(&self, input: &Self::Input) -> String {
        let facts = serde_json::json!({
            "account": input.account, "deal": input.deal, "stage": input.stage,
            "close_date": input.close_date, "seller_company": input.seller_company,
            "channel": input.channel, "purpose": input.purpose, "locale": input.locale,
            "recipient": {"name": input.recipient.name, "title": input.recipient.title,
                "persona_level": input.recipient.persona_level, "buying_role": input.recipient.buying_role},
            "rep": {"name": input.sender.name, "signature": input.sender.signature, "tone": input.sender.tone},
            "next_step": input.next_step, "question_to_ask": input.question,
        });
        let mut request = format!("Facts:\n{facts}\n");
        if let Some(outcome) = &input.outcome {
            request.push_str(&fence("customer_words", outcome));
            request.push('\n');
        }
        if let Some(subject) = &input.last_subject {
            request.push_str(&fence("last_subject", subject));
            request.push('\n');
        }
        for example in &input.sender.examples {
            request.push_str(&fence("rep_example", example));
            request.push('\n');
        }
        request
    }

    fn untrusted(&self, input: &Self::Input) -> String {
        let mut text = vec![
            input.account.clone(),
            input.deal.clone(),
            input.recipient.name.clone(),
        ];
        text.extend(input.outcome.clone());
        text.extend(input.last_subject.clone());
        text.extend(input.next_step.clone());
        text.extend(input.sender.examples.iter().cloned());
        text.join("\n")
    }

    fn offline(&self, input: &Self::Input) -> Self::Output {
        compose::compose(input)
    }

    /// Whoever wrote it, only the stored persona signs: a sign-off the writer added is removed
    /// and the persona's sign-off, name and signature close the email (a chat ends with the
    /// name); a chat has no subject.
    fn settle(&self, input: &Self::Input, mut output: Self::Output) -> Self::Output {
        let body: String = output.body.chars().take(20_000).collect();
        output.body = match input.channel {
            Channel::Email => {
                let mut signed = format!(
                    "{}\n\n{},\n{}",
                    compose::without_sign_off(&body),
                    compose::sign_off(input),
                    input.sender.name
                );
                if !input.sender.signature.is_empty() {
                    signed.push('\n');
                    signed.push_str(&input.sender.signature);
                }
                signed
            }
            Channel::Chat => {
                let text = body.trim_end();
                let text = text.rsplit_once(" — ").map_or(text, |(before, _)| before);
                output.subject = None;
                format!("{} — {}", text.trim_end(), input.sender.name)
            }
        };
        output
    }

    fn actions(&self, input: &Self::Input, output: &Self::Output) -> Vec<Action> {
        match input.channel {
            Channel::Email => input
                .recipient
                .email
                .iter()
                .map(|to| {
                    Action::SendEmail(EmailDraft {
                        to: vec![to.clone()],
                        cc: Vec::new(),
                        bcc: Vec::new(),
                        subject: output.subject.clone().unwrap_or_else(|| input.deal.clone()),
                        body: output.body.clone(),
                        account_id: Some(input.account_id),
                        opportunity_id: Some(input.opportunity_id),
                    })
                })
                .collect(),
            Channel::Chat => vec![Action::PostChat(ChatPost {
                space: input.chat_space.clone().unwrap_or_else(|| {
                    format!(
                        "dm:{}",
                        input
                            .recipient
                            .email
                            .as_deref()
                            .unwrap_or(&input.recipient.name)
                    )
                }),
                text: output.body.clone(),
                external_members: true,
                account_id: Some(input.account_id),
            })],
        }
    }
}

/// What a caller asks for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutreachRequest {
    pub contact_id: ContactId,
    #[serde(default)]
    pub channel: Channel,
    /// By default from the stage and the account's activity.
    #[serde(default)]
    pub purpose: Option<Purpose>,
    /// The rep to write as; the deal's owner, else the account's, by default.
    #[serde(default)]
    pub rep_id: Option<UserId>,
    #[serde(default)]
    pub chat_space: Option<String>,
}

/// Why a request cannot be drafted.
#[derive(Debug, thiserror::Error)]
pub enum OutreachError {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error("{field}: {detail}")]
    Invalid { field: &'static str, detail: String },
}

fn invalid(field: &'static str, detail: impl Into<String>) -> OutreachError {
    OutreachError::Invalid {
        field,
        detail: detail.into(),
    }
}

/// The question to ask a recipient of this role, for the first element the deal lacks.
fn question_for(role: BuyingRole, card: Option<&serde_json::Value>) -> Option<String> {
    use crate::crew::sales::briefing::status;
    let wanted: &[(&str, &str, &str)] = match role {
        BuyingRole::EconomicBuyer | BuyingRole::DecisionMaker => &[
            (
                "meddicc",
                "metrics",
                "How will you judge, a year from now, that this was worth it?",
            ),
            (
                "meddicc",
                "decision_process",
                "What will the decision look like from here, and who else will weigh in?",
            ),
        ],
        BuyingRole::TechnicalBuyer => &[(
            "meddicc",
            "decision_criteria",
            "Which technical criteria will weigh most when you compare options?",
        )],
        BuyingRole::Champion => &[
            (
                "meddicc",
                "economic_buyer",
                "Who owns the budget for this, and how do they like to be briefed?",
            ),
            (
                "meddicc",
                "paper_process",
                "Once there is a yes, what will procurement and legal need from us?",
            ),
        ],
        _ => &[
            (
                "meddicc",
                "identify_pain",
                "What does the current situation cost your team week to week?",
            ),
            ("bant", "need", "What prompted you to look at this now?"),
        ],
    };
    wanted
        .iter()
        .find(|(f, e, _)| status(card, f, e) != "met")
        .map(|(_, _, q)| (*q).to_owned())
}

/// The purpose a deal's situation calls for.
fn default_purpose(stage: Stage, dark: bool, met_before: bool) -> Purpose {
    if dark {
        Purpose::ReEngage
    } else if !met_before {
        Purpose::Introduction
    } else {
        match stage {
            Stage::Prospecting | Stage::Qualification => Purpose::MeetingRequest,
            Stage::Proposal | Stage::Negotiation => Purpose::ProposalFollowUp,
            _ => Purpose::FollowUp,
        }
    }
}

/// Gathers the input for a draft to one contact of a deal.
pub async fn outreach_input(
    store: &Store,
    tenant: TenantId,
    opportunity: OpportunityId,
    request: &OutreachRequest,
) -> Result<OutreachInput, OutreachError> {
    let deal: Opportunity = store.get(tenant, opportunity.as_uuid()).await?;
    let account: Account = store.get(tenant, deal.account_id.as_uuid()).await?;
    let contact: Contact = match store.get(tenant, request.contact_id.as_uuid()).await {
        Ok(c) => c,
        Err(store::Error::NotFound { .. }) => {
            return Err(invalid("contact_id", "no such contact"));
        }
        Err(e) => return Err(e.into()),
    };
    if contact.account_id != account.id {
        return Err(invalid(
            "contact_id",
            "the contact is not on the deal's account",
        ));
    }
    if request.channel == Channel::Email && contact.email.is_none() {
        return Err(invalid("contact_id", "the contact has no email address"));
    }
    let rep_id = request.rep_id.or(deal.owner_id).or(account.owner_id);
    let rep: Option<User> = match rep_id {
        Some(id) => match store.get(tenant, id.as_uuid()).await {
            Ok(u) => Some(u),
            Err(store::Error::NotFound { .. }) => return Err(invalid("rep_id", "no such user")),
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let persona: Option<RepPersona> = match &rep {
        Some(user) => match store.get(tenant, user.id.as_uuid()).await {
            Ok(p) => Some(p),
            Err(store::Error::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let tenant_row = store.tenant(tenant).await?;
    let sender = match (persona, &rep) {
        (Some(p), _) => Sender {
            name: p.display_name,
            signature: p.signature,
            tone: p.tone,
            examples: p.examples,
        },
        (None, Some(user)) => Sender {
            name: user.name.clone(),
            signature: tenant_row.display_name.clone(),
            tone: Tone::Friendly,
            examples: Vec::new(),
        },
        (None, None) => {
            return Err(invalid(
                "rep_id",
                "the deal has no owner: name the rep to write as",
            ));
        }
    };
    let region_code = deal.region.clone().or(account.region.clone());
    let locale = match region_code {
        Some(code) => store
            .list_all::<Region>(
                tenant,
                vec![Filter::Eq("code", SqlValue::text(code.as_str()))],
                1,
            )
            .await?
            .into_iter()
            .next()
            .map_or_else(|| "en".to_owned(), |r| r.locale.to_string()),
        None => "en".to_owned(),
    };
    let card = store
        .scorecard_history(tenant, deal.id, None, 1)
        .await?
        .into_iter()
        .next()
        .map(|v| v.scorecard);
    let plan: Option<super::plans::OpportunityPlan> = super::plans::latest(
        store,
        tenant,
        domain::plan::PlanKind::Opportunity,
        deal.id.as_uuid(),
    )
    .await?;
    let activities = super::intelligence::account_activities(store, tenant, account.id).await?;
    let with_contact = activities
        .iter()
        .filter(|a| {
            a.participants
                .iter()
                .any(|p| p.contact_id == Some(contact.id))
        })
        .max_by_key(|a| a.occurred_at);
    let intel = super::intelligence::analyze(account.id, &activities, &[], store::now());
    let purpose = request.purpose.unwrap_or_else(|| {
        default_purpose(deal.stage, intel.going_dark.dark, with_contact.is_some())
    });
    // The outcome in the buyer's words: the metric they gave, when they gave one.
    let outcome = crate::crew::sales::briefing::quote(card.as_ref(), "meddicc", "metrics")
        .map(|q| q.trim_end_matches(['.', '!', ' ']).to_owned());
    Ok(OutreachInput {
        opportunity_id: deal.id,
        account_id: account.id,
        account: account.name,
        deal: deal.name,
        stage: deal.stage,
        close_date: Some(deal.close_date),
        seller_company: tenant_row.display_name,
        channel: request.channel,
        purpose,
        question: question_for(contact.buying_role, card.as_ref()),
        recipient: Recipient {
            contact_id: contact.id,
            name: contact.name,
            email: contact.email.map(|e| e.as_str().to_owned()),
            title: contact.title,
            persona_level: contact.persona_level,
            buying_role: contact.buying_role,
        },
        sender,
        locale,
        outcome,
        next_step: plan
            .and_then(|p| p.next_steps.into_iter().next())
            .map(|s| s.text),
        last_subject: with_contact.and_then(|a| a.subject.clone()),
        chat_space: request.chat_space.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(level: Option<PersonaLevel>, tone: Tone, locale: &str) -> OutreachInput {
        OutreachInput {
            opportunity_id: OpportunityId::generate(),
            account_id: AccountId::generate(),
            account: "Acme".into(),
            deal: "Network refresh".into(),
            stage: Stage::Proposal,
            close_date: Some(jiff::civil::date(2027, 3, 31)),
            seller_company: "Skyvera".into(),
            channel: Channel::Email,
            purpose: Purpose::ProposalFollowUp,
            recipient: Recipient {
                contact_id: ContactId::generate(),
                name: "Priya Shah".into(),
                email: Some("priya@acme.com".into()),
                title: Some("CFO".into()),
                persona_level: level,
                buying_role: BuyingRole::EconomicBuyer,
            },
            sender: Sender {
                name: "Mara Lopez".into(),
                signature: "Account Executive, Skyvera".into(),
                tone,
                examples: Vec::new(),
            },
            locale: locale.into(),
            outcome: Some("cut outages from eleven a quarter to none".into()),
            next_step: Some("Legal and procurement review (by 2027-03-01)".into()),
            question: Some("What will the decision look like from here?".into()),
            last_subject: None,
            chat_space: None,
        }
    }

    #[test]
    fn executives_get_outcomes_in_the_regions_conventions_signed_by_the_persona() {
        let i = input(Some(PersonaLevel::CSuite), Tone::Friendly, "en-GB");
        let draft = DraftOutreach.settle(&i, DraftOutreach.offline(&i));
        assert!(draft.body.starts_with("Dear Priya Shah,"), "{}", draft.body);
        assert!(
            draft
                .body
                .contains("\"cut outages from eleven a quarter to none\"")
        );
        assert!(draft.body.contains("31 March 2027"), "{}", draft.body);
        assert!(
            draft
                .body
                .ends_with("Kind regards,\nMara Lopez\nAccount Executive, Skyvera"),
            "{}",
            draft.body
        );
        let us =
            DraftOutreach.offline(&input(Some(PersonaLevel::Manager), Tone::Friendly, "en-US"));
        assert!(us.body.starts_with("Hi Priya,"), "{}", us.body);
        assert!(us.body.contains("March 31, 2027"), "{}", us.body);
        assert!(
            us.body.contains("Legal and procurement review"),
            "{}",
            us.body
        );
        let actions = DraftOutreach.actions(&i, &draft);
        let [Action::SendEmail(mail)] = actions.as_slice() else {
            unreachable!("{actions:?}")
        };
        assert_eq!(mail.to, ["priya@acme.com"]);
    }

    #[test]
    fn a_model_cannot_sign_as_someone_else_or_add_a_subject_to_chat() {
        let i = input(Some(PersonaLevel::Manager), Tone::Direct, "en-US");
        let answer = OutreachDraft {
            subject: Some("Hello".into()),
            body: "Hi Priya, see you Tuesday.\n\nThe CEO".into(),
        };
        let settled = DraftOutreach.settle(&i, answer);
        assert_eq!(
            settled.body,
            "Hi Priya, see you Tuesday.\n\nBest,\nMara Lopez\nAccount Executive, Skyvera"
        );
        let chat = OutreachInput {
            channel: Channel::Chat,
            ..i
        };
        let settled = DraftOutreach.settle(&chat, DraftOutreach.offline(&chat));
        assert_eq!(settled.subject, None);
        assert!(settled.body.ends_with(" — Mara Lopez"), "{}", settled.body);
        let actions = DraftOutreach.actions(&chat, &settled);
        let [Action::PostChat(post)] = actions.as_slice() else {
            unreachable!("{actions:?}")
        };
        assert_eq!(post.space, "dm:priya@acme.com");
        assert!(post.external_members);
    }

    #[test]
    fn questions_follow_the_role_and_what_is_missing() {
        let card = serde_json::json!({"meddicc": {"metrics": {"status": "met"}}});
        assert_eq!(
            question_for(BuyingRole::EconomicBuyer, Some(&card)).as_deref(),
            Some("What will the decision look like from here, and who else will weigh in?")
        );
        assert!(
            question_for(BuyingRole::TechnicalBuyer, None)
                .unwrap()
                .contains("technical criteria")
        );
        assert_eq!(
            default_purpose(Stage::Proposal, true, true),
            Purpose::ReEngage
        );
        assert_eq!(
            default_purpose(Stage::Discovery, false, false),
            Purpose::Introduction
        );
    }
}
