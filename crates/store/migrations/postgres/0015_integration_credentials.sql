-- Integration credentials: one sealed secret per tenant and integration (AES-256-GCM under the
-- installation's secrets key, bound to the tenant and the integration), with the non-secret
-- account, a keyed fingerprint, and who set it when. The secret is never stored in the clear.
-- Kept in step with the other dialect's 0015_integration_credentials.sql.

CREATE TABLE integration_credentials (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    integration text NOT NULL,
    account     text,
    sealed      bytea NOT NULL,
    fingerprint text NOT NULL,
    updated_by  uuid,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, integration)
);

ALTER TABLE integration_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE integration_credentials FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integration_credentials
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON integration_credentials TO agent_army_app;
