-- Account and opportunity plans: one row per version of a plan, with the plan as JSON and the
-- changes from the version before, each with its reason. An account plan has no opportunity.
-- Kept in step with the other dialect's 0011_plans.sql.

CREATE TABLE plans (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('account', 'opportunity')),
    subject_id     uuid NOT NULL,
    account_id     uuid NOT NULL,
    opportunity_id uuid,
    version        bigint NOT NULL,
    activity_id    uuid,
    plan           jsonb NOT NULL,
    changes        jsonb NOT NULL,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, kind, subject_id, version),
    CHECK ((kind = 'opportunity') = (opportunity_id IS NOT NULL)),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE plans FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON plans USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

GRANT SELECT, INSERT, DELETE ON plans TO agent_army_app;
