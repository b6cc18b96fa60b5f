//! Contacts (people at customer accounts) with persona level and buying role, and the
//! relationships between them that make up a buying committee's political map.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};
use crate::id::{AccountId, ContactId, RelationshipId};
use crate::labels::labels;
use crate::text::{self, Email};

labels! {
    /// How senior a contact is; drives tone and content of outreach.
    pub enum PersonaLevel {
        IndividualContributor = "individual_contributor",
        Manager = "manager",
        Executive = "executive",
        CSuite = "c_suite",
    }
}

labels! {
    /// The part a contact plays in the buying decision.
    pub enum BuyingRole {
        Champion = "champion",
        EconomicBuyer = "economic_buyer",
        DecisionMaker = "decision_maker",
        TechnicalBuyer = "technical_buyer",
        Influencer = "influencer",
        User = "user",
        Blocker = "blocker",
        Unknown = "unknown",
    }
}

labels! {
    /// A directed edge between two contacts.
    pub enum RelationshipKind {
        ReportsTo = "reports_to",
        Influences = "influences",
        AlliesWith = "allies_with",
        Opposes = "opposes",
    }
}

/// A person at a customer account.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: ContactId,
    pub account_id: AccountId,
    pub name: String,
    pub email: Option<Email>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub persona_level: Option<PersonaLevel>,
    pub buying_role: BuyingRole,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Input for creating a contact.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub account_id: AccountId,
    pub name: String,
    #[serde(default)]
    pub email: Option<Email>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub persona_level: Option<PersonaLevel>,
    #[serde(default)]
    pub buying_role: Option<BuyingRole>,
}

impl NewContact {
    /// Validates the input into a contact.
    pub fn into_contact(self, now: Timestamp) -> Result<Contact> {
        Ok(Contact {
            id: ContactId::generate(),
            account_id: self.account_id,
            name: text::line("name", &self.name)?,
            email: self.email,
            title: text::optional_line("title", self.title.as_deref())?,
            phone: text::optional_line("phone", self.phone.as_deref())?,
            persona_level: self.persona_level,
            buying_role: self.buying_role.unwrap_or(BuyingRole::Unknown),
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

/// A partial update of a contact.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub account_id: Option<AccountId>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: Option<Option<Email>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<PersonaLevel>))]
    pub persona_level: Option<Option<PersonaLevel>>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub buying_role: Option<BuyingRole>,
}

impl ContactPatch {
    /// Applies the patch.
    pub fn apply(self, contact: &mut Contact) -> Result<()> {
        if let Some(account_id) = self.account_id {
            contact.account_id = account_id;
        }
        if let Some(name) = self.name {
            contact.name = text::line("name", &name)?;
        }
        if let Some(email) = self.email {
            contact.email = email;
        }
        if let Some(title) = self.title {
            contact.title = text::optional_line("title", title.as_deref())?;
        }
        if let Some(phone) = self.phone {
            contact.phone = text::optional_line("phone", phone.as_deref())?;
        }
        if let Some(level) = self.persona_level {
            contact.persona_level = level;
        }
        if let Some(role) = self.buying_role {
            contact.buying_role = role;
        }
        Ok(())
    }
}

/// A directed relationship: `from` reports to / influences / allies with / opposes `to`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactRelationship {
    pub id: RelationshipId,
    pub from_contact_id: ContactId,
    pub to_contact_id: ContactId,
    pub kind: RelationshipKind,
    pub note: Option<String>,
    pub created_at: Timestamp,
}

/// Input for creating a relationship.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewContactRelationship {
    pub from_contact_id: ContactId,
    pub to_contact_id: ContactId,
    pub kind: RelationshipKind,
    #[serde(default)]
    pub note: Option<String>,
}

impl NewContactRelationship {
    /// Validates the input; a contact cannot relate to itself.
    pub fn into_relationship(self, now: Timestamp) -> Result<ContactRelationship> {
        if self.from_contact_id == self.to_contact_id {
            return Err(DomainError::invalid(
                "to_contact_id",
                "a contact cannot relate to itself",
            ));
        }
        Ok(ContactRelationship {
            id: RelationshipId::generate(),
            from_contact_id: self.from_contact_id,
            to_contact_id: self.to_contact_id,
            kind: self.kind,
            note: text::optional_line("note", self.note.as_deref())?,
            created_at: now,
        })
    }
}

/// A change to a relationship: its kind or note. The two contacts stay; delete and recreate to
/// connect others.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactRelationshipPatch {
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub kind: Option<RelationshipKind>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub note: Option<Option<String>>,
}

impl ContactRelationshipPatch {
    /// Applies the patch.
    pub fn apply(self, relationship: &mut ContactRelationship) -> Result<()> {
        if let Some(kind) = self.kind {
            relationship.kind = kind;
        }
        if let Some(note) = self.note {
            relationship.note = text::optional_line("note", note.as_deref())?;
        }
        Ok(())
    }
}
