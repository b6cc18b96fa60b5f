// Operations beyond generic CRUD: tenants (platform), API key authentication and revocation,
// stage moves and their history, and the event log. Included by each backend module.

const TENANT_COLUMNS: &str = "id, name, display_name, created_at";
const STAGE_CHANGE_COLUMNS: &str =
    "id, opportunity_id, from_stage, to_stage, reason, actor_kind, actor_id, changed_at";
const EVENT_COLUMNS: &str = "id, kind, resource, action, subject_id, payload, actor_kind, actor_id, \
     api_key_id, request_id, occurred_at";

/// Minimum time between two `last_used_at` writes of one key, so reads stay reads.
const LAST_USED_GRANULARITY_SECS: i64 = 60;

impl Backend {
    /// Creates a tenant with its starting regions (operator connection).
    pub(crate) async fn create_tenant(
        &self,
        tenant: &domain::tenant::Tenant,
        regions: &[domain::region::Region],
    ) -> Result<()> {
        let w = WriteCtx { tenant: tenant.id, actor: domain::actor::Actor::operator(), request_id: None, now: tenant.created_at };
        let mut tx = self.begin_platform_write(tenant.id).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO tenants (id, name, display_name, created_at) VALUES (");
        push_list(&mut q, [
            SqlValue::Uuid(Some(tenant.id.as_uuid())),
            SqlValue::text(&tenant.name),
            SqlValue::text(&tenant.display_name),
            SqlValue::Time(Some(tenant.created_at)),
        ]);
        q.push(")");
        q.build().execute(&mut *tx).await?;
        let event = domain::event::NewEvent::of(
            domain::event::ResourceKind::Tenant,
            domain::event::EventAction::Created,
            tenant.id.as_uuid(),
            tenant,
        );
        append_event(&mut tx, &w, event).await?;
        for region in regions {
            insert_row(&mut tx, tenant.id, region).await?;
            let event = domain::event::NewEvent::of(
                domain::event::ResourceKind::Region,
                domain::event::EventAction::Created,
                region.id.as_uuid(),
                region,
            );
            append_event(&mut tx, &w, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every tenant, by name (operator connection).
    pub(crate) async fn list_tenants(&self) -> Result<Vec<domain::tenant::Tenant>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {TENANT_COLUMNS} FROM tenants ORDER BY name"));
        let rows = sqlx::query(sql).fetch_all(self.platform_pool()).await?;
        Ok(rows.iter().map(domain::tenant::Tenant::from_row).collect::<Result<_, _>>()?)
    }

    /// The tenant with this id or name (operator connection).
    pub(crate) async fn find_tenant(&self, name_or_id: &str) -> Result<domain::tenant::Tenant> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(TENANT_COLUMNS).push(" FROM tenants WHERE ");
        match name_or_id.parse::<Uuid>() {
            Ok(id) => {
                q.push("id = ");
                bind(&mut q, SqlValue::Uuid(Some(id)));
            }
            Err(_) => {
                q.push("name = ");
                bind(&mut q, SqlValue::text(name_or_id.trim().to_ascii_lowercase()));
            }
        }
        let row = q.build().fetch_optional(self.platform_pool()).await?;
        let row = row.ok_or_else(|| Error::not_found("tenant", name_or_id))?;
        Ok(domain::tenant::Tenant::from_row(&row)?)
    }

    /// The current tenant's own record (application connection).
    pub(crate) async fn tenant(&self, tenant: TenantId) -> Result<domain::tenant::Tenant> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(TENANT_COLUMNS).push(" FROM tenants WHERE id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        let mut tx = self.begin_read(tenant).await?;
        let row = q.build().fetch_optional(&mut *tx).await?;
        end_read(tx).await?;
        let row = row.ok_or_else(|| Error::not_found("tenant", tenant))?;
        Ok(domain::tenant::Tenant::from_row(&row)?)
    }

    /// The live key of this tenant with this hash, recording its use.
    pub(crate) async fn authenticate(
        &self,
        tenant: TenantId,
        hash: &[u8],
        now: jiff::Timestamp,
    ) -> Result<Option<domain::apikey::ApiKey>> {
        use domain::apikey::ApiKey;
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(<ApiKey as Resource>::COLUMNS.join(", ")).push(" FROM api_keys WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND hash = ");
        bind(&mut q, SqlValue::Bytes(hash.to_vec()));
        q.push(" AND revoked_at IS NULL");
        let mut tx = self.begin_read(tenant).await?;
        let row = q.build().fetch_optional(&mut *tx).await?;
        end_read(tx).await?;
        let Some(row) = row else { return Ok(None) };
        let mut key = ApiKey::from_row(&row)?;
        let stale = key
            .last_used_at
            .is_none_or(|t| now.as_second() - t.as_second() >= LAST_USED_GRANULARITY_SECS);
        if stale {
            let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE api_keys SET last_used_at = ");
            bind(&mut q, SqlValue::Time(Some(now)));
            q.push(" WHERE tenant_id = ");
            bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
            q.push(" AND id = ");
            bind(&mut q, SqlValue::Uuid(Some(key.id.as_uuid())));
            let mut tx = self.begin_write(tenant).await?;
            q.build().execute(&mut *tx).await?;
            tx.commit().await?;
            key.last_used_at = Some(now);
        }
        Ok(Some(key))
    }

    /// Revokes a key; revoking twice is a no-op.
    pub(crate) async fn revoke_api_key(&self, w: &WriteCtx, id: domain::id::ApiKeyId) -> Result<domain::apikey::ApiKey> {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut key = fetch_row::<domain::apikey::ApiKey>(&mut tx, w.tenant, id.as_uuid(), true).await?;
        if key.revoked_at.is_none() {
            key.revoked_at = Some(w.now);
            update_row(&mut tx, w.tenant, &key, None).await?;
            let event = domain::event::NewEvent::of(
                domain::event::ResourceKind::ApiKey,
                domain::event::EventAction::Revoked,
                id.as_uuid(),
                &key,
            );
            append_event(&mut tx, w, event).await?;
        }
        tx.commit().await?;
        Ok(key)
    }

    /// Moves an opportunity through the stage machine, recording the change and its event.
    pub(crate) async fn move_stage(
        &self,
        w: &WriteCtx,
        id: domain::id::OpportunityId,
        request: &domain::stage::StageMove,
        expected_version: Option<i64>,
    ) -> Result<(domain::opportunity::Opportunity, domain::stage::StageChange)> {
        use domain::opportunity::Opportunity;
        let mut tx = self.begin_write(w.tenant).await?;
        let mut opp = fetch_row::<Opportunity>(&mut tx, w.tenant, id.as_uuid(), true).await?;
        check_version(&opp, expected_version)?;
        let old_version = opp.version();
        let change = opp.move_stage(request, &w.actor, w.now)?;
        opp.touch(w.now);
        update_row(&mut tx, w.tenant, &opp, old_version).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO stage_changes (tenant_id, ");
        q.push(STAGE_CHANGE_COLUMNS).push(") VALUES (");
        push_list(&mut q, [
            SqlValue::Uuid(Some(w.tenant.as_uuid())),
            SqlValue::Uuid(Some(change.id.as_uuid())),
            SqlValue::Uuid(Some(id.as_uuid())),
            SqlValue::text(change.from_stage),
            SqlValue::text(change.to_stage),
            SqlValue::Text(change.reason.clone()),
            SqlValue::text(&change.actor_kind),
            SqlValue::Uuid(change.actor_id),
            SqlValue::Time(Some(change.changed_at)),
        ]);
        q.push(")");
        q.build().execute(&mut *tx).await?;
        let payload = serde_json::json!({ "change": change, "after": opp });
        let event = domain::event::NewEvent {
            resource: domain::event::ResourceKind::Opportunity,
            action: domain::event::EventAction::StageChanged,
            subject_id: id.as_uuid(),
            payload,
        };
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok((opp, change))
    }

    /// Every stage change of an opportunity, oldest first.
    pub(crate) async fn stage_history(
        &self,
        tenant: TenantId,
        id: domain::id::OpportunityId,
    ) -> Result<Vec<domain::stage::StageChange>> {
        let mut tx = self.begin_read(tenant).await?;
        fetch_row::<domain::opportunity::Opportunity>(&mut tx, tenant, id.as_uuid(), false).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(STAGE_CHANGE_COLUMNS).push(" FROM stage_changes WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND opportunity_id = ");
        bind(&mut q, SqlValue::Uuid(Some(id.as_uuid())));
        q.push(" ORDER BY id");
        let rows = q.build().fetch_all(&mut *tx).await?;
        end_read(tx).await?;
        Ok(rows.iter().map(domain::stage::StageChange::from_row).collect::<Result<_, _>>()?)
    }

    /// One page of the tenant's event log.
    pub(crate) async fn list_events(&self, tenant: TenantId, query: &ListQuery) -> Result<Page<domain::event::Event>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(EVENT_COLUMNS).push(" FROM events");
        push_where(&mut q, tenant, query);
        let mut tx = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *tx).await?;
        end_read(tx).await?;
        let items = rows.iter().map(domain::event::Event::from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetch(items, query.limit, |e| e.id.as_uuid()))
    }
}

impl Backend {
    /// Appends LLM call traces (no event: traces are not state changes).
    pub(crate) async fn record_llm_calls(&self, tenant: TenantId, calls: &[domain::llm_call::LlmCall]) -> Result<()> {
        if calls.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write(tenant).await?;
        for call in calls {
            insert_row(&mut tx, tenant, call).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// LLM usage summed by a grouping, over `[since, until)`.
    pub(crate) async fn llm_usage(
        &self,
        tenant: TenantId,
        group: crate::usage::UsageGroup,
        since: Option<jiff::Timestamp>,
        until: Option<jiff::Timestamp>,
    ) -> Result<Vec<crate::usage::UsageRow>> {
        use crate::usage::UsageGroup;
        let key = match group {
            UsageGroup::Day => DAY_EXPR,
            UsageGroup::Route => "route",
            UsageGroup::Model => "provider || '/' || model",
            UsageGroup::Skill => "COALESCE(skill, '')",
            UsageGroup::Outcome => "outcome",
        };
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(key).push(
            " AS usage_key, count(*) AS calls, CAST(COALESCE(sum(input_tokens), 0) AS BIGINT) AS input_tokens, \
             CAST(COALESCE(sum(output_tokens), 0) AS BIGINT) AS output_tokens, \
             CAST(COALESCE(sum(cost_micro_usd), 0) AS BIGINT) AS cost_micro_usd FROM llm_calls WHERE tenant_id = ",
        );
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        if let Some(since) = since {
            q.push(" AND started_at >= ");
            bind(&mut q, SqlValue::Time(Some(since)));
        }
        if let Some(until) = until {
            q.push(" AND started_at < ");
            bind(&mut q, SqlValue::Time(Some(until)));
        }
        q.push(" GROUP BY 1 ORDER BY 1");
        let mut tx = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *tx).await?;
        end_read(tx).await?;
        rows.iter()
            .map(|row| {
                let micros: i64 = col(row, "cost_micro_usd")?;
                Ok(crate::usage::UsageRow {
                    key: col(row, "usage_key")?,
                    calls: col(row, "calls")?,
                    input_tokens: col(row, "input_tokens")?,
                    output_tokens: col(row, "output_tokens")?,
                    cost_usd: rust_decimal::Decimal::new(micros, 6).normalize(),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(Error::from)
    }
}

const LLM_SETTINGS_COLUMNS: &str = "monthly_token_budget, monthly_cost_budget_micro_usd, soft_limit_percent, \
     keep_prompts, routes, prices, version, updated_at";

async fn fetch_llm_settings(conn: &mut Conn, tenant: TenantId, lock: bool) -> Result<domain::llm_settings::LlmSettings> {
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
    q.push(LLM_SETTINGS_COLUMNS).push(" FROM llm_settings WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    if lock {
        q.push(FOR_UPDATE);
    }
    let Some(row) = q.build().fetch_optional(&mut *conn).await? else {
        return Ok(domain::llm_settings::LlmSettings::default());
    };
    let micros: Option<i64> = col(&row, "monthly_cost_budget_micro_usd")?;
    let percent: i64 = col::<i64>(&row, "soft_limit_percent").or_else(|_| col::<i32>(&row, "soft_limit_percent").map(i64::from))?;
    Ok(domain::llm_settings::LlmSettings {
        monthly_token_budget: col(&row, "monthly_token_budget")?,
        monthly_cost_budget_usd: micros.map(|m| rust_decimal::Decimal::new(m, 6).normalize()),
        soft_limit_percent: u8::try_from(percent).unwrap_or(domain::llm_settings::DEFAULT_SOFT_LIMIT_PERCENT),
        keep_prompts: col(&row, "keep_prompts")?,
        routes: col_json(&row, "routes")?,
        prices: col_json(&row, "prices")?,
        version: col(&row, "version")?,
        updated_at: Some(col_time(&row, "updated_at")?),
    })
}

impl Backend {
    /// The tenant's LLM settings (defaults when never set).
    pub(crate) async fn llm_settings(&self, tenant: TenantId) -> Result<domain::llm_settings::LlmSettings> {
        let mut tx = self.begin_read(tenant).await?;
        let settings = fetch_llm_settings(&mut tx, tenant, false).await?;
        end_read(tx).await?;
        Ok(settings)
    }

    /// Changes the tenant's LLM settings through `apply`, if still at `expected_version`.
    pub(crate) async fn update_llm_settings<F>(
        &self,
        w: &WriteCtx,
        expected_version: Option<i64>,
        apply: F,
    ) -> Result<domain::llm_settings::LlmSettings>
    where
        F: FnOnce(&mut domain::llm_settings::LlmSettings) -> domain::Result<()> + Send,
    {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut settings = fetch_llm_settings(&mut tx, w.tenant, true).await?;
        if let Some(want) = expected_version
            && want != settings.version
        {
            return Err(Error::VersionMismatch { resource: "llm settings", id: w.tenant.to_string(), current: settings.version });
        }
        let old_version = settings.version;
        apply(&mut settings)?;
        settings.version += 1;
        settings.updated_at = Some(w.now);
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO llm_settings (tenant_id, ");
        q.push(LLM_SETTINGS_COLUMNS).push(") VALUES (");
        push_list(&mut q, [
            SqlValue::Uuid(Some(w.tenant.as_uuid())),
            SqlValue::OptInt(settings.monthly_token_budget),
            SqlValue::OptInt(crate::resource::micro_usd(settings.monthly_cost_budget_usd)),
            SqlValue::Int(i64::from(settings.soft_limit_percent)),
            SqlValue::Bool(settings.keep_prompts),
            SqlValue::json(&settings.routes),
            SqlValue::json(&settings.prices),
            SqlValue::Int(settings.version),
            SqlValue::Time(settings.updated_at),
        ]);
        q.push(") ON CONFLICT (tenant_id) DO UPDATE SET monthly_token_budget = excluded.monthly_token_budget, \
                monthly_cost_budget_micro_usd = excluded.monthly_cost_budget_micro_usd, \
                soft_limit_percent = excluded.soft_limit_percent, keep_prompts = excluded.keep_prompts, \
                routes = excluded.routes, prices = excluded.prices, version = excluded.version, updated_at = excluded.updated_at \
                WHERE llm_settings.version = ");
        bind(&mut q, SqlValue::Int(old_version));
        let done = q.build().execute(&mut *tx).await?;
        if done.rows_affected() != 1 {
            return Err(Error::Conflict("the LLM settings changed during the update; retry".into()));
        }
        let event = domain::event::NewEvent::of(
            domain::event::ResourceKind::LlmSettings,
            domain::event::EventAction::Updated,
            w.tenant.as_uuid(),
            &settings,
        );
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(settings)
    }

    /// Tokens and cost (in millionths of a dollar) used since `since`.
    pub(crate) async fn llm_spend_since(&self, tenant: TenantId, since: jiff::Timestamp) -> Result<(i64, i64)> {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT CAST(COALESCE(sum(input_tokens + output_tokens), 0) AS BIGINT) AS tokens, \
             CAST(COALESCE(sum(cost_micro_usd), 0) AS BIGINT) AS cost FROM llm_calls WHERE tenant_id = ",
        );
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND started_at >= ");
        bind(&mut q, SqlValue::Time(Some(since)));
        let mut tx = self.begin_read(tenant).await?;
        let row = q.build().fetch_one(&mut *tx).await?;
        end_read(tx).await?;
        Ok((col(&row, "tokens")?, col(&row, "cost")?))
    }
}
