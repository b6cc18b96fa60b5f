// Generic create / read / list / update / delete for every [`Resource`], with the event appended
// in the same transaction. Included by each backend module, where `Db`, `Backend`, `bind` and
// `FOR_UPDATE` name that backend's types and dialect.

type Conn = <Db as sqlx::Database>::Connection;

/// Appends a typed event to the tenant's log (inside the caller's transaction).
async fn append_event(conn: &mut Conn, w: &WriteCtx, event: domain::event::NewEvent) -> Result<()> {
    let id = domain::id::EventId::generate().as_uuid();
    let kind = event.kind();
    let mut q = sqlx::QueryBuilder::<Db>::new(
        "INSERT INTO events (tenant_id, id, kind, resource, action, subject_id, payload, actor_kind, \
         actor_id, api_key_id, request_id, occurred_at) VALUES (",
    );
    let values = [
        SqlValue::Uuid(Some(w.tenant.as_uuid())),
        SqlValue::Uuid(Some(id)),
        SqlValue::text(&kind),
        SqlValue::text(event.resource),
        SqlValue::text(event.action),
        SqlValue::Uuid(Some(event.subject_id)),
        SqlValue::Json(event.payload),
        SqlValue::text(w.actor.kind_str()),
        SqlValue::Uuid(w.actor.principal_id()),
        SqlValue::Uuid(w.actor.api_key_id.map(|k| k.as_uuid())),
        SqlValue::Text(w.request_id.clone()),
        SqlValue::Time(Some(w.now)),
    ];
    push_list(&mut q, values);
    q.push(")");
    q.build().execute(&mut *conn).await?;
    enqueue_subscribers(conn, w.tenant, id, &kind, w.now).await?;
    Ok(())
}

/// Pushes `v1, v2, ...` as bound parameters.
fn push_list(q: &mut sqlx::QueryBuilder<Db>, values: impl IntoIterator<Item = SqlValue>) {
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        bind(q, v);
    }
}

/// Checks that each reference names an object of this tenant.
async fn check_references(conn: &mut Conn, tenant: TenantId, refs: Vec<Reference>) -> Result<()> {
    for r in refs {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT 1 FROM ");
        q.push(r.table).push(" WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND ").push(r.column).push(" = ");
        let shown = match &r.value {
            SqlValue::Uuid(Some(u)) => u.to_string(),
            SqlValue::Text(Some(t)) => t.clone(),
            other => format!("{other:?}"),
        };
        bind(&mut q, r.value);
        if q.build().fetch_optional(&mut *conn).await?.is_none() {
            return Err(Error::UnknownReference { field: r.field, resource: r.resource, id: shown });
        }
    }
    Ok(())
}

/// Replaces the link-table rows owned by `rec`.
async fn write_links<R: Resource>(conn: &mut Conn, tenant: TenantId, rec: &R, replace: bool) -> Result<()> {
    let Some(links) = rec.links() else { return Ok(()) };
    if replace {
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM ");
        q.push(links.table).push(" WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND ").push(links.owner_column).push(" = ");
        bind(&mut q, SqlValue::Uuid(Some(rec.id())));
        q.build().execute(&mut *conn).await?;
    }
    for value in links.values {
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO ");
        q.push(links.table)
            .push(" (tenant_id, ")
            .push(links.owner_column)
            .push(", ")
            .push(links.value_column)
            .push(") VALUES (");
        push_list(&mut q, [SqlValue::Uuid(Some(tenant.as_uuid())), SqlValue::Uuid(Some(rec.id())), value]);
        q.push(")");
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_row<R: Resource>(conn: &mut Conn, tenant: TenantId, rec: &R) -> Result<()> {
    let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO ");
    q.push(R::TABLE).push(" (tenant_id, ").push(R::COLUMNS.join(", ")).push(") VALUES (");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(", ");
    push_list(&mut q, rec.values());
    q.push(")");
    q.build().execute(&mut *conn).await?;
    Ok(())
}

/// Loads one object of the tenant, optionally locking it for the rest of the transaction.
async fn fetch_row<R: Resource>(conn: &mut Conn, tenant: TenantId, id: Uuid, lock: bool) -> Result<R> {
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
    q.push(R::COLUMNS.join(", ")).push(" FROM ").push(R::TABLE).push(" WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(" AND id = ");
    bind(&mut q, SqlValue::Uuid(Some(id)));
    if lock {
        q.push(FOR_UPDATE);
    }
    let row = q.build().fetch_optional(&mut *conn).await?;
    let row = row.ok_or_else(|| Error::not_found(R::NAME, id))?;
    Ok(<R as StoredRow>::from_row(&row)?)
}

/// Writes every column of `rec` over its stored row, if that row still has `old_version`.
async fn update_row<R: Resource>(conn: &mut Conn, tenant: TenantId, rec: &R, old_version: Option<i64>) -> Result<()> {
    let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE ");
    q.push(R::TABLE).push(" SET ");
    for (i, (column, value)) in R::COLUMNS.iter().zip(rec.values()).enumerate().skip(1) {
        if i > 1 {
            q.push(", ");
        }
        q.push(*column).push(" = ");
        bind(&mut q, value);
    }
    q.push(" WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(" AND id = ");
    bind(&mut q, SqlValue::Uuid(Some(rec.id())));
    if let Some(v) = old_version {
        q.push(" AND version = ");
        bind(&mut q, SqlValue::Int(v));
    }
    let done = q.build().execute(&mut *conn).await?;
    if done.rows_affected() != 1 {
        return Err(Error::Conflict(format!("{} {} changed during the update; retry", R::NAME, rec.id())));
    }
    Ok(())
}

fn check_version<R: Resource>(rec: &R, expected: Option<i64>) -> Result<()> {
    match (expected, rec.version()) {
        (Some(want), Some(have)) if want != have => {
            Err(Error::VersionMismatch { resource: R::NAME, id: rec.id().to_string(), current: have })
        }
        _ => Ok(()),
    }
}

/// Field-by-field differences between two JSON snapshots, for the audit payload.
fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> serde_json::Value {
    let mut changes = serde_json::Map::new();
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (key, new) in a {
            if matches!(key.as_str(), "version" | "updated_at") {
                continue;
            }
            let old = b.get(key).unwrap_or(&serde_json::Value::Null);
            if old != new {
                changes.insert(key.clone(), serde_json::json!({ "from": old, "to": new }));
            }
        }
    }
    serde_json::Value::Object(changes)
}

async fn stored_response(conn: &mut Conn, tenant: TenantId, key: &str) -> Result<Option<StoredResponse>> {
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT fingerprint, status, body FROM idempotency_keys WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(" AND key = ");
    bind(&mut q, SqlValue::text(key));
    let Some(row) = q.build().fetch_optional(&mut *conn).await? else { return Ok(None) };
    let status: i32 = col(&row, "status")?;
    Ok(Some(StoredResponse {
        fingerprint: col(&row, "fingerprint")?,
        status: u16::try_from(status).unwrap_or(200),
        body: col(&row, "body")?,
    }))
}

fn replay_or_mismatch(stored: StoredResponse, idem: &Idempotency) -> Result<StoredResponse> {
    if stored.fingerprint == idem.fingerprint {
        Ok(stored)
    } else {
        Err(Error::IdempotencyMismatch(idem.key.clone()))
    }
}

impl Backend {
    /// Inserts a new object, its links and its `created` event; replays a stored response when the
    /// idempotency key was seen before.
    pub(crate) async fn create<R: Resource>(
        &self,
        w: &WriteCtx,
        rec: &R,
        idem: Option<&Idempotency>,
    ) -> Result<Option<StoredResponse>> {
        let mut tx = self.begin_write(w.tenant).await?;
        if let Some(idem) = idem {
            if let Some(stored) = stored_response(&mut tx, w.tenant, &idem.key).await? {
                return replay_or_mismatch(stored, idem).map(Some);
            }
            // Claim the key first: a concurrent request with the same key waits on it here, then
            // replays this one's response instead of racing on the object's own unique values.
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO idempotency_keys (tenant_id, key, fingerprint, status, body, created_at) VALUES (",
            );
            push_list(&mut q, [
                SqlValue::Uuid(Some(w.tenant.as_uuid())),
                SqlValue::text(&idem.key),
                SqlValue::Bytes(idem.fingerprint.clone()),
                SqlValue::Int(i64::from(idem.status)),
                SqlValue::text(&idem.body),
                SqlValue::Time(Some(w.now)),
            ]);
            q.push(")");
            if let Err(err) = q.build().execute(&mut *tx).await {
                drop(tx);
                let is_duplicate = matches!(&err, sqlx::Error::Database(db) if db.is_unique_violation());
                if !is_duplicate {
                    return Err(err.into());
                }
                let mut tx = self.begin_read(w.tenant).await?;
                let stored = stored_response(&mut tx, w.tenant, &idem.key).await?;
                end_read(tx).await?;
                let stored = stored.ok_or_else(|| Error::Internal("idempotency record vanished".into()))?;
                return replay_or_mismatch(stored, idem).map(Some);
            }
        }
        check_references(&mut tx, w.tenant, rec.references()).await?;
        insert_row(&mut tx, w.tenant, rec).await?;
        write_links(&mut tx, w.tenant, rec, false).await?;
        let event = domain::event::NewEvent::of(R::KIND, domain::event::EventAction::Created, rec.id(), rec);
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(None)
    }

    /// Loads one object of the tenant.
    pub(crate) async fn get<R: Resource>(&self, tenant: TenantId, id: Uuid) -> Result<R> {
        let mut tx = self.begin_read(tenant).await?;
        let rec = fetch_row::<R>(&mut tx, tenant, id, false).await?;
        end_read(tx).await?;
        Ok(rec)
    }

    /// One page of the tenant's objects matching the query.
    pub(crate) async fn list<R: Resource>(&self, tenant: TenantId, query: &ListQuery) -> Result<Page<R>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(R::COLUMNS.join(", ")).push(" FROM ").push(R::TABLE);
        push_where(&mut q, tenant, query);
        let mut tx = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *tx).await?;
        end_read(tx).await?;
        let items = rows.iter().map(<R as StoredRow>::from_row).collect::<Result<Vec<R>, _>>()?;
        Ok(Page::from_overfetch(items, query.limit, R::id))
    }

    /// Loads, changes (through `apply`) and stores one object, appending an `updated` event with
    /// the changed fields. `expected_version` guards against lost updates.
    pub(crate) async fn update<R, F>(&self, w: &WriteCtx, id: Uuid, expected_version: Option<i64>, apply: F) -> Result<R>
    where
        R: Resource,
        F: FnOnce(&mut R) -> domain::Result<()> + Send,
    {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut rec = fetch_row::<R>(&mut tx, w.tenant, id, true).await?;
        check_version(&rec, expected_version)?;
        let old_version = rec.version();
        let before = serde_json::to_value(&rec).unwrap_or_default();
        apply(&mut rec)?;
        rec.touch(w.now);
        check_references(&mut tx, w.tenant, rec.references()).await?;
        update_row(&mut tx, w.tenant, &rec, old_version).await?;
        write_links(&mut tx, w.tenant, &rec, true).await?;
        let after = serde_json::to_value(&rec).unwrap_or_default();
        let payload = serde_json::json!({ "changes": changed_fields(&before, &after), "after": after });
        let event = domain::event::NewEvent {
            resource: R::KIND,
            action: domain::event::EventAction::Updated,
            subject_id: id,
            payload,
        };
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Deletes one object, appending a `deleted` event with its last state. Objects still in use
    /// are refused with a conflict.
    pub(crate) async fn delete<R: Resource>(&self, w: &WriteCtx, id: Uuid, expected_version: Option<i64>) -> Result<()> {
        let mut tx = self.begin_write(w.tenant).await?;
        let rec = fetch_row::<R>(&mut tx, w.tenant, id, true).await?;
        check_version(&rec, expected_version)?;
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM ");
        q.push(R::TABLE).push(" WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND id = ");
        bind(&mut q, SqlValue::Uuid(Some(id)));
        q.build().execute(&mut *tx).await.map_err(|e| match Error::from(e) {
            Error::Conflict(_) => Error::Conflict(format!(
                "{} {id} is still referenced by other objects; remove or reassign them first",
                R::NAME
            )),
            other => other,
        })?;
        let event = domain::event::NewEvent::of(R::KIND, domain::event::EventAction::Deleted, id, &rec);
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// ` WHERE tenant_id = .. AND <filters> AND id >/< cursor ORDER BY id LIMIT n+1`
fn push_where(q: &mut sqlx::QueryBuilder<Db>, tenant: TenantId, query: &ListQuery) {
    q.push(" WHERE tenant_id = ");
    bind(q, SqlValue::Uuid(Some(tenant.as_uuid())));
    for filter in &query.filters {
        q.push(" AND ");
        match filter {
            Filter::Eq(column, value) => {
                q.push(*column).push(" = ");
                bind(q, value.clone());
            }
            Filter::AtLeast(column, value) => {
                q.push(*column).push(" >= ");
                bind(q, value.clone());
            }
            Filter::Before(column, value) => {
                q.push(*column).push(" < ");
                bind(q, value.clone());
            }
            Filter::IsNull(column) => {
                q.push(*column).push(" IS NULL");
            }
            Filter::NotNull(column) => {
                q.push(*column).push(" IS NOT NULL");
            }
            Filter::Contains(column, needle) => {
                q.push(*column).push(" LIKE ");
                bind(q, SqlValue::Text(Some(like_pattern(needle))));
                q.push(" ESCAPE '\\'");
            }
            Filter::Linked { table, owner_column, value_column, values } => {
                q.push("id IN (SELECT ").push(*owner_column).push(" FROM ").push(*table);
                q.push(" WHERE tenant_id = ");
                bind(q, SqlValue::Uuid(Some(tenant.as_uuid())));
                q.push(" AND ").push(*value_column).push(" IN (");
                if values.is_empty() {
                    q.push("NULL");
                }
                push_list(q, values.iter().cloned());
                q.push("))");
            }
        }
    }
    let descending = query.order == Order::Descending;
    if let Some(after) = query.after {
        q.push(if descending { " AND id < " } else { " AND id > " });
        bind(q, SqlValue::Uuid(Some(after)));
    }
    q.push(if descending { " ORDER BY id DESC LIMIT " } else { " ORDER BY id LIMIT " });
    // The limit is a number we validated, written inline: SQLite re-prepares a statement whenever
    // a bound LIMIT is re-bound, which costs more than the query itself.
    q.push(u64::from(query.limit) + 1);
}
