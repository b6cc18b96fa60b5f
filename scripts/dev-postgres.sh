#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster (if it is down) and creates what Agent Army and its tests need:
#   - login role `agent_army` (password `agent_army`, CREATEDB, CREATEROLE) that owns the schema,
#   - NOLOGIN role `agent_army_app` (no BYPASSRLS, owns nothing) that holds the server's rights,
#   - login role `agent_army_server` (password `agent_army`), only a member of `agent_army_app`:
#     what a production server connects as,
#   - database `agent_army` for running the platform by hand.
# Prints the URLs to export. Safe to run again.
set -euo pipefail

if ! pg_lsclusters --no-header 2>/dev/null | awk '$1 == "15" && $2 == "main"' | grep -q online; then
  pg_ctlcluster 15 main start
fi
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.2
done

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -qAt $*"; }

psql_admin "-d postgres" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agent_army') THEN
    CREATE ROLE agent_army LOGIN PASSWORD 'agent_army' CREATEDB CREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agent_army_app') THEN
    CREATE ROLE agent_army_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agent_army_server') THEN
    CREATE ROLE agent_army_server LOGIN PASSWORD 'agent_army' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT;
  END IF;
END $$;
GRANT agent_army_app TO agent_army;
GRANT agent_army_app TO agent_army_server;
SQL
if [ "$(psql_admin "-d postgres -c \"SELECT 1 FROM pg_database WHERE datname = 'agent_army'\"")" != "1" ]; then
  psql_admin "-d postgres -c 'CREATE DATABASE agent_army OWNER agent_army'"
fi

cat <<'MSG'
PostgreSQL is up. For the platform (serving as a login that owns nothing, migrating as the owner):
  export AGENT_ARMY_DATABASE_URL=postgres://agent_army_server:agent_army@127.0.0.1:5432/agent_army
  export AGENT_ARMY_DATABASE__OPERATOR_URL=postgres://agent_army:agent_army@127.0.0.1:5432/agent_army
For the PostgreSQL test suite:
  export AGENT_ARMY_TEST_DATABASE_URL=postgres://agent_army:agent_army@127.0.0.1:5432/postgres
  export AGENT_ARMY_TEST_SERVER_LOGIN=agent_army_server:agent_army
MSG
