//! What the generic store operations need to know about each stored entity: its table, columns,
//! values, references and link rows. Decoding rows is per backend (`sql/rows.rs`).

use domain::account::Account;
use domain::activity::Activity;
use domain::apikey::ApiKey;
use domain::contact::{Contact, ContactRelationship};
use domain::event::ResourceKind;
use domain::llm_call::LlmCall;
use domain::opportunity::Opportunity;
use domain::product::Product;
use domain::quota::Quota;
use domain::region::Region;
use domain::task::Task;
use domain::user::User;
use jiff::Timestamp;
use uuid::Uuid;

use crate::value::SqlValue;

/// A value that must name an existing object of the same tenant.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The input field, for the error message.
    pub field: &'static str,
    /// What it refers to, for the error message.
    pub resource: &'static str,
    pub table: &'static str,
    pub column: &'static str,
    pub value: SqlValue,
}

impl Reference {
    pub(crate) fn id(
        field: &'static str,
        resource: &'static str,
        table: &'static str,
        id: Option<Uuid>,
    ) -> Option<Self> {
        id.map(|id| Self {
            field,
            resource,
            table,
            column: "id",
            value: SqlValue::Uuid(Some(id)),
        })
    }

    fn region(field: &'static str, code: Option<&domain::region::RegionCode>) -> Option<Self> {
        code.map(|c| Self {
            field,
            resource: "region",
            table: "regions",
            column: "code",
            value: SqlValue::text(c),
        })
    }
}

/// Rows of a link table owned by one object (an account's domains, an opportunity's products).
#[derive(Debug, Clone)]
pub struct Links {
    pub table: &'static str,
    pub owner_column: &'static str,
    pub value_column: &'static str,
    pub values: Vec<SqlValue>,
}

/// A stored, tenant-owned entity. Sealed: implemented here for the domain's entities only.
pub trait Resource:
    serde::Serialize
    + Clone
    + Send
    + Sync
    + Unpin
    + Sized
    + 'static
    + crate::sqlite::StoredRow
    + crate::postgres::StoredRow
{
    /// The event resource kind.
    const KIND: ResourceKind;
    /// Name used in messages ("account").
    const NAME: &'static str;
    const TABLE: &'static str;
    /// Columns after `tenant_id`, in the order of [`Resource::values`]; `id` comes first.
    const COLUMNS: &'static [&'static str];

    fn id(&self) -> Uuid;

    /// Optimistic-concurrency version; `None` for objects that are never updated in place.
    fn version(&self) -> Option<i64> {
        None
    }

    /// Marks an update: bumps the version and the update time.
    fn touch(&mut self, _now: Timestamp) {}

    /// Column values, in [`Resource::COLUMNS`] order.
    fn values(&self) -> Vec<SqlValue>;

    /// Objects this one refers to; each must exist in the same tenant.
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }

    /// Link-table rows to keep in step with this object.
    fn links(&self) -> Option<Links> {
        None
    }
}

macro_rules! versioned {
    () => {
        fn version(&self) -> Option<i64> {
            Some(self.version)
        }
        fn touch(&mut self, now: Timestamp) {
            self.version += 1;
            self.updated_at = now;
        }
    };
}

impl Resource for Region {
    const KIND: ResourceKind = ResourceKind::Region;
    const NAME: &'static str = "region";
    const TABLE: &'static str = "regions";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "code",
        "name",
        "time_zone",
        "currency",
        "locale",
        "version",
        "created_at",
        "updated_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    versioned!();
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::text(&self.code),
            SqlValue::text(&self.name),
            SqlValue::text(self.time_zone.as_str()),
            SqlValue::text(self.currency),
            SqlValue::text(self.locale.as_str()),
            SqlValue::Int(self.version),
            SqlValue::Time(Some(self.created_at)),
            SqlValue::Time(Some(self.updated_at)),
        ]
    }
}

impl Resource for Product {
    const KIND: ResourceKind = ResourceKind::Product;
    const NAME: &'static str = "product";
    const TABLE: &'static str = "products";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "code",
        "name",
        "name_folded",
        "description",
        "active",
        "version",
        "created_at",
        "updated_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    versioned!();
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::text(&self.code),
            SqlValue::text(&self.name),
            SqlValue::folded(&self.name),
            SqlValue::Text(self.description.clone()),
            SqlValue::Bool(self.active),
            SqlValue::Int(self.version),
            SqlValue::Time(Some(self.created_at)),
            SqlValue::Time(Some(self.updated_at)),
        ]
    }
}

impl Resource for User {
    const KIND: ResourceKind = ResourceKind::User;
    const NAME: &'static str = "user";
    const TABLE: &'static str = "users";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "email",
        "name",
        "role",
        "home_region",
        "active",
        "version",
        "created_at",
        "updated_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    versioned!();
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::text(&self.email),
            SqlValue::text(&self.name),
            SqlValue::text(self.role),
            SqlValue::opt_text(self.home_region.as_ref()),
            SqlValue::Bool(self.active),
            SqlValue::Int(self.version),
            SqlValue::Time(Some(self.created_at)),
            SqlValue::Time(Some(self.updated_at)),
        ]
    }
    fn references(&self) -> Vec<Reference> {
        Reference::region("home_region", self.home_region.as_ref())
            .into_iter()
            .collect()
    }
}

impl Resource for ApiKey {
    const KIND: ResourceKind = ResourceKind::ApiKey;
    const NAME: &'static str = "api key";
    const TABLE: &'static str = "api_keys";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "role",
        "user_id",
        "prefix",
        "hash",
        "created_at",
        "last_used_at",
        "revoked_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::text(&self.name),
            SqlValue::text(self.role),
            SqlValue::Uuid(self.user_id.map(|u| u.as_uuid())),
            SqlValue::text(&self.prefix),
            SqlValue::Bytes(self.hash.clone()),
            SqlValue::Time(Some(self.created_at)),
            SqlValue::Time(self.last_used_at),
            SqlValue::Time(self.revoked_at),
        ]
    }
    fn references(&self) -> Vec<Reference> {
        Reference::id(
            "user_id",
            "user",
            "users",
            self.user_id.map(|u| u.as_uuid()),
        )
        .into_iter()
        .collect()
    }
}

impl Resource for Account {
    const KIND: ResourceKind = ResourceKind::Account;
    const NAME: &'static str = "account";
    const TABLE: &'static str = "accounts";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "name_folded",
        "domains",
        "industry",
        "region",
        "owner_id",
        "version",
        "created_at",
        "updated_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    versioned!();
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::text(&self.name),
            SqlValue::folded(&self.name),
            SqlValue::json(&self.domains),
            SqlValue::Text(self.industry.clone()),
            SqlValue::opt_text(self.region.as_ref()),
            SqlValue::Uuid(self.owner_id.map(|u| u.as_uuid())),
            SqlValue::Int(self.version),
            SqlValue::Time(Some(self.created_at)),
            SqlValue::Time(Some(self.updated_at)),
        ]
    }
    fn references(&self) -> Vec<Reference> {
        [
            Reference::region("region", self.region.as_ref()),
            Reference::id(
                "owner_id",
                "user",
                "users",
                self.owner_id.map(|u| u.as_uuid()),
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
    fn links(&self) -> Option<Links> {
        Some(Links {
            table: "account_domains",
            owner_column: "account_id",
            value_column: "domain",
            values: self.domains.iter().map(SqlValue::text).collect(),
        })
    }
}

impl Resource for Contact {
    const KIND: ResourceKind = ResourceKind::Contact;
    const NAME: &'static str = "contact";
    const TABLE: &'static str = "contacts";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "account_id",
        "name",
        "name_folded",
        "email",
        "title",
        "phone",
        "persona_level",
        "buying_role",
        "version",
        "created_at",
        "updated_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    versioned!();
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::Uuid(Some(self.account_id.as_uuid())),
            SqlValue::text(&self.name),
            SqlValue::folded(&self.name),
            SqlValue::opt_text(self.email.as_ref()),
            SqlValue::Text(self.title.clone()),
            SqlValue::Text(self.phone.clone()),
            SqlValue::opt_text(self.persona_level),
            SqlValue::text(self.buying_role),
            SqlValue::Int(self.version),
            SqlValue::Time(Some(self.created_at)),
            SqlValue::Time(Some(self.updated_at)),
        ]
    }
    fn references(&self) -> Vec<Reference> {
        Reference::id(
            "account_id",
            "account",
            "accounts",
            Some(self.account_id.as_uuid()),
        )
        .into_iter()
        .collect()
    }
}

impl Resource for ContactRelationship {
    const KIND: ResourceKind = ResourceKind::ContactRelationship;
    const NAME: &'static str = "contact relationship";
    const TABLE: &'static str = "contact_relationships";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "from_contact_id",
        "to_contact_id",
        "kind",
        "note",
        "created_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::Uuid(Some(self.from_contact_id.as_uuid())),
            SqlValue::Uuid(Some(self.to_contact_id.as_uuid())),
            SqlValue::text(self.kind),
            SqlValue::Text(self.note.clone()),
            SqlValue::Time(Some(self.created_at)),
        ]
    }
    fn references(&self) -> Vec<Reference> {
        [
            Reference::id(
                "from_contact_id",
                "contact",
                "contacts",
                Some(self.from_contact_id.as_uuid()),
            ),
            Reference::id(
                "to_contact_id",
                "contact",
                "contacts",
                Some(self.to_contact_id.as_uuid()),
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl Resource for Opportunity {
    const KIND: ResourceKind = ResourceKind::Opportunity;
    const NAME: &'static str = "opportunity";
    const TABLE: &'static str = "opportunities";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "account_id",
        "name",
        "name_folded",
        "amount",
        "currency",
        "close_date",
        "owner_id",
        "region",
        "product_ids",
        "stage",
        "loss_reason",
        "stage_changed_at",
        "version",
        "created_at",
        "updated_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    versioned!();
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::Uuid(Some(self.account_id.as_uuid())),
            SqlValue::text(&self.name),
            SqlValue::folded(&self.name),
            SqlValue::Decimal(self.amount.amount()),
            SqlValue::text(self.amount.currency()),
            SqlValue::Date(Some(self.close_date)),
            SqlValue::Uuid(self.owner_id.map(|u| u.as_uuid())),
            SqlValue::opt_text(self.region.as_ref()),
            SqlValue::json(&self.product_ids),
            SqlValue::text(self.stage),
            SqlValue::Text(self.loss_reason.clone()),
            SqlValue::Time(Some(self.stage_changed_at)),
            SqlValue::Int(self.version),
            SqlValue::Time(Some(self.created_at)),
            SqlValue::Time(Some(self.updated_at)),
        ]
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> = [
            Reference::id(
                "account_id",
                "account",
                "accounts",
                Some(self.account_id.as_uuid()),
            ),
            Reference::id(
                "owner_id",
                "user",
                "users",
                self.owner_id.map(|u| u.as_uuid()),
            ),
            Reference::region("region", self.region.as_ref()),
        ]
        .into_iter()
        .flatten()
        .collect();
        refs.extend(self.product_ids.iter().filter_map(|p| {
            Reference::id("product_ids", "product", "products", Some(p.as_uuid()))
        }));
        refs
    }
    fn links(&self) -> Option<Links> {
        Some(Links {
            table: "opportunity_products",
            owner_column: "opportunity_id",
            value_column: "product_id",
            values: self
                .product_ids
                .iter()
                .map(|p| SqlValue::Uuid(Some(p.as_uuid())))
                .collect(),
        })
    }
}

impl Resource for Activity {
    const KIND: ResourceKind = ResourceKind::Activity;
    const NAME: &'static str = "activity";
    const TABLE: &'static str = "activities";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "kind",
        "subject",
        "body",
        "occurred_at",
        "ended_at",
        "account_id",
        "opportunity_id",
        "participants",
        "injection_suspected",
        "version",
        "created_at",
        "updated_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    versioned!();
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::text(self.kind),
            SqlValue::Text(self.subject.clone()),
            SqlValue::text(&self.body),
            SqlValue::Time(Some(self.occurred_at)),
            SqlValue::Time(self.ended_at),
            SqlValue::Uuid(self.account_id.map(|a| a.as_uuid())),
            SqlValue::Uuid(self.opportunity_id.map(|o| o.as_uuid())),
            SqlValue::json(&self.participants),
            SqlValue::Bool(self.injection_suspected),
            SqlValue::Int(self.version),
            SqlValue::Time(Some(self.created_at)),
            SqlValue::Time(Some(self.updated_at)),
        ]
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> = [
            Reference::id(
                "account_id",
                "account",
                "accounts",
                self.account_id.map(|a| a.as_uuid()),
            ),
            Reference::id(
                "opportunity_id",
                "opportunity",
                "opportunities",
                self.opportunity_id.map(|o| o.as_uuid()),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        for p in &self.participants {
            refs.extend(Reference::id(
                "participants.contact_id",
                "contact",
                "contacts",
                p.contact_id.map(|c| c.as_uuid()),
            ));
            refs.extend(Reference::id(
                "participants.user_id",
                "user",
                "users",
                p.user_id.map(|u| u.as_uuid()),
            ));
        }
        refs
    }
}

impl Resource for Task {
    const KIND: ResourceKind = ResourceKind::Task;
    const NAME: &'static str = "task";
    const TABLE: &'static str = "tasks";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "title",
        "description",
        "status",
        "priority",
        "due_date",
        "assignee_id",
        "account_id",
        "opportunity_id",
        "version",
        "created_at",
        "updated_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    versioned!();
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::text(&self.title),
            SqlValue::Text(self.description.clone()),
            SqlValue::text(self.status),
            SqlValue::text(self.priority),
            SqlValue::Date(self.due_date),
            SqlValue::Uuid(self.assignee_id.map(|u| u.as_uuid())),
            SqlValue::Uuid(self.account_id.map(|a| a.as_uuid())),
            SqlValue::Uuid(self.opportunity_id.map(|o| o.as_uuid())),
            SqlValue::Int(self.version),
            SqlValue::Time(Some(self.created_at)),
            SqlValue::Time(Some(self.updated_at)),
        ]
    }
    fn references(&self) -> Vec<Reference> {
        [
            Reference::id(
                "assignee_id",
                "user",
                "users",
                self.assignee_id.map(|u| u.as_uuid()),
            ),
            Reference::id(
                "account_id",
                "account",
                "accounts",
                self.account_id.map(|a| a.as_uuid()),
            ),
            Reference::id(
                "opportunity_id",
                "opportunity",
                "opportunities",
                self.opportunity_id.map(|o| o.as_uuid()),
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl Resource for Quota {
    const KIND: ResourceKind = ResourceKind::Quota;
    const NAME: &'static str = "quota";
    const TABLE: &'static str = "quotas";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "user_id",
        "region",
        "period_start",
        "period_end",
        "target",
        "currency",
        "version",
        "created_at",
        "updated_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    versioned!();
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::Uuid(self.user_id.map(|u| u.as_uuid())),
            SqlValue::opt_text(self.region.as_ref()),
            SqlValue::Date(Some(self.period_start)),
            SqlValue::Date(Some(self.period_end)),
            SqlValue::Decimal(self.target.amount()),
            SqlValue::text(self.target.currency()),
            SqlValue::Int(self.version),
            SqlValue::Time(Some(self.created_at)),
            SqlValue::Time(Some(self.updated_at)),
        ]
    }
    fn references(&self) -> Vec<Reference> {
        [
            Reference::id(
                "user_id",
                "user",
                "users",
                self.user_id.map(|u| u.as_uuid()),
            ),
            Reference::region("region", self.region.as_ref()),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl Resource for domain::persona::RepPersona {
    const KIND: ResourceKind = ResourceKind::Persona;
    const NAME: &'static str = "persona";
    const TABLE: &'static str = "rep_personas";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "display_name",
        "signature",
        "tone",
        "examples",
        "version",
        "created_at",
        "updated_at",
    ];
    /// A persona's id is its rep's: one persona per user.
    fn id(&self) -> Uuid {
        self.user_id.as_uuid()
    }
    versioned!();
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.user_id.as_uuid())),
            SqlValue::text(&self.display_name),
            SqlValue::text(&self.signature),
            SqlValue::text(self.tone),
            SqlValue::Json(serde_json::json!(self.examples)),
            SqlValue::Int(self.version),
            SqlValue::Time(Some(self.created_at)),
            SqlValue::Time(Some(self.updated_at)),
        ]
    }
    fn references(&self) -> Vec<Reference> {
        Reference::id("user_id", "user", "users", Some(self.user_id.as_uuid()))
            .into_iter()
            .collect()
    }
}

/// Dollars as integer millionths, so sums are exact in SQL on both backends.
pub(crate) fn micro_usd(cost: Option<rust_decimal::Decimal>) -> Option<i64> {
    cost.and_then(|c| {
        (c * rust_decimal::Decimal::from(1_000_000))
            .round()
            .try_into()
            .ok()
    })
}

impl Resource for LlmCall {
    const KIND: ResourceKind = ResourceKind::LlmCall;
    const NAME: &'static str = "LLM call";
    const TABLE: &'static str = "llm_calls";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "route",
        "skill",
        "agent_run_id",
        "provider",
        "model",
        "outcome",
        "error_kind",
        "error",
        "input_tokens",
        "output_tokens",
        "cost_micro_usd",
        "latency_ms",
        "ttft_ms",
        "streamed",
        "prompt",
        "completion",
        "started_at",
    ];
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn values(&self) -> Vec<SqlValue> {
        vec![
            SqlValue::Uuid(Some(self.id.as_uuid())),
            SqlValue::text(&self.route),
            SqlValue::Text(self.skill.clone()),
            SqlValue::Uuid(self.agent_run_id),
            SqlValue::text(&self.provider),
            SqlValue::text(&self.model),
            SqlValue::text(self.outcome),
            SqlValue::Text(self.error_kind.clone()),
            SqlValue::Text(self.error.clone()),
            SqlValue::Int(self.input_tokens),
            SqlValue::Int(self.output_tokens),
            SqlValue::OptInt(micro_usd(self.cost_usd)),
            SqlValue::Int(self.latency_ms),
            SqlValue::OptInt(self.ttft_ms),
            SqlValue::Bool(self.streamed),
            SqlValue::Text(self.prompt.clone()),
            SqlValue::Text(self.completion.clone()),
            SqlValue::Time(Some(self.started_at)),
        ]
    }
}
