-- The knowledge base: documents, their chunks, and a per-tenant generation counter that orders
-- changes, so each replica's search index can catch up with exactly what changed. Kept in step
-- with the other dialect's 0007_knowledge.sql.

CREATE TABLE knowledge_state (
    tenant_id  blob PRIMARY KEY REFERENCES tenants (id),
    generation integer NOT NULL
) STRICT;

CREATE TABLE knowledge_documents (
    tenant_id    blob NOT NULL REFERENCES tenants (id),
    id           blob NOT NULL,
    source       text NOT NULL,
    title        text NOT NULL,
    kind         text NOT NULL,
    product_id   blob,
    regions      text NOT NULL,
    content_hash text NOT NULL,
    size_bytes   integer NOT NULL,
    chunk_count  integer NOT NULL,
    generation   integer NOT NULL,
    deleted_at   text,
    created_at   text NOT NULL,
    updated_at   text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
) STRICT;
CREATE UNIQUE INDEX knowledge_documents_source ON knowledge_documents (tenant_id, source)
    WHERE deleted_at IS NULL;
CREATE INDEX knowledge_documents_generation ON knowledge_documents (tenant_id, generation);

CREATE TABLE knowledge_chunks (
    tenant_id    blob NOT NULL REFERENCES tenants (id),
    id           blob NOT NULL,
    document_id  blob NOT NULL,
    ordinal      integer NOT NULL,
    section      text NOT NULL,
    text         text NOT NULL,
    start_offset integer NOT NULL,
    end_offset   integer NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES knowledge_documents (tenant_id, id)
) STRICT;
CREATE INDEX knowledge_chunks_document ON knowledge_chunks (tenant_id, document_id, ordinal);
