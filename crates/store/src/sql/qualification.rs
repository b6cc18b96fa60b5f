// Qualification scorecards: an opportunity's versions, each appended by the activity that changed
// it. Included by each backend module.

const SCORECARD_COLUMNS: &str =
    "id, opportunity_id, version, activity_id, agent_run_id, answered_by, scorecard, changes, created_at";

fn scorecard_from_row(row: &DbRow) -> Result<domain::qualification::ScorecardVersion, sqlx::Error> {
    Ok(domain::qualification::ScorecardVersion {
        id: col_id(row, "id", domain::id::ScorecardId::from_uuid)?,
        opportunity_id: col_id(row, "opportunity_id", domain::id::OpportunityId::from_uuid)?,
        version: col(row, "version")?,
        activity_id: col_id_opt(row, "activity_id", domain::id::ActivityId::from_uuid)?,
        agent_run_id: col_id_opt(row, "agent_run_id", domain::id::AgentRunId::from_uuid)?,
        answered_by: col(row, "answered_by")?,
        scorecard: col_json(row, "scorecard")?,
        changes: col_json(row, "changes")?,
        created_at: col_time(row, "created_at")?,
    })
}

impl Backend {
    /// Appends a scorecard version. It must follow the opportunity's latest version (else
    /// `Conflict`: someone appended first); a version for an activity that already has one is
    /// not appended again (`Ok(false)`).
    pub(crate) async fn append_scorecard(
        &self,
        w: &WriteCtx,
        card: &domain::qualification::ScorecardVersion,
    ) -> Result<bool> {
        let mut tx = self.begin_write(w.tenant).await?;
        let references = Reference::id("opportunity_id", "opportunity", "opportunities", Some(card.opportunity_id.as_uuid()));
        check_references(&mut tx, w.tenant, references.into_iter().collect()).await?;
        if let Some(activity) = card.activity_id {
            let mut q = sqlx::QueryBuilder::<Db>::new("SELECT 1 FROM qualification_scorecards WHERE tenant_id = ");
            bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
            q.push(" AND opportunity_id = ");
            bind(&mut q, SqlValue::Uuid(Some(card.opportunity_id.as_uuid())));
            q.push(" AND activity_id = ");
            bind(&mut q, SqlValue::Uuid(Some(activity.as_uuid())));
            if q.build().fetch_optional(&mut *tx).await?.is_some() {
                return Ok(false);
            }
        }
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT MAX(version) AS latest FROM qualification_scorecards WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND opportunity_id = ");
        bind(&mut q, SqlValue::Uuid(Some(card.opportunity_id.as_uuid())));
        let row = q.build().fetch_one(&mut *tx).await?;
        let latest: Option<i64> = col(&row, "latest")?;
        if latest.unwrap_or(0) + 1 != card.version {
            return Err(Error::Conflict(format!(
                "the scorecard of opportunity {} is at version {}, not {}",
                card.opportunity_id,
                latest.unwrap_or(0),
                card.version - 1
            )));
        }
        let changes = serde_json::to_value(&card.changes).map_err(|e| Error::Internal(format!("encoding the scorecard changes: {e}")))?;
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO qualification_scorecards (tenant_id, ");
        q.push(SCORECARD_COLUMNS).push(") VALUES (");
        push_list(&mut q, [
            SqlValue::Uuid(Some(w.tenant.as_uuid())),
            SqlValue::Uuid(Some(card.id.as_uuid())),
            SqlValue::Uuid(Some(card.opportunity_id.as_uuid())),
            SqlValue::Int(card.version),
            SqlValue::Uuid(card.activity_id.map(|a| a.as_uuid())),
            SqlValue::Uuid(card.agent_run_id.map(|a| a.as_uuid())),
            SqlValue::text(&card.answered_by),
            SqlValue::Json(card.scorecard.clone()),
            SqlValue::Json(changes),
            SqlValue::Time(Some(card.created_at)),
        ]);
        q.push(")");
        q.build().execute(&mut *tx).await?;
        let summary = serde_json::json!({
            "opportunity_id": card.opportunity_id,
            "version": card.version,
            "activity_id": card.activity_id,
            "changes": card.changes.len(),
        });
        let event = domain::event::NewEvent::of(
            domain::event::ResourceKind::Scorecard,
            domain::event::EventAction::Created,
            card.id.as_uuid(),
            &summary,
        );
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// An opportunity's scorecard versions, newest first.
    pub(crate) async fn scorecard_history(
        &self,
        tenant: TenantId,
        opportunity: domain::id::OpportunityId,
        before_version: Option<i64>,
        limit: u32,
    ) -> Result<Vec<domain::qualification::ScorecardVersion>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(SCORECARD_COLUMNS).push(" FROM qualification_scorecards WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND opportunity_id = ");
        bind(&mut q, SqlValue::Uuid(Some(opportunity.as_uuid())));
        if let Some(before) = before_version {
            q.push(" AND version < ");
            bind(&mut q, SqlValue::Int(before));
        }
        q.push(" ORDER BY version DESC LIMIT ");
        bind(&mut q, SqlValue::Int(i64::from(limit)));
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        Ok(rows.iter().map(scorecard_from_row).collect::<Result<_, _>>()?)
    }
}
