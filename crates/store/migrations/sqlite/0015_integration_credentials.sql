-- Integration credentials: one sealed secret per tenant and integration (AES-256-GCM under the
-- installation's secrets key, bound to the tenant and the integration), with the non-secret
-- account, a keyed fingerprint, and who set it when. The secret is never stored in the clear.
-- Kept in step with the other dialect's 0015_integration_credentials.sql.

CREATE TABLE integration_credentials (
    tenant_id   blob NOT NULL REFERENCES tenants (id),
    id          blob NOT NULL,
    integration text NOT NULL,
    account     text,
    sealed      blob NOT NULL,
    fingerprint text NOT NULL,
    updated_by  blob,
    updated_at  text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, integration)
) STRICT;
