-- The durable job queue of the agent runtime (SQLite). Kept in step with
-- migrations/postgres/0005_jobs.sql, which explains each table.
CREATE TABLE subscriptions (
    event_kind text NOT NULL,
    subscriber text NOT NULL,
    PRIMARY KEY (event_kind, subscriber)
) STRICT;

CREATE TABLE jobs (
    id           blob PRIMARY KEY,
    tenant_id    blob NOT NULL REFERENCES tenants (id),
    kind         text NOT NULL,
    subscriber   text NOT NULL,
    subject_id   blob NOT NULL,
    dedupe_key   text NOT NULL,
    attempts     integer NOT NULL,
    max_attempts integer NOT NULL,
    run_at       text NOT NULL,
    enqueued_at  text NOT NULL,
    lease_owner  text,
    lease_until  text,
    UNIQUE (tenant_id, dedupe_key)
) STRICT;
CREATE INDEX jobs_due ON jobs (run_at);
CREATE INDEX jobs_lease_owner ON jobs (lease_owner) WHERE lease_owner IS NOT NULL;

CREATE TABLE dead_letters (
    tenant_id   blob NOT NULL REFERENCES tenants (id),
    id          blob NOT NULL,
    kind        text NOT NULL,
    subscriber  text NOT NULL,
    subject_id  blob NOT NULL,
    dedupe_key  text NOT NULL,
    attempts    integer NOT NULL,
    last_error  text NOT NULL,
    failed_at   text NOT NULL,
    replayed_at text,
    PRIMARY KEY (tenant_id, id)
) STRICT;
