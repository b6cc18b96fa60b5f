-- Account and opportunity plans: one row per version of a plan, with the plan as JSON and the
-- changes from the version before, each with its reason. An account plan has no opportunity.
-- Kept in step with the other dialect's 0011_plans.sql.

CREATE TABLE plans (
    tenant_id      blob NOT NULL REFERENCES tenants (id),
    id             blob NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('account', 'opportunity')),
    subject_id     blob NOT NULL,
    account_id     blob NOT NULL,
    opportunity_id blob,
    version        integer NOT NULL,
    activity_id    blob,
    plan           text NOT NULL,
    changes        text NOT NULL,
    created_at     text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, kind, subject_id, version),
    CHECK ((kind = 'opportunity') = (opportunity_id IS NOT NULL)),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id) ON DELETE CASCADE
) STRICT;
