-- Agent runs, proposed actions, approvals, the outbox and guardrail policies (PostgreSQL). Kept in
-- step with migrations/sqlite/0006_agents.sql.

-- Activities whose text showed signs of a prompt injection when received.
ALTER TABLE activities ADD COLUMN injection_suspected boolean NOT NULL DEFAULT false;

CREATE TABLE agent_runs (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL,
    role             text NOT NULL,
    skill            text NOT NULL,
    trigger          text NOT NULL,
    trigger_event_id uuid,
    activity_id      uuid,
    account_id       uuid,
    opportunity_id   uuid,
    sender           text,
    dedupe_key       text NOT NULL,
    status           text NOT NULL,
    input            jsonb NOT NULL,
    output           jsonb,
    answered_by      text,
    fallback_reason  text,
    error            text,
    injection_suspected boolean NOT NULL,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, dedupe_key)
);
CREATE INDEX agent_runs_activity ON agent_runs (tenant_id, activity_id, id);
CREATE INDEX agent_runs_opportunity ON agent_runs (tenant_id, opportunity_id, id);
CREATE INDEX agent_runs_sender ON agent_runs (tenant_id, sender) WHERE sender IS NOT NULL;

CREATE TABLE agent_actions (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    run_id      uuid NOT NULL,
    role        text NOT NULL,
    kind        text NOT NULL,
    payload     jsonb NOT NULL,
    decision    text NOT NULL,
    reasons     jsonb NOT NULL,
    approval_id uuid,
    status      text NOT NULL,
    error       text,
    executed_at timestamptz,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES agent_runs (tenant_id, id)
);
CREATE INDEX agent_actions_run ON agent_actions (tenant_id, run_id, id);

CREATE TABLE approvals (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    action_id    uuid NOT NULL,
    run_id       uuid NOT NULL,
    role         text NOT NULL,
    kind         text NOT NULL,
    payload      jsonb NOT NULL,
    reasons      jsonb NOT NULL,
    status       text NOT NULL,
    requested_by uuid,
    edited       boolean NOT NULL,
    decided_by   uuid,
    decided_at   timestamptz,
    note         text,
    executed_at  timestamptz,
    requested_at timestamptz NOT NULL,
    version      bigint NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, action_id) REFERENCES agent_actions (tenant_id, id)
);
CREATE INDEX approvals_status ON approvals (tenant_id, status, id);

CREATE TABLE outbox (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    channel     text NOT NULL,
    action_id   uuid NOT NULL,
    run_id      uuid NOT NULL,
    approval_id uuid,
    account_id  uuid,
    recipients  jsonb NOT NULL,
    subject     text,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, action_id),
    FOREIGN KEY (tenant_id, action_id) REFERENCES agent_actions (tenant_id, id)
);

CREATE TABLE guardrail_policies (
    tenant_id  uuid PRIMARY KEY REFERENCES tenants (id),
    policy     jsonb NOT NULL,
    version    bigint NOT NULL,
    updated_at timestamptz NOT NULL
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['agent_runs', 'agent_actions', 'approvals', 'outbox', 'guardrail_policies'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant())'
            ' WITH CHECK (tenant_id = app_current_tenant())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON agent_runs, agent_actions, approvals, guardrail_policies TO agent_army_app;
GRANT SELECT, INSERT ON outbox TO agent_army_app;
