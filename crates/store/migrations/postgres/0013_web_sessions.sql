-- People signing in to the web UI: a password per user (an argon2 PHC string) and browser
-- sessions (the SHA-256 of the cookie's secret, the CSRF token, the expiry). Kept in step with
-- the other dialect's 0013_web_sessions.sql.

CREATE TABLE user_passwords (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    user_id       uuid NOT NULL,
    password_hash text NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE web_sessions (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    user_id    uuid NOT NULL,
    token_hash bytea NOT NULL,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX web_sessions_user ON web_sessions (tenant_id, user_id, id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['user_passwords', 'web_sessions']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant())'
            ' WITH CHECK (tenant_id = app_current_tenant())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON user_passwords, web_sessions TO agent_army_app;

-- The sign-in form names a business unit by its short name; the serving role sees the tenants
-- registry only for the current tenant, so this function (owned by the schema owner) answers
-- the one question sign-in needs: which id has this name.
CREATE FUNCTION app_tenant_id_by_name(tenant_name text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT id FROM tenants WHERE name = tenant_name $$;
REVOKE ALL ON FUNCTION app_tenant_id_by_name(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_tenant_id_by_name(text) TO agent_army_app;
