//! The job runner over a real store: every event reaches its subscribers, failures retry and then
//! become dead letters, and a replayed dead letter runs again.

#![expect(clippy::unwrap_used, reason = "integration tests fail loudly")]

mod bus;
