// The product catalog: price-book entries and discount bands. Included by each backend module.

const PRICE_COLUMNS: &str = "id, product_id, sku, name, region, currency, list_price, unit, updated_at";
const BAND_COLUMNS: &str = "id, product_id, region, up_to_percent, approval";

fn price_from_row(row: &DbRow) -> Result<domain::catalog::PriceEntry, sqlx::Error> {
    let region: String = col(row, "region")?;
    Ok(domain::catalog::PriceEntry {
        id: col_id(row, "id", domain::id::PriceEntryId::from_uuid)?,
        product_id: col_id(row, "product_id", domain::id::ProductId::from_uuid)?,
        sku: col(row, "sku")?,
        name: col(row, "name")?,
        region: domain::region::RegionCode::parse(&region).map_err(|e| decode_error("region", e))?,
        currency: col_parsed(row, "currency")?,
        list_price: col_parsed(row, "list_price")?,
        unit: col_parsed(row, "unit")?,
        updated_at: col_time(row, "updated_at")?,
    })
}

fn band_from_row(row: &DbRow) -> Result<domain::catalog::DiscountBand, sqlx::Error> {
    let region: Option<String> = col(row, "region")?;
    Ok(domain::catalog::DiscountBand {
        id: col_id(row, "id", domain::id::DiscountBandId::from_uuid)?,
        product_id: col_id_opt(row, "product_id", domain::id::ProductId::from_uuid)?,
        region: region
            .map(|r| domain::region::RegionCode::parse(&r).map_err(|e| decode_error("region", e)))
            .transpose()?,
        up_to_percent: col_parsed(row, "up_to_percent")?,
        approval: col_parsed(row, "approval")?,
    })
}

fn catalog_event(w: &WriteCtx, action: domain::event::EventAction, what: &serde_json::Value) -> domain::event::NewEvent {
    domain::event::NewEvent::of(domain::event::ResourceKind::Catalog, action, w.tenant.as_uuid(), what)
}

impl Backend {
    /// Stores price-book entries, each replacing the entry of the same SKU, region and currency;
    /// all or nothing. Returns the entries as stored and how many were new.
    pub(crate) async fn put_prices(
        &self,
        w: &WriteCtx,
        entries: &[domain::catalog::PriceEntry],
    ) -> Result<(Vec<domain::catalog::PriceEntry>, usize)> {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut stored = Vec::with_capacity(entries.len());
        let mut created = 0;
        for entry in entries {
            let references = Reference::id("product_id", "product", "products", Some(entry.product_id.as_uuid()));
            check_references(&mut tx, w.tenant, references.into_iter().collect()).await?;
            let mut q = sqlx::QueryBuilder::<Db>::new("SELECT id FROM catalog_prices WHERE tenant_id = ");
            bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
            q.push(" AND sku = ");
            bind(&mut q, SqlValue::text(&entry.sku));
            q.push(" AND region = ");
            bind(&mut q, SqlValue::text(entry.region.as_str()));
            q.push(" AND currency = ");
            bind(&mut q, SqlValue::text(entry.currency.code()));
            let existing = q.build().fetch_optional(&mut *tx).await?;
            let mut entry = entry.clone();
            match existing {
                Some(row) => {
                    entry.id = col_id(&row, "id", domain::id::PriceEntryId::from_uuid)?;
                    let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE catalog_prices SET product_id = ");
                    bind(&mut q, SqlValue::Uuid(Some(entry.product_id.as_uuid())));
                    q.push(", name = ");
                    bind(&mut q, SqlValue::text(&entry.name));
                    q.push(", list_price = ");
                    bind(&mut q, SqlValue::text(entry.list_price));
                    q.push(", unit = ");
                    bind(&mut q, SqlValue::text(entry.unit));
                    q.push(", updated_at = ");
                    bind(&mut q, SqlValue::Time(Some(entry.updated_at)));
                    q.push(" WHERE tenant_id = ");
                    bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
                    q.push(" AND id = ");
                    bind(&mut q, SqlValue::Uuid(Some(entry.id.as_uuid())));
                    q.build().execute(&mut *tx).await?;
                }
                None => {
                    let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO catalog_prices (tenant_id, ");
                    q.push(PRICE_COLUMNS).push(") VALUES (");
                    push_list(&mut q, [
                        SqlValue::Uuid(Some(w.tenant.as_uuid())),
                        SqlValue::Uuid(Some(entry.id.as_uuid())),
                        SqlValue::Uuid(Some(entry.product_id.as_uuid())),
                        SqlValue::text(&entry.sku),
                        SqlValue::text(&entry.name),
                        SqlValue::text(entry.region.as_str()),
                        SqlValue::text(entry.currency.code()),
                        SqlValue::text(entry.list_price),
                        SqlValue::text(entry.unit),
                        SqlValue::Time(Some(entry.updated_at)),
                    ]);
                    q.push(")");
                    q.build().execute(&mut *tx).await?;
                    created += 1;
                }
            }
            stored.push(entry);
        }
        let summary = serde_json::json!({"prices": stored.len(), "created": created});
        append_event(&mut tx, w, catalog_event(w, domain::event::EventAction::Updated, &summary)).await?;
        tx.commit().await?;
        Ok((stored, created))
    }

    /// One page of the price book.
    pub(crate) async fn list_prices(&self, tenant: TenantId, query: &ListQuery) -> Result<Page<domain::catalog::PriceEntry>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(PRICE_COLUMNS).push(" FROM catalog_prices");
        push_where(&mut q, tenant, query);
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        let items = rows.iter().map(price_from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetch(items, query.limit, |p| p.id.as_uuid()))
    }

    /// Removes a price-book entry.
    pub(crate) async fn delete_price(&self, w: &WriteCtx, id: domain::id::PriceEntryId) -> Result<()> {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM catalog_prices WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND id = ");
        bind(&mut q, SqlValue::Uuid(Some(id.as_uuid())));
        if q.build().execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(Error::NotFound { resource: "price entry", id: id.to_string() });
        }
        let summary = serde_json::json!({"deleted_price": id});
        append_event(&mut tx, w, catalog_event(w, domain::event::EventAction::Updated, &summary)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the tenant's discount bands with these, all or nothing.
    pub(crate) async fn replace_discount_bands(
        &self,
        w: &WriteCtx,
        bands: &[domain::catalog::DiscountBand],
    ) -> Result<()> {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM catalog_discount_bands WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.build().execute(&mut *tx).await?;
        for band in bands {
            if let Some(product) = band.product_id {
                let references = Reference::id("product_id", "product", "products", Some(product.as_uuid()));
                check_references(&mut tx, w.tenant, references.into_iter().collect()).await?;
            }
            let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO catalog_discount_bands (tenant_id, ");
            q.push(BAND_COLUMNS).push(") VALUES (");
            push_list(&mut q, [
                SqlValue::Uuid(Some(w.tenant.as_uuid())),
                SqlValue::Uuid(Some(band.id.as_uuid())),
                SqlValue::Uuid(band.product_id.map(|p| p.as_uuid())),
                SqlValue::Text(band.region.as_ref().map(|r| r.as_str().to_owned())),
                SqlValue::text(band.up_to_percent),
                SqlValue::text(band.approval),
            ]);
            q.push(")");
            q.build().execute(&mut *tx).await?;
        }
        let summary = serde_json::json!({"discount_bands": bands.len()});
        append_event(&mut tx, w, catalog_event(w, domain::event::EventAction::Updated, &summary)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The tenant's discount bands.
    pub(crate) async fn discount_bands(&self, tenant: TenantId) -> Result<Vec<domain::catalog::DiscountBand>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(BAND_COLUMNS).push(" FROM catalog_discount_bands WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" ORDER BY id");
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        Ok(rows.iter().map(band_from_row).collect::<Result<_, _>>()?)
    }
}
