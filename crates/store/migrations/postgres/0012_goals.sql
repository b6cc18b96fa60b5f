-- Quotas (a revenue target for a rep, a region or the tenant over a period) and reps' personas
-- (the name, signature, tone and example messages drafts in their name follow; one per user,
-- keyed by the user's id). Kept in step with the other dialect's 0012_goals.sql.

CREATE TABLE quotas (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    user_id      uuid,
    region       text,
    period_start date NOT NULL,
    period_end   date NOT NULL,
    target       numeric NOT NULL CHECK (target > 0),
    currency     text NOT NULL,
    version      bigint NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK (period_end >= period_start),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, region) REFERENCES regions (tenant_id, code)
);
CREATE INDEX quotas_user ON quotas (tenant_id, user_id, id);
CREATE INDEX quotas_region ON quotas (tenant_id, region, id);

CREATE TABLE rep_personas (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    display_name text NOT NULL,
    signature    text NOT NULL,
    tone         text NOT NULL CHECK (tone IN ('formal', 'friendly', 'direct', 'consultative')),
    examples     jsonb NOT NULL,
    version      bigint NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['quotas', 'rep_personas']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant())'
            ' WITH CHECK (tenant_id = app_current_tenant())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON quotas, rep_personas TO agent_army_app;
