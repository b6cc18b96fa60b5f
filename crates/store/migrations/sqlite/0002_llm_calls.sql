-- LLM call traces (SQLite). Kept in step with migrations/postgres/0002_llm_calls.sql.
CREATE TABLE llm_calls (
    tenant_id     blob NOT NULL REFERENCES tenants (id),
    id            blob NOT NULL,
    route         text NOT NULL,
    skill         text,
    agent_run_id  blob,
    provider      text NOT NULL,
    model         text NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('ok', 'error', 'offline')),
    error_kind    text,
    error         text,
    input_tokens  integer NOT NULL,
    output_tokens integer NOT NULL,
    cost_micro_usd integer,
    latency_ms    integer NOT NULL,
    ttft_ms       integer,
    streamed      integer NOT NULL,
    prompt        text,
    completion    text,
    started_at    text NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE INDEX llm_calls_started ON llm_calls (tenant_id, started_at, id);
CREATE TRIGGER llm_calls_no_update BEFORE UPDATE ON llm_calls
    BEGIN SELECT RAISE(ABORT, 'llm_calls are append-only'); END;
CREATE TRIGGER llm_calls_no_delete BEFORE DELETE ON llm_calls
    BEGIN SELECT RAISE(ABORT, 'llm_calls are append-only'); END;
