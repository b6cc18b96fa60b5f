-- Quotas (a revenue target for a rep, a region or the tenant over a period) and reps' personas
-- (the name, signature, tone and example messages drafts in their name follow; one per user,
-- keyed by the user's id). Kept in step with the other dialect's 0012_goals.sql.

CREATE TABLE quotas (
    tenant_id    blob NOT NULL REFERENCES tenants (id),
    id           blob NOT NULL,
    user_id      blob,
    region       text,
    period_start text NOT NULL,
    period_end   text NOT NULL,
    target       text NOT NULL,
    currency     text NOT NULL,
    version      integer NOT NULL,
    created_at   text NOT NULL,
    updated_at   text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK (period_end >= period_start),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, region) REFERENCES regions (tenant_id, code)
) STRICT;
CREATE INDEX quotas_user ON quotas (tenant_id, user_id, id);
CREATE INDEX quotas_region ON quotas (tenant_id, region, id);

CREATE TABLE rep_personas (
    tenant_id    blob NOT NULL REFERENCES tenants (id),
    id           blob NOT NULL,
    display_name text NOT NULL,
    signature    text NOT NULL,
    tone         text NOT NULL CHECK (tone IN ('formal', 'friendly', 'direct', 'consultative')),
    examples     text NOT NULL,
    version      integer NOT NULL,
    created_at   text NOT NULL,
    updated_at   text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
) STRICT;
