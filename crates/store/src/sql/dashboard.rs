// What dashboards read: deal facts in one narrow query, agent activity grouped in SQL.
// Included by each backend module.

/// Most deals one dashboard query reads.
const MAX_DEAL_FACTS: u32 = 50_000;

fn facts_from_row(row: &DbRow) -> Result<crate::dashboard::DealFacts, sqlx::Error> {
    let currency: domain::money::Currency = col_parsed(row, "currency")?;
    let amount = domain::money::Money::new(read_decimal(row, "amount")?, currency)
        .map_err(|e| decode_error("amount", e))?;
    let close_date: Option<jiff::civil::Date> = col_date_opt(row, "close_date")?;
    Ok(crate::dashboard::DealFacts {
        id: col_id(row, "id", domain::id::OpportunityId::from_uuid)?,
        name: col(row, "name")?,
        amount,
        close_date: close_date.ok_or_else(|| decode_error("close_date", "is null"))?,
        owner_id: col_id_opt(row, "owner_id", domain::id::UserId::from_uuid)?,
        region: col_with_opt(row, "region", domain::region::RegionCode::parse)?,
        stage: col_parsed(row, "stage")?,
        stage_changed_at: col_time(row, "stage_changed_at")?,
    })
}

impl Backend {
    /// The facts of the tenant's deals matching `filters`, oldest first, at most 50,000.
    pub(crate) async fn deal_facts(&self, tenant: TenantId, filters: Vec<Filter>) -> Result<Vec<crate::dashboard::DealFacts>> {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT id, name, amount, currency, close_date, owner_id, region, stage, stage_changed_at FROM opportunities",
        );
        push_where(&mut q, tenant, &ListQuery { filters, limit: MAX_DEAL_FACTS - 1, ..ListQuery::default() });
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        rows.iter()
            .map(facts_from_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Error::from)
    }

    /// The facts of the tenant's open deals and of the deals won since `won_since` (closed lost
    /// ones are never read), oldest first, at most 50,000; `false` when more were left out.
    pub(crate) async fn pipeline_facts(
        &self,
        tenant: TenantId,
        won_since: jiff::Timestamp,
    ) -> Result<(Vec<crate::dashboard::DealFacts>, bool)> {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT id, name, amount, currency, close_date, owner_id, region, stage, stage_changed_at FROM opportunities WHERE tenant_id = ",
        );
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND (stage NOT IN ('closed_won', 'closed_lost') OR (stage = 'closed_won' AND stage_changed_at >= ");
        bind(&mut q, SqlValue::Time(Some(won_since)));
        q.push(")) ORDER BY id LIMIT ");
        q.push(u64::from(MAX_DEAL_FACTS) + 1);
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        let complete = rows.len() <= MAX_DEAL_FACTS as usize;
        let facts = rows
            .iter()
            .take(MAX_DEAL_FACTS as usize)
            .map(facts_from_row)
            .collect::<Result<_, sqlx::Error>>()?;
        Ok((facts, complete))
    }

    /// How many approvals wait for a human.
    pub(crate) async fn pending_approvals(&self, tenant: TenantId) -> Result<i64> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT count(*) AS n FROM approvals WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND status = 'pending'");
        let mut conn = self.begin_read(tenant).await?;
        let row = q.build().fetch_one(&mut *conn).await?;
        end_read(conn).await?;
        Ok(col(&row, "n")?)
    }

    /// Runs, proposed actions and approvals since `since`, counted by role (one read).
    pub(crate) async fn agent_activity(&self, tenant: TenantId, since: jiff::Timestamp) -> Result<crate::dashboard::AgentActivity> {
        let grouped = |table: &str, columns: &str, time: &str| {
            let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
            q.push(columns).push(", count(*) AS n FROM ").push(table).push(" WHERE tenant_id = ");
            bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
            q.push(" AND ").push(time).push(" >= ");
            bind(&mut q, SqlValue::Time(Some(since)));
            q.push(" GROUP BY ").push(columns).push(" ORDER BY ").push(columns);
            q
        };
        let mut conn = self.begin_read(tenant).await?;
        let runs = grouped("agent_runs", "role, skill, status", "started_at").build().fetch_all(&mut *conn).await?;
        let actions = grouped("agent_actions", "role, decision", "created_at").build().fetch_all(&mut *conn).await?;
        let approvals = grouped("approvals", "role, status, edited", "requested_at").build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        let decode = || -> Result<crate::dashboard::AgentActivity, sqlx::Error> {
            Ok(crate::dashboard::AgentActivity {
                runs: runs
                    .iter()
                    .map(|row| {
                        Ok(crate::dashboard::RunCount {
                            role: col(row, "role")?,
                            skill: col(row, "skill")?,
                            status: col(row, "status")?,
                            runs: col(row, "n")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()?,
                actions: actions
                    .iter()
                    .map(|row| {
                        Ok(crate::dashboard::ActionCount {
                            role: col(row, "role")?,
                            decision: col(row, "decision")?,
                            actions: col(row, "n")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()?,
                approvals: approvals
                    .iter()
                    .map(|row| {
                        Ok(crate::dashboard::ApprovalCount {
                            role: col(row, "role")?,
                            status: col(row, "status")?,
                            edited: col(row, "edited")?,
                            approvals: col(row, "n")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()?,
            })
        };
        Ok(decode()?)
    }
}
