-- Chunk embeddings, one row per chunk and embedding model, so that switching models keeps the old
-- vectors until the new ones are in. Little-endian f32s. Kept in step with the other dialect's
-- 0008_knowledge_vectors.sql.

CREATE TABLE knowledge_vectors (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    chunk_id    uuid NOT NULL,
    document_id uuid NOT NULL,
    model       text NOT NULL,
    vector      bytea NOT NULL,
    PRIMARY KEY (tenant_id, chunk_id, model),
    FOREIGN KEY (tenant_id, chunk_id) REFERENCES knowledge_chunks (tenant_id, id)
);
CREATE INDEX knowledge_vectors_document ON knowledge_vectors (tenant_id, document_id, model);

ALTER TABLE knowledge_vectors ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_vectors FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON knowledge_vectors USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

GRANT SELECT, INSERT, DELETE ON knowledge_vectors TO agent_army_app;
