//! Activities: emails, chats, meetings, calls and notes, with their participants. Their bodies and
//! transcripts are untrusted data, never instructions.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};
use crate::id::{AccountId, ActivityId, ContactId, OpportunityId, UserId};
use crate::labels::labels;
use crate::text::{self, Email};
use crate::time::check_timestamp;

/// Most participants one activity may list.
pub const MAX_PARTICIPANTS: usize = 200;

labels! {
    /// What kind of interaction this was.
    pub enum ActivityKind {
        Email = "email",
        Chat = "chat",
        Meeting = "meeting",
        Call = "call",
        Note = "note",
    }
}

labels! {
    /// A participant's part in an activity.
    pub enum ParticipantRole {
        From = "from",
        To = "to",
        Cc = "cc",
        Attendee = "attendee",
        Organizer = "organizer",
    }
}

/// Someone who took part: a known contact or user, or just an address and name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Participant {
    pub role: ParticipantRole,
    #[serde(default)]
    pub contact_id: Option<ContactId>,
    #[serde(default)]
    pub user_id: Option<UserId>,
    #[serde(default)]
    pub email: Option<Email>,
    #[serde(default)]
    pub name: Option<String>,
}

fn checked_participants(participants: Vec<Participant>) -> Result<Vec<Participant>> {
    if participants.len() > MAX_PARTICIPANTS {
        return Err(DomainError::invalid(
            "participants",
            format!("at most {MAX_PARTICIPANTS}"),
        ));
    }
    participants
        .into_iter()
        .map(|mut p| {
            if p.contact_id.is_none()
                && p.user_id.is_none()
                && p.email.is_none()
                && p.name.is_none()
            {
                return Err(DomainError::invalid(
                    "participants",
                    "each participant needs a contact_id, user_id, email or name",
                ));
            }
            p.name = text::optional_line("participants.name", p.name.as_deref())?;
            Ok(p)
        })
        .collect()
}

fn check_span(start: Timestamp, end: Option<Timestamp>) -> Result<()> {
    match end {
        Some(end) if end < start => Err(DomainError::invalid(
            "ended_at",
            "must not be before occurred_at",
        )),
        _ => Ok(()),
    }
}

/// An interaction with a customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub id: ActivityId,
    pub kind: ActivityKind,
    pub subject: Option<String>,
    /// Email body, chat text, transcript or note.
    pub body: String,
    pub occurred_at: Timestamp,
    /// When a meeting or call ended.
    pub ended_at: Option<Timestamp>,
    pub account_id: Option<AccountId>,
    pub opportunity_id: Option<OpportunityId>,
    pub participants: Vec<Participant>,
    /// The subject or body, as received, carried signs of a prompt injection (instructions aimed
    /// at an agent, hidden characters). Computed, never sent.
    pub injection_suspected: bool,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Whether received text shows signs of a prompt injection.
fn suspected(subject: Option<&str>, body: &str) -> bool {
    crate::injection::suspected(body) || subject.is_some_and(crate::injection::suspected)
}

/// Input for recording an activity.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    pub kind: ActivityKind,
    #[serde(default)]
    pub subject: Option<String>,
    pub body: String,
    /// When it happened (started); now when absent.
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
    /// When a meeting or call ended.
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    #[serde(default)]
    pub account_id: Option<AccountId>,
    #[serde(default)]
    pub opportunity_id: Option<OpportunityId>,
    #[serde(default)]
    pub participants: Vec<Participant>,
}

impl NewActivity {
    /// Validates the input into an activity.
    pub fn into_activity(self, now: Timestamp) -> Result<Activity> {
        let occurred_at = check_timestamp("occurred_at", self.occurred_at.unwrap_or(now))?;
        let ended_at = self
            .ended_at
            .map(|t| check_timestamp("ended_at", t))
            .transpose()?;
        check_span(occurred_at, ended_at)?;
        let injection_suspected = suspected(self.subject.as_deref(), &self.body);
        Ok(Activity {
            id: ActivityId::generate(),
            injection_suspected,
            kind: self.kind,
            subject: text::optional_line("subject", self.subject.as_deref())?,
            body: text::body("body", &self.body)?,
            occurred_at,
            ended_at,
            account_id: self.account_id,
            opportunity_id: self.opportunity_id,
            participants: checked_participants(self.participants)?,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

/// A partial update of an activity.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivityPatch {
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub subject: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub occurred_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub ended_at: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub account_id: Option<Option<AccountId>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub opportunity_id: Option<Option<OpportunityId>>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub participants: Option<Vec<Participant>>,
}

impl ActivityPatch {
    /// Applies the patch.
    pub fn apply(self, activity: &mut Activity) -> Result<()> {
        if self.subject.is_some() || self.body.is_some() {
            let subject = self
                .subject
                .clone()
                .unwrap_or_else(|| activity.subject.clone());
            let body = self.body.as_deref().unwrap_or(&activity.body);
            activity.injection_suspected = suspected(subject.as_deref(), body);
        }
        if let Some(subject) = self.subject {
            activity.subject = text::optional_line("subject", subject.as_deref())?;
        }
        if let Some(body) = self.body {
            activity.body = text::body("body", &body)?;
        }
        if let Some(at) = self.occurred_at {
            activity.occurred_at = check_timestamp("occurred_at", at)?;
        }
        if let Some(end) = self.ended_at {
            activity.ended_at = end.map(|t| check_timestamp("ended_at", t)).transpose()?;
        }
        check_span(activity.occurred_at, activity.ended_at)?;
        if let Some(account) = self.account_id {
            activity.account_id = account;
        }
        if let Some(opp) = self.opportunity_id {
            activity.opportunity_id = opp;
        }
        if let Some(participants) = self.participants {
            activity.participants = checked_participants(participants)?;
        }
        Ok(())
    }
}
