-- Qualification scorecards: one row per version of an opportunity's scorecard, each produced by
-- an activity, with the element changes it brought. Kept in step with the other dialect's
-- 0010_qualification.sql.

CREATE TABLE qualification_scorecards (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    opportunity_id uuid NOT NULL,
    version        bigint NOT NULL,
    activity_id    uuid,
    agent_run_id   uuid,
    answered_by    text NOT NULL,
    scorecard      jsonb NOT NULL,
    changes        jsonb NOT NULL,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, opportunity_id, version),
    UNIQUE (tenant_id, opportunity_id, activity_id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE qualification_scorecards ENABLE ROW LEVEL SECURITY;
ALTER TABLE qualification_scorecards FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON qualification_scorecards USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

GRANT SELECT, INSERT, DELETE ON qualification_scorecards TO agent_army_app;
