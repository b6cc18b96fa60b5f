//! Tenant-scoped storage for Agent Army on SQLite (the embedded default) and PostgreSQL
//! (production, with row-level security as a second wall).
//!
//! Every operation takes the tenant, every state change appends a typed event in the same
//! transaction, and the backends are private: callers see [`Store`], [`Resource`] and plain
//! domain types, never a driver type. SQL lives once in `src/sql/` and is compiled for each
//! backend (see `sqlite/` and `postgres/`).

mod context;
pub mod dashboard;
mod error;
pub mod jobs;
pub mod knowledge;
mod migrations;
#[doc(hidden)]
pub mod postgres;
mod query;
mod resource;
#[doc(hidden)]
pub mod sqlite;
mod store;
mod usage;
mod value;

pub use context::{Idempotency, StoredResponse, WriteCtx};
pub use error::{Error, Result};
pub use query::{DEFAULT_LIMIT, Filter, ListQuery, MAX_LIMIT, Order, Page};
pub use resource::Resource;
pub use store::{ConnectOptions, Created, Store, now, redact_url};
pub use usage::{UsageGroup, UsageRow};
pub use value::SqlValue;
