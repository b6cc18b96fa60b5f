-- The knowledge base: documents, their chunks, and a per-tenant generation counter that orders
-- changes, so each replica's search index can catch up with exactly what changed. Kept in step
-- with the other dialect's 0007_knowledge.sql.

CREATE TABLE knowledge_state (
    tenant_id  uuid PRIMARY KEY REFERENCES tenants (id),
    generation bigint NOT NULL
);

CREATE TABLE knowledge_documents (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    source       text NOT NULL,
    title        text NOT NULL,
    kind         text NOT NULL,
    product_id   uuid,
    regions      jsonb NOT NULL,
    content_hash text NOT NULL,
    size_bytes   bigint NOT NULL,
    chunk_count  integer NOT NULL,
    generation   bigint NOT NULL,
    deleted_at   timestamptz,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
);
CREATE UNIQUE INDEX knowledge_documents_source ON knowledge_documents (tenant_id, source)
    WHERE deleted_at IS NULL;
CREATE INDEX knowledge_documents_generation ON knowledge_documents (tenant_id, generation);

CREATE TABLE knowledge_chunks (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    document_id  uuid NOT NULL,
    ordinal      integer NOT NULL,
    section      jsonb NOT NULL,
    text         text NOT NULL,
    start_offset integer NOT NULL,
    end_offset   integer NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES knowledge_documents (tenant_id, id)
);
CREATE INDEX knowledge_chunks_document ON knowledge_chunks (tenant_id, document_id, ordinal);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['knowledge_state', 'knowledge_documents', 'knowledge_chunks'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant())'
            ' WITH CHECK (tenant_id = app_current_tenant())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON knowledge_state, knowledge_documents TO agent_army_app;
GRANT SELECT, INSERT, DELETE ON knowledge_chunks TO agent_army_app;
