-- Per-tenant LLM settings (PostgreSQL). Kept in step with migrations/sqlite/0003_llm_settings.sql.
CREATE TABLE llm_settings (
    tenant_id                     uuid PRIMARY KEY REFERENCES tenants (id),
    monthly_token_budget          bigint,
    monthly_cost_budget_micro_usd bigint,
    soft_limit_percent            integer NOT NULL,
    keep_prompts                  boolean NOT NULL,
    routes                        jsonb NOT NULL,
    version                       bigint NOT NULL,
    updated_at                    timestamptz NOT NULL
);

ALTER TABLE llm_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE llm_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON llm_settings USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON llm_settings TO agent_army_app;
