-- Per-tenant LLM settings (SQLite). Kept in step with migrations/postgres/0003_llm_settings.sql.
CREATE TABLE llm_settings (
    tenant_id                     blob PRIMARY KEY REFERENCES tenants (id),
    monthly_token_budget          integer,
    monthly_cost_budget_micro_usd integer,
    soft_limit_percent            integer NOT NULL,
    keep_prompts                  integer NOT NULL,
    routes                        text NOT NULL,
    version                       integer NOT NULL,
    updated_at                    text NOT NULL
) STRICT;
