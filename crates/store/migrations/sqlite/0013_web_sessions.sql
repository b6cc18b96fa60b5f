-- People signing in to the web UI: a password per user (an argon2 PHC string) and browser
-- sessions (the SHA-256 of the cookie's secret, the CSRF token, the expiry). Kept in step with
-- the other dialect's 0013_web_sessions.sql.

CREATE TABLE user_passwords (
    tenant_id     blob NOT NULL REFERENCES tenants (id),
    user_id       blob NOT NULL,
    password_hash text NOT NULL,
    updated_at    text NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE web_sessions (
    tenant_id  blob NOT NULL REFERENCES tenants (id),
    id         blob NOT NULL,
    user_id    blob NOT NULL,
    token_hash blob NOT NULL,
    csrf_token text NOT NULL,
    created_at text NOT NULL,
    expires_at text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX web_sessions_user ON web_sessions (tenant_id, user_id, id);
