//! Providers: each a client of one vendor wire format, plus the offline engine.

pub mod anthropic;
pub mod http;
pub mod offline;
pub mod openai_compat;
pub mod sse;
