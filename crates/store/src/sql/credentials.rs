// Integration credentials: sealed secrets (the caller seals and opens them), one per tenant and
// integration. Reads of the list never select the sealed column; events name the integration
// only. Included by each backend module.

const CREDENTIAL_COLUMNS: &str = "id, integration, account, fingerprint, updated_by, updated_at";

fn credential_from_row(row: &DbRow) -> Result<domain::credential::CredentialInfo, sqlx::Error> {
    Ok(domain::credential::CredentialInfo {
        id: col_id(row, "id", domain::id::CredentialId::from_uuid)?,
        integration: col_parsed(row, "integration")?,
        account: col(row, "account")?,
        fingerprint: col(row, "fingerprint")?,
        updated_by: col_id_opt(row, "updated_by", domain::id::UserId::from_uuid)?,
        updated_at: col_time(row, "updated_at")?,
    })
}

impl Backend {
    /// Stores (or replaces) the sealed secret of an integration; the event names the integration
    /// and the fingerprint only.
    pub(crate) async fn put_credential(
        &self,
        w: &WriteCtx,
        integration: domain::credential::Integration,
        account: Option<&str>,
        sealed: &[u8],
        fingerprint: &str,
    ) -> Result<domain::credential::CredentialInfo> {
        let updated_by = match w.actor.principal {
            domain::actor::Principal::User { user_id } => Some(user_id),
            _ => None,
        };
        let info = domain::credential::CredentialInfo {
            id: domain::id::CredentialId::generate(),
            integration,
            account: account.map(str::to_owned),
            fingerprint: fingerprint.to_owned(),
            updated_by,
            updated_at: w.now,
        };
        let mut tx = self.begin_write(w.tenant).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM integration_credentials WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND integration = ");
        bind(&mut q, SqlValue::text(integration));
        let replaced = q.build().execute(&mut *tx).await?.rows_affected() > 0;
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO integration_credentials (tenant_id, id, integration, account, sealed, fingerprint, updated_by, updated_at) VALUES (",
        );
        push_list(&mut q, [
            SqlValue::Uuid(Some(w.tenant.as_uuid())),
            SqlValue::Uuid(Some(info.id.as_uuid())),
            SqlValue::text(integration),
            SqlValue::Text(info.account.clone()),
            SqlValue::Bytes(sealed.to_vec()),
            SqlValue::text(fingerprint),
            SqlValue::Uuid(updated_by.map(|u| u.as_uuid())),
            SqlValue::Time(Some(w.now)),
        ]);
        q.push(")");
        q.build().execute(&mut *tx).await?;
        let action = if replaced { domain::event::EventAction::Updated } else { domain::event::EventAction::Created };
        // Readers follow the event stream; they learn only which integration changed.
        let event = domain::event::NewEvent::of(domain::event::ResourceKind::Credential, action, info.id.as_uuid(), &serde_json::json!({"integration": integration}));
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(info)
    }

    /// What may be read of the tenant's credentials (never the secrets), by integration.
    pub(crate) async fn list_credentials(&self, tenant: TenantId) -> Result<Vec<domain::credential::CredentialInfo>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(CREDENTIAL_COLUMNS).push(" FROM integration_credentials WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" ORDER BY integration");
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        Ok(rows.iter().map(credential_from_row).collect::<Result<_, _>>()?)
    }

    /// The sealed secret of an integration, for the integration's client to open.
    pub(crate) async fn sealed_credential(&self, tenant: TenantId, integration: domain::credential::Integration) -> Result<Option<Vec<u8>>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT sealed FROM integration_credentials WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND integration = ");
        bind(&mut q, SqlValue::text(integration));
        let mut conn = self.begin_read(tenant).await?;
        let row = q.build().fetch_optional(&mut *conn).await?;
        end_read(conn).await?;
        Ok(row.map(|r| col(&r, "sealed")).transpose()?)
    }

    /// Removes an integration's credential; `NotFound` when it has none.
    pub(crate) async fn delete_credential(&self, w: &WriteCtx, integration: domain::credential::Integration) -> Result<()> {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(CREDENTIAL_COLUMNS).push(" FROM integration_credentials WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND integration = ");
        bind(&mut q, SqlValue::text(integration));
        let Some(row) = q.build().fetch_optional(&mut *tx).await? else {
            return Err(Error::NotFound { resource: "credential", id: integration.to_string() });
        };
        let info = credential_from_row(&row)?;
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM integration_credentials WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND integration = ");
        bind(&mut q, SqlValue::text(integration));
        q.build().execute(&mut *tx).await?;
        let event = domain::event::NewEvent::of(domain::event::ResourceKind::Credential, domain::event::EventAction::Deleted, info.id.as_uuid(), &serde_json::json!({"integration": info.integration}));
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(())
    }
}
