//! The Agent Army domain model: identifiers, money, tenants and regions, the CRM entities
//! (accounts, contacts, opportunities, activities, tasks, products, users) and the opportunity
//! stage machine, plus the typed events every state change emits.
//!
//! Pure and synchronous: this crate must not import async runtimes, databases, HTTP or the file
//! system. Storage and transport layers convert to and from these types at their boundaries.

pub mod account;
pub mod action;
pub mod activity;
pub mod actor;
pub mod agent;
pub mod agent_run;
pub mod apikey;
pub mod approval;
pub mod catalog;
pub mod contact;
pub mod credential;
pub mod error;
pub mod event;
pub mod guardrail_policy;
pub mod id;
pub mod injection;
pub mod job;
pub mod knowledge;
mod labels;
pub mod llm_call;
pub mod llm_settings;
pub mod money;
pub mod opportunity;
pub mod outbox;
pub mod patch;
pub mod persona;
pub mod plan;
pub mod product;
pub mod qualification;
pub mod quota;
pub mod region;
pub mod session;
pub mod stage;
pub mod task;
pub mod tenant;
pub mod text;
pub mod time;
pub mod user;

pub use error::{DomainError, Result};
