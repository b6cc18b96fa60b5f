//! Integration tests of the HTTP API against the real server on a random port, on SQLite and (when
//! `AGENT_ARMY_TEST_DATABASE_URL` is set) PostgreSQL.

// Helpers here are not #[test] functions, so clippy.toml's test allowances do not reach them.
#![expect(clippy::unwrap_used, reason = "integration tests fail loudly")]

mod agents;
mod bad_input;
mod browser;
mod catalog_api;
mod crud;
mod goals;
mod injection;
mod intake;
mod intelligence;
mod isolation;
mod knowledge;
mod knowledge_api;
mod openai;
mod ops;
mod otlp;
mod plans;
mod pricing;
mod rls;
mod scorecards;
mod stage;
mod web;
mod web_admin;
