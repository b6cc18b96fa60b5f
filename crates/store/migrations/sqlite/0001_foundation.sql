-- Agent Army foundation schema (SQLite). Kept in step with migrations/postgres/0001_foundation.sql.
-- Same tables, keys and composite foreign keys; SQLite has no row-level security, so tenant scoping
-- rests on the store's queries alone (every statement filters by tenant_id). Filtered lists page
-- by id, so their indexes end with id.

CREATE TABLE tenants (
    id           blob PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    display_name text NOT NULL,
    created_at   text NOT NULL
) STRICT;

CREATE TABLE regions (
    tenant_id  blob NOT NULL REFERENCES tenants (id),
    id         blob NOT NULL,
    code       text NOT NULL,
    name       text NOT NULL,
    time_zone  text NOT NULL,
    currency   text NOT NULL,
    locale     text NOT NULL,
    version    integer NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code)
) STRICT;

CREATE TABLE users (
    tenant_id   blob NOT NULL REFERENCES tenants (id),
    id          blob NOT NULL,
    email       text NOT NULL,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('admin', 'manager', 'rep', 'viewer')),
    home_region text,
    active      integer NOT NULL,
    version     integer NOT NULL,
    created_at  text NOT NULL,
    updated_at  text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, home_region) REFERENCES regions (tenant_id, code)
) STRICT;
CREATE UNIQUE INDEX users_email ON users (tenant_id, lower(email));

CREATE TABLE api_keys (
    tenant_id    blob NOT NULL REFERENCES tenants (id),
    id           blob NOT NULL,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'manager', 'rep', 'viewer')),
    user_id      blob,
    prefix       text NOT NULL,
    hash         blob NOT NULL,
    created_at   text NOT NULL,
    last_used_at text,
    revoked_at   text,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
) STRICT;

CREATE TABLE products (
    tenant_id   blob NOT NULL REFERENCES tenants (id),
    id          blob NOT NULL,
    code        text NOT NULL,
    name        text NOT NULL,
    name_folded text NOT NULL,
    description text,
    active      integer NOT NULL,
    version     integer NOT NULL,
    created_at  text NOT NULL,
    updated_at  text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code)
) STRICT;

CREATE TABLE accounts (
    tenant_id  blob NOT NULL REFERENCES tenants (id),
    id         blob NOT NULL,
    name       text NOT NULL,
    name_folded text NOT NULL,
    domains    text NOT NULL,
    industry   text,
    region     text,
    owner_id   blob,
    version    integer NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, region) REFERENCES regions (tenant_id, code),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
) STRICT;
CREATE INDEX accounts_name ON accounts (tenant_id, name);

-- One row per account email domain: a domain belongs to at most one account of a tenant.
CREATE TABLE account_domains (
    tenant_id  blob NOT NULL,
    domain     text NOT NULL,
    account_id blob NOT NULL,
    PRIMARY KEY (tenant_id, domain),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX account_domains_account ON account_domains (tenant_id, account_id);

CREATE TABLE contacts (
    tenant_id     blob NOT NULL REFERENCES tenants (id),
    id            blob NOT NULL,
    account_id    blob NOT NULL,
    name          text NOT NULL,
    name_folded   text NOT NULL,
    email         text,
    title         text,
    phone         text,
    persona_level text,
    buying_role   text NOT NULL,
    version       integer NOT NULL,
    created_at    text NOT NULL,
    updated_at    text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id)
) STRICT;
CREATE INDEX contacts_account ON contacts (tenant_id, account_id, id);
CREATE INDEX contacts_email ON contacts (tenant_id, lower(email));

CREATE TABLE contact_relationships (
    tenant_id       blob NOT NULL REFERENCES tenants (id),
    id              blob NOT NULL,
    from_contact_id blob NOT NULL,
    to_contact_id   blob NOT NULL,
    kind            text NOT NULL,
    note            text,
    created_at      text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, from_contact_id, to_contact_id, kind),
    FOREIGN KEY (tenant_id, from_contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, to_contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX contact_relationships_to ON contact_relationships (tenant_id, to_contact_id);

CREATE TABLE opportunities (
    tenant_id        blob NOT NULL REFERENCES tenants (id),
    id               blob NOT NULL,
    account_id       blob NOT NULL,
    name             text NOT NULL,
    name_folded      text NOT NULL,
    amount           text NOT NULL,
    currency         text NOT NULL,
    close_date       text NOT NULL,
    owner_id         blob,
    region           text,
    product_ids      text NOT NULL,
    stage            text NOT NULL CHECK (stage IN ('prospecting', 'qualification', 'discovery',
                         'solution', 'proposal', 'negotiation', 'closed_won', 'closed_lost')),
    loss_reason      text,
    stage_changed_at text NOT NULL,
    version          integer NOT NULL,
    created_at       text NOT NULL,
    updated_at       text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, region) REFERENCES regions (tenant_id, code)
) STRICT;
CREATE INDEX opportunities_account ON opportunities (tenant_id, account_id, id);
CREATE INDEX opportunities_stage ON opportunities (tenant_id, stage, id);

-- The products of an opportunity, so a product in use cannot be deleted.
CREATE TABLE opportunity_products (
    tenant_id      blob NOT NULL,
    opportunity_id blob NOT NULL,
    product_id     blob NOT NULL,
    PRIMARY KEY (tenant_id, opportunity_id, product_id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
) STRICT;
CREATE INDEX opportunity_products_product ON opportunity_products (tenant_id, product_id);

CREATE TABLE stage_changes (
    tenant_id      blob NOT NULL,
    id             blob NOT NULL,
    opportunity_id blob NOT NULL,
    from_stage     text NOT NULL,
    to_stage       text NOT NULL,
    reason         text,
    actor_kind     text NOT NULL,
    actor_id       blob,
    changed_at     text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX stage_changes_opportunity ON stage_changes (tenant_id, opportunity_id, id);

CREATE TABLE activities (
    tenant_id      blob NOT NULL REFERENCES tenants (id),
    id             blob NOT NULL,
    kind           text NOT NULL,
    subject        text,
    body           text NOT NULL,
    occurred_at    text NOT NULL,
    ended_at       text,
    account_id     blob,
    opportunity_id blob,
    participants   text NOT NULL,
    version        integer NOT NULL,
    created_at     text NOT NULL,
    updated_at     text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id)
) STRICT;
CREATE INDEX activities_account ON activities (tenant_id, account_id, id);
CREATE INDEX activities_opportunity ON activities (tenant_id, opportunity_id, id);

CREATE TABLE tasks (
    tenant_id      blob NOT NULL REFERENCES tenants (id),
    id             blob NOT NULL,
    title          text NOT NULL,
    description    text,
    status         text NOT NULL,
    priority       text NOT NULL,
    due_date       text,
    assignee_id    blob,
    account_id     blob,
    opportunity_id blob,
    version        integer NOT NULL,
    created_at     text NOT NULL,
    updated_at     text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
    FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunities (tenant_id, id)
) STRICT;
CREATE INDEX tasks_assignee ON tasks (tenant_id, assignee_id, id);
CREATE INDEX tasks_opportunity ON tasks (tenant_id, opportunity_id, id);

-- The append-only event log: every state change, who made it and through which request.
CREATE TABLE events (
    tenant_id   blob NOT NULL REFERENCES tenants (id),
    id          blob NOT NULL,
    kind        text NOT NULL,
    resource    text NOT NULL,
    action      text NOT NULL,
    subject_id  blob NOT NULL,
    payload     text NOT NULL,
    actor_kind  text NOT NULL,
    actor_id    blob,
    api_key_id  blob,
    request_id  text,
    occurred_at text NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE INDEX events_subject ON events (tenant_id, subject_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- First responses of creating requests, replayed when a client retries with the same key.
CREATE TABLE idempotency_keys (
    tenant_id   blob NOT NULL REFERENCES tenants (id),
    key         text NOT NULL,
    fingerprint blob NOT NULL,
    status      integer NOT NULL,
    body        text NOT NULL,
    created_at  text NOT NULL,
    PRIMARY KEY (tenant_id, key)
) STRICT;
