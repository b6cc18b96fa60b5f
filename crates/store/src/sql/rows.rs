// Decoding stored rows into domain entities. Included by each backend module (`sqlite`,
// `postgres`), where `Db`, `DbRow` and `read_decimal` name that backend's types.

/// Decodes a row of this backend into an entity.
pub trait StoredRow: Sized {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error>;
}

fn decode_error(column: &str, err: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("column {column}: {err}").into())
}

fn col<'r, T>(row: &'r DbRow, column: &str) -> Result<T, sqlx::Error>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    sqlx::Row::try_get(row, column)
}

fn col_parsed<T>(row: &DbRow, column: &str) -> Result<T, sqlx::Error>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: String = col(row, column)?;
    text.parse().map_err(|e| decode_error(column, e))
}

fn col_parsed_opt<T>(row: &DbRow, column: &str) -> Result<Option<T>, sqlx::Error>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = col(row, column)?;
    text.map(|t| t.parse().map_err(|e| decode_error(column, e))).transpose()
}

fn col_with<T, E: std::fmt::Display>(
    row: &DbRow,
    column: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<T, sqlx::Error> {
    let text: String = col(row, column)?;
    parse(&text).map_err(|e| decode_error(column, e))
}

fn col_with_opt<T, E: std::fmt::Display>(
    row: &DbRow,
    column: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, sqlx::Error> {
    let text: Option<String> = col(row, column)?;
    text.map(|t| parse(&t).map_err(|e| decode_error(column, e))).transpose()
}

fn col_json<T: serde::de::DeserializeOwned>(row: &DbRow, column: &str) -> Result<T, sqlx::Error> {
    let value: sqlx::types::Json<serde_json::Value> = col(row, column)?;
    serde_json::from_value(value.0).map_err(|e| decode_error(column, e))
}

fn col_time(row: &DbRow, column: &str) -> Result<jiff::Timestamp, sqlx::Error> {
    let t: jiff_sqlx::Timestamp = col(row, column)?;
    Ok(t.to_jiff())
}

fn col_time_opt(row: &DbRow, column: &str) -> Result<Option<jiff::Timestamp>, sqlx::Error> {
    let t: Option<jiff_sqlx::Timestamp> = col(row, column)?;
    Ok(t.map(|t| t.to_jiff()))
}

fn col_date_opt(row: &DbRow, column: &str) -> Result<Option<jiff::civil::Date>, sqlx::Error> {
    let d: Option<jiff_sqlx::Date> = col(row, column)?;
    Ok(d.map(|d| d.to_jiff()))
}

fn col_id<T>(row: &DbRow, column: &str, wrap: fn(uuid::Uuid) -> T) -> Result<T, sqlx::Error> {
    col::<uuid::Uuid>(row, column).map(wrap)
}

fn col_id_opt<T>(row: &DbRow, column: &str, wrap: fn(uuid::Uuid) -> T) -> Result<Option<T>, sqlx::Error> {
    col::<Option<uuid::Uuid>>(row, column).map(|o| o.map(wrap))
}

impl StoredRow for domain::tenant::Tenant {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: col_id(row, "id", domain::id::TenantId::from_uuid)?,
            name: col_with(row, "name", domain::tenant::TenantSlug::parse)?,
            display_name: col(row, "display_name")?,
            created_at: col_time(row, "created_at")?,
        })
    }
}

impl StoredRow for domain::region::Region {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        use domain::region::{Locale, RegionCode, TimeZoneName};
        Ok(Self {
            id: col_id(row, "id", domain::id::RegionId::from_uuid)?,
            code: col_with(row, "code", RegionCode::parse)?,
            name: col(row, "name")?,
            time_zone: col_with(row, "time_zone", TimeZoneName::parse)?,
            currency: col_parsed(row, "currency")?,
            locale: col_with(row, "locale", Locale::parse)?,
            version: col(row, "version")?,
            created_at: col_time(row, "created_at")?,
            updated_at: col_time(row, "updated_at")?,
        })
    }
}

impl StoredRow for domain::product::Product {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: col_id(row, "id", domain::id::ProductId::from_uuid)?,
            code: col(row, "code")?,
            name: col(row, "name")?,
            description: col(row, "description")?,
            active: col(row, "active")?,
            version: col(row, "version")?,
            created_at: col_time(row, "created_at")?,
            updated_at: col_time(row, "updated_at")?,
        })
    }
}

impl StoredRow for domain::user::User {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: col_id(row, "id", domain::id::UserId::from_uuid)?,
            email: col_with(row, "email", domain::text::Email::parse)?,
            name: col(row, "name")?,
            role: col_parsed(row, "role")?,
            home_region: col_with_opt(row, "home_region", domain::region::RegionCode::parse)?,
            active: col(row, "active")?,
            version: col(row, "version")?,
            created_at: col_time(row, "created_at")?,
            updated_at: col_time(row, "updated_at")?,
        })
    }
}

impl StoredRow for domain::apikey::ApiKey {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: col_id(row, "id", domain::id::ApiKeyId::from_uuid)?,
            name: col(row, "name")?,
            role: col_parsed(row, "role")?,
            user_id: col_id_opt(row, "user_id", domain::id::UserId::from_uuid)?,
            prefix: col(row, "prefix")?,
            hash: col(row, "hash")?,
            created_at: col_time(row, "created_at")?,
            last_used_at: col_time_opt(row, "last_used_at")?,
            revoked_at: col_time_opt(row, "revoked_at")?,
        })
    }
}

impl StoredRow for domain::account::Account {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: col_id(row, "id", domain::id::AccountId::from_uuid)?,
            name: col(row, "name")?,
            domains: col_json(row, "domains")?,
            industry: col(row, "industry")?,
            region: col_with_opt(row, "region", domain::region::RegionCode::parse)?,
            owner_id: col_id_opt(row, "owner_id", domain::id::UserId::from_uuid)?,
            version: col(row, "version")?,
            created_at: col_time(row, "created_at")?,
            updated_at: col_time(row, "updated_at")?,
        })
    }
}

impl StoredRow for domain::contact::Contact {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: col_id(row, "id", domain::id::ContactId::from_uuid)?,
            account_id: col_id(row, "account_id", domain::id::AccountId::from_uuid)?,
            name: col(row, "name")?,
            email: col_with_opt(row, "email", domain::text::Email::parse)?,
            title: col(row, "title")?,
            phone: col(row, "phone")?,
            persona_level: col_parsed_opt(row, "persona_level")?,
            buying_role: col_parsed(row, "buying_role")?,
            version: col(row, "version")?,
            created_at: col_time(row, "created_at")?,
            updated_at: col_time(row, "updated_at")?,
        })
    }
}

impl StoredRow for domain::contact::ContactRelationship {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: col_id(row, "id", domain::id::RelationshipId::from_uuid)?,
            from_contact_id: col_id(row, "from_contact_id", domain::id::ContactId::from_uuid)?,
            to_contact_id: col_id(row, "to_contact_id", domain::id::ContactId::from_uuid)?,
            kind: col_parsed(row, "kind")?,
            note: col(row, "note")?,
            created_at: col_time(row, "created_at")?,
        })
    }
}

impl StoredRow for domain::quota::Quota {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        let currency: domain::money::Currency = col_parsed(row, "currency")?;
        let target = domain::money::Money::new(read_decimal(row, "target")?, currency)
            .map_err(|e| decode_error("target", e))?;
        let start: Option<jiff::civil::Date> = col_date_opt(row, "period_start")?;
        let end: Option<jiff::civil::Date> = col_date_opt(row, "period_end")?;
        Ok(Self {
            id: col_id(row, "id", domain::id::QuotaId::from_uuid)?,
            user_id: col_id_opt(row, "user_id", domain::id::UserId::from_uuid)?,
            region: col_with_opt(row, "region", domain::region::RegionCode::parse)?,
            period_start: start.ok_or_else(|| decode_error("period_start", "is null"))?,
            period_end: end.ok_or_else(|| decode_error("period_end", "is null"))?,
            target,
            version: col(row, "version")?,
            created_at: col_time(row, "created_at")?,
            updated_at: col_time(row, "updated_at")?,
        })
    }
}

impl StoredRow for domain::persona::RepPersona {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            user_id: col_id(row, "id", domain::id::UserId::from_uuid)?,
            display_name: col(row, "display_name")?,
            signature: col(row, "signature")?,
            tone: col_parsed(row, "tone")?,
            examples: col_json(row, "examples")?,
            version: col(row, "version")?,
            created_at: col_time(row, "created_at")?,
            updated_at: col_time(row, "updated_at")?,
        })
    }
}

impl StoredRow for domain::opportunity::Opportunity {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        let currency: domain::money::Currency = col_parsed(row, "currency")?;
        let amount = domain::money::Money::new(read_decimal(row, "amount")?, currency)
            .map_err(|e| decode_error("amount", e))?;
        let close_date: Option<jiff::civil::Date> = col_date_opt(row, "close_date")?;
        Ok(Self {
            id: col_id(row, "id", domain::id::OpportunityId::from_uuid)?,
            account_id: col_id(row, "account_id", domain::id::AccountId::from_uuid)?,
            name: col(row, "name")?,
            amount,
            close_date: close_date.ok_or_else(|| decode_error("close_date", "is null"))?,
            owner_id: col_id_opt(row, "owner_id", domain::id::UserId::from_uuid)?,
            region: col_with_opt(row, "region", domain::region::RegionCode::parse)?,
            product_ids: col_json(row, "product_ids")?,
            stage: col_parsed(row, "stage")?,
            loss_reason: col(row, "loss_reason")?,
            stage_changed_at: col_time(row, "stage_changed_at")?,
            version: col(row, "version")?,
            created_at: col_time(row, "created_at")?,
            updated_at: col_time(row, "updated_at")?,
        })
    }
}

impl StoredRow for domain::activity::Activity {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: col_id(row, "id", domain::id::ActivityId::from_uuid)?,
            kind: col_parsed(row, "kind")?,
            subject: col(row, "subject")?,
            body: col(row, "body")?,
            occurred_at: col_time(row, "occurred_at")?,
            ended_at: col_time_opt(row, "ended_at")?,
            account_id: col_id_opt(row, "account_id", domain::id::AccountId::from_uuid)?,
            opportunity_id: col_id_opt(row, "opportunity_id", domain::id::OpportunityId::from_uuid)?,
            participants: col_json(row, "participants")?,
            injection_suspected: col(row, "injection_suspected")?,
            version: col(row, "version")?,
            created_at: col_time(row, "created_at")?,
            updated_at: col_time(row, "updated_at")?,
        })
    }
}

impl StoredRow for domain::task::Task {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: col_id(row, "id", domain::id::TaskId::from_uuid)?,
            title: col(row, "title")?,
            description: col(row, "description")?,
            status: col_parsed(row, "status")?,
            priority: col_parsed(row, "priority")?,
            due_date: col_date_opt(row, "due_date")?,
            assignee_id: col_id_opt(row, "assignee_id", domain::id::UserId::from_uuid)?,
            account_id: col_id_opt(row, "account_id", domain::id::AccountId::from_uuid)?,
            opportunity_id: col_id_opt(row, "opportunity_id", domain::id::OpportunityId::from_uuid)?,
            version: col(row, "version")?,
            created_at: col_time(row, "created_at")?,
            updated_at: col_time(row, "updated_at")?,
        })
    }
}

impl StoredRow for domain::stage::StageChange {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: col_id(row, "id", domain::id::StageChangeId::from_uuid)?,
            opportunity_id: col_id(row, "opportunity_id", domain::id::OpportunityId::from_uuid)?,
            from_stage: col_parsed(row, "from_stage")?,
            to_stage: col_parsed(row, "to_stage")?,
            reason: col(row, "reason")?,
            actor_kind: col(row, "actor_kind")?,
            actor_id: col(row, "actor_id")?,
            changed_at: col_time(row, "changed_at")?,
        })
    }
}

impl StoredRow for domain::event::Event {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: col_id(row, "id", domain::id::EventId::from_uuid)?,
            kind: col(row, "kind")?,
            resource: col_parsed(row, "resource")?,
            action: col_parsed(row, "action")?,
            subject_id: col(row, "subject_id")?,
            payload: col_json(row, "payload")?,
            actor_kind: col(row, "actor_kind")?,
            actor_id: col(row, "actor_id")?,
            api_key_id: col(row, "api_key_id")?,
            request_id: col(row, "request_id")?,
            occurred_at: col_time(row, "occurred_at")?,
        })
    }
}

impl StoredRow for domain::llm_call::LlmCall {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
        let micros: Option<i64> = col(row, "cost_micro_usd")?;
        Ok(Self {
            id: col_id(row, "id", domain::id::LlmCallId::from_uuid)?,
            route: col(row, "route")?,
            skill: col(row, "skill")?,
            agent_run_id: col(row, "agent_run_id")?,
            provider: col(row, "provider")?,
            model: col(row, "model")?,
            outcome: col_parsed(row, "outcome")?,
            error_kind: col(row, "error_kind")?,
            error: col(row, "error")?,
            input_tokens: col(row, "input_tokens")?,
            output_tokens: col(row, "output_tokens")?,
            cost_usd: micros.map(|m| rust_decimal::Decimal::new(m, 6).normalize()),
            latency_ms: col(row, "latency_ms")?,
            ttft_ms: col(row, "ttft_ms")?,
            streamed: col(row, "streamed")?,
            prompt: col(row, "prompt")?,
            completion: col(row, "completion")?,
            started_at: col_time(row, "started_at")?,
        })
    }
}
