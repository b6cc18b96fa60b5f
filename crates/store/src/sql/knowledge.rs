// The knowledge base: documents, chunks and the per-tenant generation that orders changes.
// Included by each backend module.

const DOCUMENT_COLUMNS: &str = "id, source, title, kind, product_id, regions, content_hash, size_bytes, \
     chunk_count, generation, created_at, updated_at";
const CHUNK_COLUMNS: &str = "id, document_id, ordinal, section, text, start_offset, end_offset";

fn document_from_row(row: &DbRow) -> Result<domain::knowledge::Document, sqlx::Error> {
    let regions: Vec<String> = col_json(row, "regions")?;
    Ok(domain::knowledge::Document {
        id: col_id(row, "id", domain::id::DocumentId::from_uuid)?,
        source: col(row, "source")?,
        title: col(row, "title")?,
        kind: col_parsed(row, "kind")?,
        product_id: col_id_opt(row, "product_id", domain::id::ProductId::from_uuid)?,
        regions: regions
            .iter()
            .map(|r| domain::region::RegionCode::parse(r).map_err(|e| decode_error("regions", e)))
            .collect::<Result<_, _>>()?,
        content_hash: col(row, "content_hash")?,
        size_bytes: col(row, "size_bytes")?,
        chunk_count: col_i32(row, "chunk_count")?,
        generation: col(row, "generation")?,
        created_at: col_time(row, "created_at")?,
        updated_at: col_time(row, "updated_at")?,
    })
}

fn chunk_from_row(row: &DbRow) -> Result<domain::knowledge::DocumentChunk, sqlx::Error> {
    Ok(domain::knowledge::DocumentChunk {
        id: col_id(row, "id", domain::id::ChunkId::from_uuid)?,
        document_id: col_id(row, "document_id", domain::id::DocumentId::from_uuid)?,
        ordinal: col_i32(row, "ordinal")?,
        section: col_json(row, "section")?,
        text: col(row, "text")?,
        start_offset: col_i32(row, "start_offset")?,
        end_offset: col_i32(row, "end_offset")?,
    })
}

/// Bumps the tenant's knowledge generation. The row stays locked until commit, so generations
/// follow commit order and an index that has applied generation `g` has seen every change up to it.
async fn next_generation(conn: &mut Conn, tenant: TenantId) -> Result<i64> {
    let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO knowledge_state (tenant_id, generation) VALUES (");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(", 1) ON CONFLICT (tenant_id) DO UPDATE SET generation = knowledge_state.generation + 1 RETURNING generation");
    let row = q.build().fetch_one(&mut *conn).await?;
    Ok(col(&row, "generation")?)
}

async fn insert_chunks(
    conn: &mut Conn,
    tenant: TenantId,
    document: domain::id::DocumentId,
    chunks: &[domain::knowledge::DocumentChunk],
) -> Result<()> {
    for chunk in chunks {
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO knowledge_chunks (tenant_id, ");
        q.push(CHUNK_COLUMNS).push(") VALUES (");
        push_list(&mut q, [
            SqlValue::Uuid(Some(tenant.as_uuid())),
            SqlValue::Uuid(Some(chunk.id.as_uuid())),
            SqlValue::Uuid(Some(document.as_uuid())),
            SqlValue::Int(i64::from(chunk.ordinal)),
            SqlValue::json(&chunk.section),
            SqlValue::text(&chunk.text),
            SqlValue::Int(i64::from(chunk.start_offset)),
            SqlValue::Int(i64::from(chunk.end_offset)),
        ]);
        q.push(")");
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn delete_chunks(conn: &mut Conn, tenant: TenantId, document: domain::id::DocumentId) -> Result<()> {
    let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM knowledge_vectors WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(" AND document_id = ");
    bind(&mut q, SqlValue::Uuid(Some(document.as_uuid())));
    q.build().execute(&mut *conn).await?;
    let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM knowledge_chunks WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(" AND document_id = ");
    bind(&mut q, SqlValue::Uuid(Some(document.as_uuid())));
    q.build().execute(&mut *conn).await?;
    Ok(())
}

async fn live_document(
    conn: &mut Conn,
    tenant: TenantId,
    key: (&str, SqlValue),
    lock: bool,
) -> Result<Option<domain::knowledge::Document>> {
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
    q.push(DOCUMENT_COLUMNS).push(" FROM knowledge_documents WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(" AND deleted_at IS NULL AND ").push(key.0).push(" = ");
    bind(&mut q, key.1);
    if lock {
        q.push(FOR_UPDATE);
    }
    let row = q.build().fetch_optional(&mut *conn).await?;
    Ok(row.as_ref().map(document_from_row).transpose()?)
}

fn regions_json(document: &domain::knowledge::Document) -> SqlValue {
    let regions: Vec<&str> = document.regions.iter().map(|r| r.as_str()).collect();
    SqlValue::json(&regions)
}

impl Backend {
    /// Stores a document and its chunks: nothing when the same source already holds the same
    /// content and scope, a replacement when it holds something else, a new document otherwise.
    pub(crate) async fn put_document(
        &self,
        w: &WriteCtx,
        document: &domain::knowledge::Document,
        chunks: &[domain::knowledge::DocumentChunk],
    ) -> Result<crate::knowledge::PutDocument> {
        use crate::knowledge::PutDocument;
        let mut tx = self.begin_write(w.tenant).await?;
        let existing = live_document(&mut tx, w.tenant, ("source", SqlValue::text(&document.source)), true).await?;
        if let Some(existing) = &existing {
            let same = existing.content_hash == document.content_hash
                && existing.title == document.title
                && existing.kind == document.kind
                && existing.product_id == document.product_id
                && existing.regions == document.regions;
            if same {
                return Ok(PutDocument::Unchanged(existing.clone()));
            }
        }
        if let Some(product) = document.product_id {
            let references = Reference::id("product_id", "product", "products", Some(product.as_uuid()));
            check_references(&mut tx, w.tenant, references.into_iter().collect()).await?;
        }
        let generation = next_generation(&mut tx, w.tenant).await?;
        let mut stored = document.clone();
        stored.generation = generation;
        stored.chunk_count = i32::try_from(chunks.len()).unwrap_or(i32::MAX);
        let outcome = match existing {
            Some(existing) => {
                stored.id = existing.id;
                stored.created_at = existing.created_at;
                delete_chunks(&mut tx, w.tenant, existing.id).await?;
                let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE knowledge_documents SET title = ");
                bind(&mut q, SqlValue::text(&stored.title));
                q.push(", kind = ");
                bind(&mut q, SqlValue::text(stored.kind));
                q.push(", product_id = ");
                bind(&mut q, SqlValue::Uuid(stored.product_id.map(|p| p.as_uuid())));
                q.push(", regions = ");
                bind(&mut q, regions_json(&stored));
                q.push(", content_hash = ");
                bind(&mut q, SqlValue::text(&stored.content_hash));
                q.push(", size_bytes = ");
                bind(&mut q, SqlValue::Int(stored.size_bytes));
                q.push(", chunk_count = ");
                bind(&mut q, SqlValue::Int(i64::from(stored.chunk_count)));
                q.push(", generation = ");
                bind(&mut q, SqlValue::Int(generation));
                q.push(", updated_at = ");
                bind(&mut q, SqlValue::Time(Some(stored.updated_at)));
                q.push(" WHERE tenant_id = ");
                bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
                q.push(" AND id = ");
                bind(&mut q, SqlValue::Uuid(Some(stored.id.as_uuid())));
                q.build().execute(&mut *tx).await?;
                PutDocument::Replaced(stored.clone())
            }
            None => {
                let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO knowledge_documents (tenant_id, ");
                q.push(DOCUMENT_COLUMNS).push(") VALUES (");
                push_list(&mut q, [
                    SqlValue::Uuid(Some(w.tenant.as_uuid())),
                    SqlValue::Uuid(Some(stored.id.as_uuid())),
                    SqlValue::text(&stored.source),
                    SqlValue::text(&stored.title),
                    SqlValue::text(stored.kind),
                    SqlValue::Uuid(stored.product_id.map(|p| p.as_uuid())),
                    regions_json(&stored),
                    SqlValue::text(&stored.content_hash),
                    SqlValue::Int(stored.size_bytes),
                    SqlValue::Int(i64::from(stored.chunk_count)),
                    SqlValue::Int(generation),
                    SqlValue::Time(Some(stored.created_at)),
                    SqlValue::Time(Some(stored.updated_at)),
                ]);
                q.push(")");
                q.build().execute(&mut *tx).await?;
                PutDocument::Created(stored.clone())
            }
        };
        insert_chunks(&mut tx, w.tenant, stored.id, chunks).await?;
        let action = match outcome {
            PutDocument::Created(_) => domain::event::EventAction::Created,
            _ => domain::event::EventAction::Updated,
        };
        let event = domain::event::NewEvent::of(domain::event::ResourceKind::Document, action, stored.id.as_uuid(), &stored);
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Removes a document and its chunks (the row stays as a tombstone for index catch-up).
    pub(crate) async fn delete_document(&self, w: &WriteCtx, id: domain::id::DocumentId) -> Result<domain::knowledge::Document> {
        let mut tx = self.begin_write(w.tenant).await?;
        let Some(mut document) = live_document(&mut tx, w.tenant, ("id", SqlValue::Uuid(Some(id.as_uuid()))), true).await? else {
            return Err(Error::NotFound { resource: "document", id: id.to_string() });
        };
        let generation = next_generation(&mut tx, w.tenant).await?;
        delete_chunks(&mut tx, w.tenant, id).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE knowledge_documents SET deleted_at = ");
        bind(&mut q, SqlValue::Time(Some(w.now)));
        q.push(", generation = ");
        bind(&mut q, SqlValue::Int(generation));
        q.push(" WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND id = ");
        bind(&mut q, SqlValue::Uuid(Some(id.as_uuid())));
        q.build().execute(&mut *tx).await?;
        document.generation = generation;
        let event = domain::event::NewEvent::of(domain::event::ResourceKind::Document, domain::event::EventAction::Deleted, id.as_uuid(), &document);
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(document)
    }

    /// One live document.
    pub(crate) async fn document(&self, tenant: TenantId, id: domain::id::DocumentId) -> Result<domain::knowledge::Document> {
        let mut conn = self.begin_read(tenant).await?;
        let found = live_document(&mut conn, tenant, ("id", SqlValue::Uuid(Some(id.as_uuid()))), false).await?;
        end_read(conn).await?;
        found.ok_or_else(|| Error::NotFound { resource: "document", id: id.to_string() })
    }

    /// One page of live documents.
    pub(crate) async fn list_documents(&self, tenant: TenantId, query: &ListQuery) -> Result<Page<domain::knowledge::Document>> {
        let mut query = query.clone();
        query.filters.push(Filter::IsNull("deleted_at"));
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(DOCUMENT_COLUMNS).push(" FROM knowledge_documents");
        push_where(&mut q, tenant, &query);
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        let items = rows.iter().map(document_from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetch(items, query.limit, |d| d.id.as_uuid()))
    }

    /// The chunks of a live document, in order.
    pub(crate) async fn document_chunks(&self, tenant: TenantId, id: domain::id::DocumentId) -> Result<Vec<domain::knowledge::DocumentChunk>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(CHUNK_COLUMNS).push(" FROM knowledge_chunks WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND document_id = ");
        bind(&mut q, SqlValue::Uuid(Some(id.as_uuid())));
        q.push(" ORDER BY ordinal");
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        Ok(rows.iter().map(chunk_from_row).collect::<Result<_, _>>()?)
    }

    /// The tenant's knowledge generation and the documents changed after `since`, oldest first.
    pub(crate) async fn knowledge_changes(&self, tenant: TenantId, since: i64) -> Result<(i64, Vec<domain::knowledge::DocumentChange>)> {
        let mut conn = self.begin_read(tenant).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT generation FROM knowledge_state WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        let current: i64 = match q.build().fetch_optional(&mut *conn).await? {
            Some(row) => col(&row, "generation")?,
            None => 0,
        };
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT id, generation, deleted_at IS NOT NULL AS deleted FROM knowledge_documents WHERE tenant_id = ",
        );
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND generation > ");
        bind(&mut q, SqlValue::Int(since));
        q.push(" AND generation <= ");
        bind(&mut q, SqlValue::Int(current));
        q.push(" ORDER BY generation");
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        let changes = rows
            .iter()
            .map(|row| {
                Ok(domain::knowledge::DocumentChange {
                    document_id: col_id(row, "id", domain::id::DocumentId::from_uuid)?,
                    generation: col(row, "generation")?,
                    deleted: col(row, "deleted")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok((current, changes))
    }

    /// Stores chunk vectors of a live document for `model`, skipping chunks that are gone or
    /// already have one, and bumps the document's generation so indexes load them. Returns how
    /// many were stored (0 when the document was deleted or replaced meanwhile).
    pub(crate) async fn put_vectors(
        &self,
        tenant: TenantId,
        document: domain::id::DocumentId,
        model: &str,
        vectors: &[(domain::id::ChunkId, Vec<f32>)],
    ) -> Result<usize> {
        let mut tx = self.begin_write(tenant).await?;
        if live_document(&mut tx, tenant, ("id", SqlValue::Uuid(Some(document.as_uuid()))), true).await?.is_none() {
            return Ok(0);
        }
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT c.id FROM knowledge_chunks c WHERE c.tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND c.document_id = ");
        bind(&mut q, SqlValue::Uuid(Some(document.as_uuid())));
        q.push(" AND NOT EXISTS (SELECT 1 FROM knowledge_vectors v WHERE v.tenant_id = c.tenant_id AND v.chunk_id = c.id AND v.model = ");
        bind(&mut q, SqlValue::text(model));
        q.push(")");
        let rows = q.build().fetch_all(&mut *tx).await?;
        let missing: std::collections::HashSet<uuid::Uuid> =
            rows.iter().map(|r| col_id(r, "id", |u| u)).collect::<Result<_, _>>()?;
        let mut stored = 0;
        for (chunk, vector) in vectors {
            if !missing.contains(&chunk.as_uuid()) {
                continue;
            }
            let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
            let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO knowledge_vectors (tenant_id, chunk_id, document_id, model, vector) VALUES (");
            push_list(&mut q, [
                SqlValue::Uuid(Some(tenant.as_uuid())),
                SqlValue::Uuid(Some(chunk.as_uuid())),
                SqlValue::Uuid(Some(document.as_uuid())),
                SqlValue::text(model),
                SqlValue::Bytes(bytes),
            ]);
            q.push(")");
            q.build().execute(&mut *tx).await?;
            stored += 1;
        }
        if stored > 0 {
            let generation = next_generation(&mut tx, tenant).await?;
            let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE knowledge_documents SET generation = ");
            bind(&mut q, SqlValue::Int(generation));
            q.push(" WHERE tenant_id = ");
            bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
            q.push(" AND id = ");
            bind(&mut q, SqlValue::Uuid(Some(document.as_uuid())));
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// The chunks of a live document that have no vector for `model` yet, in order.
    pub(crate) async fn chunks_without_vectors(
        &self,
        tenant: TenantId,
        document: domain::id::DocumentId,
        model: &str,
    ) -> Result<Vec<domain::knowledge::DocumentChunk>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(CHUNK_COLUMNS).push(" FROM knowledge_chunks c WHERE c.tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND c.document_id = ");
        bind(&mut q, SqlValue::Uuid(Some(document.as_uuid())));
        q.push(" AND NOT EXISTS (SELECT 1 FROM knowledge_vectors v WHERE v.tenant_id = c.tenant_id AND v.chunk_id = c.id AND v.model = ");
        bind(&mut q, SqlValue::text(model));
        q.push(") ORDER BY c.ordinal");
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        Ok(rows.iter().map(chunk_from_row).collect::<Result<_, _>>()?)
    }

    /// Live documents with at least one chunk lacking a vector for `model`, oldest first.
    pub(crate) async fn documents_without_vectors(
        &self,
        tenant: TenantId,
        model: &str,
    ) -> Result<Vec<(domain::id::DocumentId, i64)>> {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT c.document_id, COUNT(*) AS missing FROM knowledge_chunks c WHERE c.tenant_id = ",
        );
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND NOT EXISTS (SELECT 1 FROM knowledge_vectors v WHERE v.tenant_id = c.tenant_id AND v.chunk_id = c.id AND v.model = ");
        bind(&mut q, SqlValue::text(model));
        q.push(") GROUP BY c.document_id ORDER BY c.document_id");
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        rows.iter()
            .map(|r| Ok((col_id(r, "document_id", domain::id::DocumentId::from_uuid)?, col(r, "missing")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The vectors for `model` of one document (`Some`) or of every live document (`None`):
    /// (chunk, document, vector).
    pub(crate) async fn vectors(
        &self,
        tenant: TenantId,
        document: Option<domain::id::DocumentId>,
        model: &str,
    ) -> Result<Vec<crate::knowledge::StoredVector>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT chunk_id, document_id, vector FROM knowledge_vectors WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND model = ");
        bind(&mut q, SqlValue::text(model));
        if let Some(document) = document {
            q.push(" AND document_id = ");
            bind(&mut q, SqlValue::Uuid(Some(document.as_uuid())));
        }
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        rows.iter()
            .map(|r| {
                let bytes: Vec<u8> = col(r, "vector")?;
                Ok(crate::knowledge::StoredVector {
                    chunk_id: col_id(r, "chunk_id", domain::id::ChunkId::from_uuid)?,
                    document_id: col_id(r, "document_id", domain::id::DocumentId::from_uuid)?,
                    vector: bytes
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect(),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
