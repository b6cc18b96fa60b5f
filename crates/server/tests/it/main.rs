//! Integration tests of the HTTP API against the real server on a random port, on SQLite and (when
//! `AGENT_ARMY_TEST_DATABASE_URL` is set) PostgreSQL.

mod bad_input;
mod crud;
mod isolation;
mod ops;
mod rls;
mod stage;
