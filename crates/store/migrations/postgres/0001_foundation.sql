-- Agent Army foundation schema (PostgreSQL). Kept in step with migrations/sqlite/0001_foundation.sql.
-- Every tenant-owned table leads its keys with tenant_id, references stay inside one tenant through
-- composite foreign keys, and row-level security (forced) is the second wall behind the
-- application's own tenant scoping. Filtered lists page by id, so their indexes end with id.

-- The tenant of the current transaction, set by the server with set_config('app.tenant_id', ..., true).
CREATE FUNCTION app_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
    id           uuid PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    display_name text NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE regions (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    code       text NOT NULL,
    name       text NOT NULL,
    time_zone  text NOT NULL,
    currency   text NOT NULL,
    locale     text NOT NULL,
    version    bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code)
);

CREATE TABLE users (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    email       text NOT NULL,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('admin', 'manager', 'rep', 'viewer')),
    home_region text,
    active      boolean NOT NULL,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, home_region) REFERENCES regions (tenant_id, code)
);
CREATE UNIQUE INDEX users_email ON users (tenant_id, lower(email));

CREATE TABLE api_keys (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'manager', 'rep', 'viewer')),
    user_id      uuid,
    prefix       text NOT NULL,
    hash         bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE products (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    code        text NOT NULL,
    name        text NOT NULL,
    name_folded text NOT NULL,
    description text,
    active      boolean NOT NULL,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code)
);

CREATE TABLE accounts (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    name       text NOT NULL,
    name_folded text NOT NULL,
    domains    jsonb NOT NULL,
    industry   text,
    region     text,
    owner_id   uuid,
    version    bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, region) REFERENCES regions (tenant_id, code),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX accounts_name ON accounts (tenant_id, name);

-- One row per account email domain: a domain belongs to at most one account of a tenant.
CREATE TABLE account_domains (
    tenant_id  uuid NOT NULL,
    domain     text NOT NULL,
    account_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, domain),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX account_domains_account ON account_domains (tenant_id, account_id);

CREATE TABLE contacts (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    account_id    uuid NOT NULL,
    name          text NOT NULL,
    name_folded   text NOT NULL,
    email         text,
    title         text,
    phone         text,
    persona_level text,
    buying_role   text NOT NULL,
    version       bigint NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id)
);
CREATE INDEX contacts_account ON contacts (tenant_id, account_id, id);
CREATE INDEX contacts_email ON contacts (tenant_id, lower(email));

CREATE TABLE contact_relationships (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              uuid NOT NULL,
    from_contact_id uuid NOT NULL,
    to_contact_id   uuid NOT NULL,
    kind            text NOT NULL,
    note            text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, from_contact_id, to_contact_id, kind),
    FOREIGN KEY (tenant_id, from_contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, to_contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_relationships_to ON contact_relationships (tenant_id, to_contact_id);

CREATE TABLE opportunities (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL,
    account_id       uuid NOT NULL,
    name             text NOT NULL,
    name_folded      text NOT NULL,
    amount           numeric NOT NULL CHECK (amount >= 0),
    currency         text NOT NULL,
    close_date       date NOT NULL,
    owner_id         uuid,
    region           text,
    product_ids      jsonb NOT NULL,
    stage            text NOT NULL CHECK (stage IN ('prospecting', 'qualification', 'discovery',
                         'solution', 'proposal', 'negotiation', 'closed_won', 'closed_lost')),
    loss_reason      text,
    stage_changed_at timestamptz NOT NULL,
    version          bigint NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, region) REFERENCES regions (tenant_id, code)
);
CREATE INDEX opportunities_account ON opportunities (tenant_id, account_id, id);
CREATE INDEX opportunities_stage ON opportunities (tenant_id, stage, id);

-- The products of an opportunity, so a product in use cannot be deleted.
CREATE TABLE opportunity_products (
    tenant_id      uuid NOT NULL,
    opportunity_id uuid NOT NULL,
    product_id     uuid NOT NULL,
    PRIMARY KEY (tenant_id, opportunity_id, product_id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
);
CREATE INDEX opportunity_products_product ON opportunity_products (tenant_id, product_id);

CREATE TABLE stage_changes (
    tenant_id      uuid NOT NULL,
    id             uuid NOT NULL,
    opportunity_id uuid NOT NULL,
    from_stage     text NOT NULL,
    to_stage       text NOT NULL,
    reason         text,
    actor_kind     text NOT NULL,
    actor_id       uuid,
    changed_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX stage_changes_opportunity ON stage_changes (tenant_id, opportunity_id, id);

CREATE TABLE activities (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    kind           text NOT NULL,
    subject        text,
    body           text NOT NULL,
    occurred_at    timestamptz NOT NULL,
    ended_at       timestamptz,
    account_id     uuid,
    opportunity_id uuid,
    participants   jsonb NOT NULL,
    version        bigint NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id)
);
CREATE INDEX activities_account ON activities (tenant_id, account_id, id);
CREATE INDEX activities_opportunity ON activities (tenant_id, opportunity_id, id);

CREATE TABLE tasks (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    title          text NOT NULL,
    description    text,
    status         text NOT NULL,
    priority       text NOT NULL,
    due_date       date,
    assignee_id    uuid,
    account_id     uuid,
    opportunity_id uuid,
    version        bigint NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id)
);
CREATE INDEX tasks_assignee ON tasks (tenant_id, assignee_id, id);
CREATE INDEX tasks_opportunity ON tasks (tenant_id, opportunity_id, id);

-- The append-only event log: every state change, who made it and through which request.
CREATE TABLE events (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    kind        text NOT NULL,
    resource    text NOT NULL,
    action      text NOT NULL,
    subject_id  uuid NOT NULL,
    payload     jsonb NOT NULL,
    actor_kind  text NOT NULL,
    actor_id    uuid,
    api_key_id  uuid,
    request_id  text,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX events_subject ON events (tenant_id, subject_id, id);

CREATE FUNCTION events_are_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'events are append-only'; END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();

-- First responses of creating requests, replayed when a client retries with the same key.
CREATE TABLE idempotency_keys (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    key         text NOT NULL,
    fingerprint bytea NOT NULL,
    status      integer NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

-- Row-level security: a tenant sees only its own rows, even through a bug in the application.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['regions', 'users', 'api_keys', 'products', 'accounts',
        'account_domains', 'contacts', 'contact_relationships', 'opportunities',
        'opportunity_products', 'stage_changes', 'activities', 'tasks', 'events',
        'idempotency_keys']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant())'
            ' WITH CHECK (tenant_id = app_current_tenant())', t);
    END LOOP;
END $$;

-- The tenants registry is managed by the operator (the schema owner, not forced); the
-- application role sees only the current tenant's row.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenants USING (id = app_current_tenant());

-- The role the server switches to on every connection: owns nothing, cannot bypass RLS.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agent_army_app') THEN
        CREATE ROLE agent_army_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- created concurrently by another migration run
END $$;

DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'agent_army_app', 'MEMBER') THEN
        GRANT agent_army_app TO CURRENT_USER;
    END IF;
END $$;

GRANT USAGE ON SCHEMA public TO agent_army_app;
GRANT SELECT ON tenants TO agent_army_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON regions, users, api_keys, products, accounts,
    account_domains, contacts, contact_relationships, opportunities, opportunity_products,
    activities, tasks, idempotency_keys TO agent_army_app;
-- History is appended, never edited: the event log and stage changes take SELECT and INSERT only
-- (an opportunity's deletion still removes its stage rows through the foreign key).
GRANT SELECT, INSERT ON events, stage_changes TO agent_army_app;
-- The server reads which migrations are applied, so it can start without owner rights.
GRANT SELECT ON _sqlx_migrations TO agent_army_app;
