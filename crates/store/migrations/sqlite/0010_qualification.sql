-- Qualification scorecards: one row per version of an opportunity's scorecard, each produced by
-- an activity, with the element changes it brought. Kept in step with the other dialect's
-- 0010_qualification.sql.

CREATE TABLE qualification_scorecards (
    tenant_id      blob NOT NULL REFERENCES tenants (id),
    id             blob NOT NULL,
    opportunity_id blob NOT NULL,
    version        integer NOT NULL,
    activity_id    blob,
    agent_run_id   blob,
    answered_by    text NOT NULL,
    scorecard      text NOT NULL,
    changes        text NOT NULL,
    created_at     text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, opportunity_id, version),
    UNIQUE (tenant_id, opportunity_id, activity_id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id) ON DELETE CASCADE
) STRICT;
