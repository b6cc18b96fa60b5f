-- The durable job queue of the agent runtime (PostgreSQL). Kept in step with
-- migrations/sqlite/0005_jobs.sql.

-- Which handler receives which event kind. Written by the runtime at start; holds no tenant data.
CREATE TABLE subscriptions (
    event_kind text NOT NULL,
    subscriber text NOT NULL,
    PRIMARY KEY (event_kind, subscriber)
);

-- Work to do, for every tenant. Rows hold ids and times only, never tenant content, so that any
-- replica can claim any tenant's work without reading tenant data; handlers then read and write
-- under the job's tenant, behind row-level security. A row lives until its handler succeeds (then
-- it is deleted) or its last attempt fails (then it moves to dead_letters).
CREATE TABLE jobs (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    kind         text NOT NULL,
    subscriber   text NOT NULL,
    subject_id   uuid NOT NULL,
    dedupe_key   text NOT NULL,
    attempts     integer NOT NULL,
    max_attempts integer NOT NULL,
    run_at       timestamptz NOT NULL,
    enqueued_at  timestamptz NOT NULL,
    lease_owner  text,
    lease_until  timestamptz,
    UNIQUE (tenant_id, dedupe_key)
);
CREATE INDEX jobs_due ON jobs (run_at);
CREATE INDEX jobs_lease_owner ON jobs (lease_owner) WHERE lease_owner IS NOT NULL;

-- Jobs whose last attempt failed, per tenant, until an admin replays them.
CREATE TABLE dead_letters (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    kind        text NOT NULL,
    subscriber  text NOT NULL,
    subject_id  uuid NOT NULL,
    dedupe_key  text NOT NULL,
    attempts    integer NOT NULL,
    last_error  text NOT NULL,
    failed_at   timestamptz NOT NULL,
    replayed_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);

ALTER TABLE dead_letters ENABLE ROW LEVEL SECURITY;
ALTER TABLE dead_letters FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON dead_letters USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON subscriptions, jobs TO agent_army_app;
GRANT SELECT, INSERT, UPDATE ON dead_letters TO agent_army_app;
