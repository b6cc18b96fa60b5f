// Account and opportunity plans: each plan's versions, appended when a change brought something
// new. Included by each backend module.

const PLAN_COLUMNS: &str =
    "id, kind, subject_id, account_id, opportunity_id, version, activity_id, plan, changes, created_at";

fn plan_from_row(row: &DbRow) -> Result<domain::plan::PlanVersion, sqlx::Error> {
    Ok(domain::plan::PlanVersion {
        id: col_id(row, "id", domain::id::PlanId::from_uuid)?,
        kind: col_parsed(row, "kind")?,
        account_id: col_id(row, "account_id", domain::id::AccountId::from_uuid)?,
        opportunity_id: col_id_opt(row, "opportunity_id", domain::id::OpportunityId::from_uuid)?,
        version: col(row, "version")?,
        activity_id: col_id_opt(row, "activity_id", domain::id::ActivityId::from_uuid)?,
        plan: col_json(row, "plan")?,
        changes: col_json(row, "changes")?,
        created_at: col_time(row, "created_at")?,
    })
}

impl Backend {
    /// Appends a plan version. It must follow the plan's latest version (else `Conflict`:
    /// someone appended first).
    pub(crate) async fn append_plan(&self, w: &WriteCtx, plan: &domain::plan::PlanVersion) -> Result<()> {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut references: Vec<Reference> = Reference::id("account_id", "account", "accounts", Some(plan.account_id.as_uuid()))
            .into_iter()
            .collect();
        references.extend(Reference::id(
            "opportunity_id",
            "opportunity",
            "opportunities",
            plan.opportunity_id.map(|o| o.as_uuid()),
        ));
        check_references(&mut tx, w.tenant, references).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT MAX(version) AS latest FROM plans WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND kind = ");
        bind(&mut q, SqlValue::text(plan.kind));
        q.push(" AND subject_id = ");
        bind(&mut q, SqlValue::Uuid(Some(plan.subject_id())));
        let row = q.build().fetch_one(&mut *tx).await?;
        let latest: Option<i64> = col(&row, "latest")?;
        if latest.unwrap_or(0) + 1 != plan.version {
            return Err(Error::Conflict(format!(
                "the {} plan of {} is at version {}, not {}",
                plan.kind,
                plan.subject_id(),
                latest.unwrap_or(0),
                plan.version - 1
            )));
        }
        let changes = serde_json::to_value(&plan.changes)
            .map_err(|e| Error::Internal(format!("encoding the plan changes: {e}")))?;
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO plans (tenant_id, ");
        q.push(PLAN_COLUMNS).push(") VALUES (");
        push_list(&mut q, [
            SqlValue::Uuid(Some(w.tenant.as_uuid())),
            SqlValue::Uuid(Some(plan.id.as_uuid())),
            SqlValue::text(plan.kind),
            SqlValue::Uuid(Some(plan.subject_id())),
            SqlValue::Uuid(Some(plan.account_id.as_uuid())),
            SqlValue::Uuid(plan.opportunity_id.map(|o| o.as_uuid())),
            SqlValue::Int(plan.version),
            SqlValue::Uuid(plan.activity_id.map(|a| a.as_uuid())),
            SqlValue::Json(plan.plan.clone()),
            SqlValue::Json(changes),
            SqlValue::Time(Some(plan.created_at)),
        ]);
        q.push(")");
        q.build().execute(&mut *tx).await?;
        let summary = serde_json::json!({
            "kind": plan.kind,
            "account_id": plan.account_id,
            "opportunity_id": plan.opportunity_id,
            "version": plan.version,
            "activity_id": plan.activity_id,
            "changes": plan.changes.len(),
        });
        let event = domain::event::NewEvent::of(
            domain::event::ResourceKind::Plan,
            domain::event::EventAction::Created,
            plan.id.as_uuid(),
            &summary,
        );
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A plan's versions, newest first.
    pub(crate) async fn plan_history(
        &self,
        tenant: TenantId,
        kind: domain::plan::PlanKind,
        subject: uuid::Uuid,
        before_version: Option<i64>,
        limit: u32,
    ) -> Result<Vec<domain::plan::PlanVersion>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(PLAN_COLUMNS).push(" FROM plans WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND kind = ");
        bind(&mut q, SqlValue::text(kind));
        q.push(" AND subject_id = ");
        bind(&mut q, SqlValue::Uuid(Some(subject)));
        if let Some(before) = before_version {
            q.push(" AND version < ");
            bind(&mut q, SqlValue::Int(before));
        }
        q.push(" ORDER BY version DESC LIMIT ");
        bind(&mut q, SqlValue::Int(i64::from(limit)));
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        Ok(rows.iter().map(plan_from_row).collect::<Result<_, _>>()?)
    }

    /// The latest version of each of these subjects' plans of a kind, in one query.
    pub(crate) async fn latest_plans(
        &self,
        tenant: TenantId,
        kind: domain::plan::PlanKind,
        subjects: &[uuid::Uuid],
    ) -> Result<Vec<domain::plan::PlanVersion>> {
        if subjects.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(PLAN_COLUMNS).push(" FROM plans WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND kind = ");
        bind(&mut q, SqlValue::text(kind));
        q.push(" AND (subject_id, version) IN (SELECT subject_id, max(version) FROM plans WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND kind = ");
        bind(&mut q, SqlValue::text(kind));
        q.push(" AND subject_id IN (");
        push_list(&mut q, subjects.iter().map(|s| SqlValue::Uuid(Some(*s))));
        q.push(") GROUP BY subject_id)");
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        Ok(rows.iter().map(plan_from_row).collect::<Result<_, _>>()?)
    }
}
