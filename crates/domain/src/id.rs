//! Typed identifiers: one newtype per entity over a UUID v7, so ids of different entities cannot be
//! mixed up and ids sort by creation time.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! entity_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (from storage or a parsed path).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

entity_id!(
    /// A tenant (business unit).
    TenantId
);
entity_id!(
    /// A region configured for a tenant.
    RegionId
);
entity_id!(
    /// A product sold by a tenant.
    ProductId
);
entity_id!(
    /// A human user of a tenant.
    UserId
);
entity_id!(
    /// An API key.
    ApiKeyId
);
entity_id!(
    /// A customer account.
    AccountId
);
entity_id!(
    /// A person at a customer account.
    ContactId
);
entity_id!(
    /// A directed relationship between two contacts.
    RelationshipId
);
entity_id!(
    /// A sales opportunity.
    OpportunityId
);
entity_id!(
    /// An email, chat, meeting, call or note.
    ActivityId
);
entity_id!(
    /// A task.
    TaskId
);
entity_id!(
    /// An entry in the event log.
    EventId
);
entity_id!(
    /// A recorded stage change of an opportunity.
    StageChangeId
);
entity_id!(
    /// A recorded LLM call.
    LlmCallId
);

entity_id!(
    /// A version of an account or opportunity plan.
    PlanId
);

entity_id!(
    /// A revenue target of a rep, a region or a tenant for a period.
    QuotaId
);

entity_id!(
    /// A person's signed-in browser session.
    SessionId
);

entity_id!(
    /// A tenant's stored credential for an integration.
    CredentialId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_sort_by_creation() {
        let a = AccountId::generate();
        let b = AccountId::generate();
        assert!(a < b);
    }

    #[test]
    fn parse_round_trips_and_rejects_garbage() {
        let id = OpportunityId::generate();
        assert_eq!(id.to_string().parse::<OpportunityId>().ok(), Some(id));
        assert!("'; drop table x; --".parse::<OpportunityId>().is_err());
    }
}
entity_id!(
    /// A unit of work of the agent runtime (an event delivery, a schedule firing, an action).
    JobId
);
entity_id!(
    /// One execution of an agent skill.
    AgentRunId
);
entity_id!(
    /// An action an agent proposed.
    ActionId
);
entity_id!(
    /// A request for a human to approve an action.
    ApprovalId
);
entity_id!(
    /// A message the platform sent (or handed to the local outbox).
    OutboxId
);
entity_id!(
    /// A document of the knowledge base.
    DocumentId
);
entity_id!(
    /// A chunk of a knowledge-base document.
    ChunkId
);
entity_id!(
    /// A price-book entry: a SKU's list price in one region and currency.
    PriceEntryId
);
entity_id!(
    /// A discount band of the catalog.
    DiscountBandId
);
entity_id!(
    /// A version of an opportunity's qualification scorecard.
    ScorecardId
);
