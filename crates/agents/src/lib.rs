//! The agent runtime. Events appended by state changes become jobs (one per subscriber, in the
//! same transaction); [`bus::Runtime`] claims due jobs of every tenant, runs their handlers, and
//! retries or buries failures. On SQLite it runs in-process; on PostgreSQL any number of replicas
//! share the queue (`FOR UPDATE SKIP LOCKED` claims, `LISTEN/NOTIFY` wake-ups, leases that expire
//! when a replica dies).
//!
//! Must not import a database driver, an HTTP framework or an HTTP client: storage is reached
//! through [`store::Store`], models through [`llm::Gateway`].

pub mod approvals;
pub mod bus;
pub mod crew;
pub mod embedder;
pub mod executor;
pub mod guardrails;
pub mod handler;
pub mod prompt;
pub mod role;
pub mod runner;
pub mod schedule;
pub mod skill;

pub use bus::{Runtime, RuntimeConfig};
pub use handler::{Handler, HandlerError};
