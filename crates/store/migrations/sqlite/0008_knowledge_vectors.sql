-- Chunk embeddings, one row per chunk and embedding model, so that switching models keeps the old
-- vectors until the new ones are in. Little-endian f32s. Kept in step with the other dialect's
-- 0008_knowledge_vectors.sql.

CREATE TABLE knowledge_vectors (
    tenant_id   blob NOT NULL REFERENCES tenants (id),
    chunk_id    blob NOT NULL,
    document_id blob NOT NULL,
    model       text NOT NULL,
    vector      blob NOT NULL,
    PRIMARY KEY (tenant_id, chunk_id, model),
    FOREIGN KEY (tenant_id, chunk_id) REFERENCES knowledge_chunks (tenant_id, id)
) STRICT;
CREATE INDEX knowledge_vectors_document ON knowledge_vectors (tenant_id, document_id, model);
