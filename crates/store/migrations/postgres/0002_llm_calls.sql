-- LLM call traces (PostgreSQL). Kept in step with migrations/sqlite/0002_llm_calls.sql.
-- Append-only: the serving role may read and add, never change or remove.
CREATE TABLE llm_calls (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    route         text NOT NULL,
    skill         text,
    agent_run_id  uuid,
    provider      text NOT NULL,
    model         text NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('ok', 'error', 'offline')),
    error_kind    text,
    error         text,
    input_tokens  bigint NOT NULL,
    output_tokens bigint NOT NULL,
    cost_micro_usd bigint,
    latency_ms    bigint NOT NULL,
    ttft_ms       bigint,
    streamed      boolean NOT NULL,
    prompt        text,
    completion    text,
    started_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX llm_calls_started ON llm_calls (tenant_id, started_at, id);

ALTER TABLE llm_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE llm_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON llm_calls USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT ON llm_calls TO agent_army_app;
