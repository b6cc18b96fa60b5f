// People signing in: passwords (argon2 PHC strings, hashed by the caller) and browser sessions.
// Included by each backend module.

impl Backend {
    /// Sets (or replaces) a user's password hash.
    pub(crate) async fn set_password(&self, w: &WriteCtx, user: domain::id::UserId, hash: &str) -> Result<()> {
        let mut tx = self.begin_write(w.tenant).await?;
        let references = Reference::id("user_id", "user", "users", Some(user.as_uuid()));
        check_references(&mut tx, w.tenant, references.into_iter().collect()).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM user_passwords WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND user_id = ");
        bind(&mut q, SqlValue::Uuid(Some(user.as_uuid())));
        q.build().execute(&mut *tx).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO user_passwords (tenant_id, user_id, password_hash, updated_at) VALUES (",
        );
        push_list(&mut q, [
            SqlValue::Uuid(Some(w.tenant.as_uuid())),
            SqlValue::Uuid(Some(user.as_uuid())),
            SqlValue::text(hash),
            SqlValue::Time(Some(w.now)),
        ]);
        q.push(")");
        q.build().execute(&mut *tx).await?;
        // Sessions signed in with the old password end with it.
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM web_sessions WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND user_id = ");
        bind(&mut q, SqlValue::Uuid(Some(user.as_uuid())));
        q.build().execute(&mut *tx).await?;
        let event = domain::event::NewEvent::of(
            domain::event::ResourceKind::User,
            domain::event::EventAction::Updated,
            user.as_uuid(),
            &serde_json::json!({"password": "changed"}),
        );
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A user's password hash, if they have one.
    pub(crate) async fn password_hash(&self, tenant: TenantId, user: domain::id::UserId) -> Result<Option<String>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT password_hash FROM user_passwords WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND user_id = ");
        bind(&mut q, SqlValue::Uuid(Some(user.as_uuid())));
        let mut conn = self.begin_read(tenant).await?;
        let row = q.build().fetch_optional(&mut *conn).await?;
        end_read(conn).await?;
        Ok(row.map(|r| col(&r, "password_hash")).transpose()?)
    }

    /// Stores a new session.
    pub(crate) async fn create_session(&self, w: &WriteCtx, session: &domain::session::WebSession) -> Result<()> {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO web_sessions (tenant_id, id, user_id, token_hash, csrf_token, created_at, expires_at) VALUES (",
        );
        push_list(&mut q, [
            SqlValue::Uuid(Some(w.tenant.as_uuid())),
            SqlValue::Uuid(Some(session.id.as_uuid())),
            SqlValue::Uuid(Some(session.user_id.as_uuid())),
            SqlValue::Bytes(session.token_hash.clone()),
            SqlValue::text(&session.csrf_token),
            SqlValue::Time(Some(session.created_at)),
            SqlValue::Time(Some(session.expires_at)),
        ]);
        q.push(")");
        q.build().execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The unexpired session with this token hash.
    pub(crate) async fn session(&self, tenant: TenantId, token_hash: &[u8]) -> Result<Option<domain::session::WebSession>> {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT id, user_id, token_hash, csrf_token, created_at, expires_at FROM web_sessions WHERE tenant_id = ",
        );
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND token_hash = ");
        bind(&mut q, SqlValue::Bytes(token_hash.to_vec()));
        q.push(" AND expires_at > ");
        bind(&mut q, SqlValue::Time(Some(crate::now())));
        let mut conn = self.begin_read(tenant).await?;
        let row = q.build().fetch_optional(&mut *conn).await?;
        end_read(conn).await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(domain::session::WebSession {
            id: col_id(&row, "id", domain::id::SessionId::from_uuid)?,
            user_id: col_id(&row, "user_id", domain::id::UserId::from_uuid)?,
            token_hash: col(&row, "token_hash")?,
            csrf_token: col(&row, "csrf_token")?,
            created_at: col_time(&row, "created_at")?,
            expires_at: col_time(&row, "expires_at")?,
        }))
    }

    /// Ends a session (signing out); also removes the tenant's expired ones.
    pub(crate) async fn delete_session(&self, w: &WriteCtx, token_hash: &[u8]) -> Result<()> {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM web_sessions WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND (token_hash = ");
        bind(&mut q, SqlValue::Bytes(token_hash.to_vec()));
        q.push(" OR expires_at <= ");
        bind(&mut q, SqlValue::Time(Some(w.now)));
        q.push(")");
        q.build().execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
