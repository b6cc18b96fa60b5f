// The durable job queue of the agent runtime. `jobs` holds ids and times only and is shared by
// every tenant (so any replica can claim any tenant's work); `dead_letters` is tenant data.
// Included by each backend module.

const JOB_RETURNING: &str =
    "id, tenant_id, kind, subscriber, subject_id, dedupe_key, attempts, max_attempts, enqueued_at";
const DEAD_LETTER_COLUMNS: &str =
    "id, kind, subscriber, subject_id, dedupe_key, attempts, last_error, failed_at, replayed_at";

/// Fans a just-appended event out to its subscribers, as one job each, in the event's
/// transaction. Returns how many jobs were made.
async fn enqueue_subscribers(
    conn: &mut Conn,
    tenant: TenantId,
    event_id: Uuid,
    kind: &str,
    now: jiff::Timestamp,
) -> Result<u64> {
    let mut q = sqlx::QueryBuilder::<Db>::new(
        "INSERT INTO jobs (id, tenant_id, kind, subscriber, subject_id, dedupe_key, attempts, \
         max_attempts, run_at, enqueued_at) SELECT ",
    );
    q.push(NEW_ID_EXPR).push(", ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(", 'event', subscriber, ");
    bind(&mut q, SqlValue::Uuid(Some(event_id)));
    q.push(", ");
    bind(&mut q, SqlValue::text(format!("{event_id}:")));
    q.push(" || subscriber, 0, ");
    bind(&mut q, SqlValue::Int(i64::from(domain::job::DEFAULT_MAX_ATTEMPTS)));
    q.push(", ");
    bind(&mut q, SqlValue::Time(Some(now)));
    q.push(", ");
    bind(&mut q, SqlValue::Time(Some(now)));
    q.push(" FROM subscriptions WHERE event_kind = ");
    bind(&mut q, SqlValue::text(kind));
    let made = q.build().execute(&mut *conn).await?.rows_affected();
    if made > 0 {
        notify_jobs(conn).await?;
    }
    Ok(made)
}

/// Inserts one job unless the tenant already has a job with its dedupe key.
async fn insert_job(conn: &mut Conn, tenant: TenantId, job: &crate::jobs::NewJob) -> Result<bool> {
    let mut q = sqlx::QueryBuilder::<Db>::new(
        "INSERT INTO jobs (id, tenant_id, kind, subscriber, subject_id, dedupe_key, attempts, \
         max_attempts, run_at, enqueued_at) VALUES (",
    );
    push_list(&mut q, [
        SqlValue::Uuid(Some(domain::id::JobId::generate().as_uuid())),
        SqlValue::Uuid(Some(tenant.as_uuid())),
        SqlValue::text(job.kind.as_str()),
        SqlValue::text(&job.subscriber),
        SqlValue::Uuid(Some(job.subject_id)),
        SqlValue::text(&job.dedupe_key),
        SqlValue::Int(0),
        SqlValue::Int(i64::from(job.max_attempts)),
        SqlValue::Time(Some(job.run_at)),
        SqlValue::Time(Some(crate::store::now())),
    ]);
    q.push(") ON CONFLICT (tenant_id, dedupe_key) DO NOTHING");
    let made = q.build().execute(&mut *conn).await?.rows_affected() > 0;
    if made {
        notify_jobs(conn).await?;
    }
    Ok(made)
}

fn job_from_row(row: &DbRow) -> Result<crate::jobs::Job, sqlx::Error> {
    let kind: String = col(row, "kind")?;
    Ok(crate::jobs::Job {
        id: domain::id::JobId::from_uuid(col(row, "id")?),
        tenant: TenantId::from_uuid(col(row, "tenant_id")?),
        kind: kind.parse().map_err(|e| decode_error("kind", e))?,
        subscriber: col(row, "subscriber")?,
        subject_id: col(row, "subject_id")?,
        dedupe_key: col(row, "dedupe_key")?,
        attempts: col_i32(row, "attempts")?,
        max_attempts: col_i32(row, "max_attempts")?,
        enqueued_at: col_time(row, "enqueued_at")?,
    })
}

/// An integer column that is `integer` (i32) on PostgreSQL and i64 on SQLite.
fn col_i32(row: &DbRow, column: &str) -> Result<i32, sqlx::Error> {
    match col::<i32>(row, column) {
        Ok(v) => Ok(v),
        Err(_) => {
            let v: i64 = col(row, column)?;
            i32::try_from(v).map_err(|e| decode_error(column, e))
        }
    }
}

fn dead_letter_from_row(row: &DbRow) -> Result<domain::job::DeadLetter, sqlx::Error> {
    let kind: String = col(row, "kind")?;
    Ok(domain::job::DeadLetter {
        id: domain::id::JobId::from_uuid(col(row, "id")?),
        kind: kind.parse().map_err(|e| decode_error("kind", e))?,
        subscriber: col(row, "subscriber")?,
        subject_id: col(row, "subject_id")?,
        dedupe_key: col(row, "dedupe_key")?,
        attempts: col_i32(row, "attempts")?,
        last_error: col(row, "last_error")?,
        failed_at: col_time(row, "failed_at")?,
        replayed_at: col_time_opt(row, "replayed_at")?,
    })
}

impl Backend {
    /// Replaces the event subscriptions with `subscriptions` (event kind, subscriber).
    pub(crate) async fn register_subscriptions(&self, subscriptions: &[(String, String)]) -> Result<()> {
        let mut tx = self.begin_queue().await?;
        sqlx::query("DELETE FROM subscriptions").execute(&mut *tx).await?;
        for (kind, subscriber) in subscriptions {
            let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO subscriptions (event_kind, subscriber) VALUES (");
            push_list(&mut q, [SqlValue::text(kind), SqlValue::text(subscriber)]);
            q.push(") ON CONFLICT DO NOTHING");
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Enqueues one job for the tenant; `false` when its dedupe key is already queued.
    pub(crate) async fn enqueue_job(&self, tenant: TenantId, job: &crate::jobs::NewJob) -> Result<bool> {
        let mut tx = self.begin_write(tenant).await?;
        let made = insert_job(&mut tx, tenant, job).await?;
        tx.commit().await?;
        Ok(made)
    }

    /// Leases up to `limit` due jobs of any tenant to `owner` until `until`, counting an attempt
    /// for each. Jobs leased by a replica that stopped renewing are due again once its lease ends.
    pub(crate) async fn claim_jobs(
        &self,
        owner: &str,
        now: jiff::Timestamp,
        until: jiff::Timestamp,
        limit: i64,
    ) -> Result<Vec<crate::jobs::Job>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE jobs SET lease_owner = ");
        bind(&mut q, SqlValue::text(owner));
        q.push(", lease_until = ");
        bind(&mut q, SqlValue::Time(Some(until)));
        q.push(", attempts = attempts + 1 WHERE id IN (SELECT id FROM jobs WHERE run_at <= ");
        bind(&mut q, SqlValue::Time(Some(now)));
        q.push(" AND (lease_until IS NULL OR lease_until < ");
        bind(&mut q, SqlValue::Time(Some(now)));
        q.push(") ORDER BY run_at LIMIT ");
        bind(&mut q, SqlValue::Int(limit));
        q.push(SKIP_LOCKED).push(") RETURNING ").push(JOB_RETURNING);
        let mut tx = self.begin_queue().await?;
        let rows = q.build().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows.iter().map(job_from_row).collect::<Result<_, _>>()?)
    }

    /// Extends every lease `owner` holds to `until`.
    pub(crate) async fn renew_leases(&self, owner: &str, until: jiff::Timestamp) -> Result<u64> {
        let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE jobs SET lease_until = ");
        bind(&mut q, SqlValue::Time(Some(until)));
        q.push(" WHERE lease_owner = ");
        bind(&mut q, SqlValue::text(owner));
        let mut tx = self.begin_queue().await?;
        let renewed = q.build().execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(renewed)
    }

    /// Removes a finished job, if `owner` still holds it.
    pub(crate) async fn complete_job(&self, id: domain::id::JobId, owner: &str) -> Result<bool> {
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM jobs WHERE id = ");
        bind(&mut q, SqlValue::Uuid(Some(id.as_uuid())));
        q.push(" AND lease_owner = ");
        bind(&mut q, SqlValue::text(owner));
        let mut tx = self.begin_queue().await?;
        let done = q.build().execute(&mut *tx).await?.rows_affected() > 0;
        tx.commit().await?;
        Ok(done)
    }

    /// Releases a failed job to run again at `run_at`, if `owner` still holds it.
    pub(crate) async fn retry_job(&self, id: domain::id::JobId, owner: &str, run_at: jiff::Timestamp) -> Result<bool> {
        let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE jobs SET lease_owner = NULL, lease_until = NULL, run_at = ");
        bind(&mut q, SqlValue::Time(Some(run_at)));
        q.push(" WHERE id = ");
        bind(&mut q, SqlValue::Uuid(Some(id.as_uuid())));
        q.push(" AND lease_owner = ");
        bind(&mut q, SqlValue::text(owner));
        let mut tx = self.begin_queue().await?;
        let done = q.build().execute(&mut *tx).await?.rows_affected() > 0;
        tx.commit().await?;
        Ok(done)
    }

    /// Moves a job whose last attempt failed to the tenant's dead letters, if `owner` still
    /// holds it.
    pub(crate) async fn bury_job(&self, job: &crate::jobs::Job, owner: &str, error: &str) -> Result<bool> {
        let mut tx = self.begin_write(job.tenant).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM jobs WHERE id = ");
        bind(&mut q, SqlValue::Uuid(Some(job.id.as_uuid())));
        q.push(" AND lease_owner = ");
        bind(&mut q, SqlValue::text(owner));
        if q.build().execute(&mut *tx).await?.rows_affected() == 0 {
            return Ok(false);
        }
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO dead_letters (tenant_id, ");
        q.push(DEAD_LETTER_COLUMNS).push(") VALUES (");
        let error: String = error.chars().take(4000).collect();
        push_list(&mut q, [
            SqlValue::Uuid(Some(job.tenant.as_uuid())),
            SqlValue::Uuid(Some(job.id.as_uuid())),
            SqlValue::text(job.kind.as_str()),
            SqlValue::text(&job.subscriber),
            SqlValue::Uuid(Some(job.subject_id)),
            SqlValue::text(&job.dedupe_key),
            SqlValue::Int(i64::from(job.attempts)),
            SqlValue::Text(Some(error)),
            SqlValue::Time(Some(crate::store::now())),
            SqlValue::Time(None),
        ]);
        q.push(")");
        q.build().execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// One page of the tenant's dead letters, by id.
    pub(crate) async fn list_dead_letters(
        &self,
        tenant: TenantId,
        query: &ListQuery,
    ) -> Result<Page<domain::job::DeadLetter>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(DEAD_LETTER_COLUMNS).push(" FROM dead_letters");
        push_where(&mut q, tenant, query);
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        let items = rows.iter().map(dead_letter_from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetch(items, query.limit, |d| d.id.as_uuid()))
    }

    /// Enqueues a dead letter's job again (with fresh attempts) and marks it replayed.
    pub(crate) async fn replay_dead_letter(&self, w: &WriteCtx, id: domain::id::JobId) -> Result<domain::job::DeadLetter> {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(DEAD_LETTER_COLUMNS).push(" FROM dead_letters WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND id = ");
        bind(&mut q, SqlValue::Uuid(Some(id.as_uuid())));
        q.push(FOR_UPDATE);
        let row = q.build().fetch_optional(&mut *tx).await?;
        let Some(row) = row else {
            return Err(Error::NotFound { resource: "dead letter", id: id.to_string() });
        };
        let mut letter = dead_letter_from_row(&row)?;
        if letter.replayed_at.is_some() {
            return Err(Error::Conflict("this dead letter was already replayed".into()));
        }
        let job = crate::jobs::NewJob {
            kind: letter.kind,
            subscriber: letter.subscriber.clone(),
            subject_id: letter.subject_id,
            dedupe_key: letter.dedupe_key.clone(),
            max_attempts: domain::job::DEFAULT_MAX_ATTEMPTS,
            run_at: w.now,
        };
        if !insert_job(&mut tx, w.tenant, &job).await? {
            return Err(Error::Conflict("a job with the same key is already queued".into()));
        }
        letter.replayed_at = Some(w.now);
        let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE dead_letters SET replayed_at = ");
        bind(&mut q, SqlValue::Time(Some(w.now)));
        q.push(" WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND id = ");
        bind(&mut q, SqlValue::Uuid(Some(id.as_uuid())));
        q.build().execute(&mut *tx).await?;
        let event = domain::event::NewEvent::of(
            domain::event::ResourceKind::DeadLetter,
            domain::event::EventAction::Replayed,
            id.as_uuid(),
            &letter,
        );
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(letter)
    }

    /// Jobs other than schedule firings, across tenants: work the agents still have to do.
    pub(crate) async fn pending_work(&self) -> Result<i64> {
        let mut tx = self.begin_queue().await?;
        let row = sqlx::query("SELECT count(*) AS pending FROM jobs WHERE kind <> 'schedule'")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(col(&row, "pending")?)
    }

    /// Jobs waiting (due or not) and leased, across tenants, for metrics.
    pub(crate) async fn job_counts(&self) -> Result<(i64, i64)> {
        let mut tx = self.begin_queue().await?;
        let row = sqlx::query(
            "SELECT count(*) AS total, count(lease_owner) AS leased FROM jobs",
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((col(&row, "total")?, col(&row, "leased")?))
    }
}
