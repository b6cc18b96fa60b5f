-- Agent runs, proposed actions, approvals, the outbox and guardrail policies (SQLite). Kept in
-- step with migrations/postgres/0006_agents.sql.

-- Activities whose text showed signs of a prompt injection when received.
ALTER TABLE activities ADD COLUMN injection_suspected integer NOT NULL DEFAULT 0;

CREATE TABLE agent_runs (
    tenant_id        blob NOT NULL REFERENCES tenants (id),
    id               blob NOT NULL,
    role             text NOT NULL,
    skill            text NOT NULL,
    trigger          text NOT NULL,
    trigger_event_id blob,
    activity_id      blob,
    account_id       blob,
    opportunity_id   blob,
    sender           text,
    dedupe_key       text NOT NULL,
    status           text NOT NULL,
    input            text NOT NULL,
    output           text,
    answered_by      text,
    fallback_reason  text,
    error            text,
    injection_suspected integer NOT NULL,
    started_at       text NOT NULL,
    finished_at      text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, dedupe_key)
) STRICT;
CREATE INDEX agent_runs_activity ON agent_runs (tenant_id, activity_id, id);
CREATE INDEX agent_runs_opportunity ON agent_runs (tenant_id, opportunity_id, id);
CREATE INDEX agent_runs_sender ON agent_runs (tenant_id, sender) WHERE sender IS NOT NULL;

CREATE TABLE agent_actions (
    tenant_id   blob NOT NULL REFERENCES tenants (id),
    id          blob NOT NULL,
    run_id      blob NOT NULL,
    role        text NOT NULL,
    kind        text NOT NULL,
    payload     text NOT NULL,
    decision    text NOT NULL,
    reasons     text NOT NULL,
    approval_id blob,
    status      text NOT NULL,
    error       text,
    executed_at text,
    created_at  text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES agent_runs (tenant_id, id)
) STRICT;
CREATE INDEX agent_actions_run ON agent_actions (tenant_id, run_id, id);

CREATE TABLE approvals (
    tenant_id    blob NOT NULL REFERENCES tenants (id),
    id           blob NOT NULL,
    action_id    blob NOT NULL,
    run_id       blob NOT NULL,
    role         text NOT NULL,
    kind         text NOT NULL,
    payload      text NOT NULL,
    reasons      text NOT NULL,
    status       text NOT NULL,
    requested_by blob,
    edited       integer NOT NULL,
    decided_by   blob,
    decided_at   text,
    note         text,
    executed_at  text,
    requested_at text NOT NULL,
    version      integer NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, action_id) REFERENCES agent_actions (tenant_id, id)
) STRICT;
CREATE INDEX approvals_status ON approvals (tenant_id, status, id);

CREATE TABLE outbox (
    tenant_id   blob NOT NULL REFERENCES tenants (id),
    id          blob NOT NULL,
    channel     text NOT NULL,
    action_id   blob NOT NULL,
    run_id      blob NOT NULL,
    approval_id blob,
    account_id  blob,
    recipients  text NOT NULL,
    subject     text,
    body        text NOT NULL,
    created_at  text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, action_id),
    FOREIGN KEY (tenant_id, action_id) REFERENCES agent_actions (tenant_id, id)
) STRICT;

CREATE TABLE guardrail_policies (
    tenant_id  blob PRIMARY KEY REFERENCES tenants (id),
    policy     text NOT NULL,
    version    integer NOT NULL,
    updated_at text NOT NULL
) STRICT;
