//! The context every write carries: which tenant, who acts, which request, and when.

use domain::actor::Actor;
use domain::id::TenantId;
use jiff::Timestamp;

/// Tenant, actor and request of a state change. The event and audit record are built from it.
#[derive(Debug, Clone)]
pub struct WriteCtx {
    pub tenant: TenantId,
    pub actor: Actor,
    pub request_id: Option<String>,
    pub now: Timestamp,
}

impl WriteCtx {
    /// A write context stamped with the current time.
    pub fn new(tenant: TenantId, actor: Actor, request_id: Option<String>) -> Self {
        Self {
            tenant,
            actor,
            request_id,
            now: crate::store::now(),
        }
    }
}

/// A creating request's idempotency key and the response to replay for it.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The client's `Idempotency-Key`.
    pub key: String,
    /// Hash of method, path and body; a retry must match it.
    pub fingerprint: Vec<u8>,
    /// HTTP status of the first response.
    pub status: u16,
    /// Body of the first response.
    pub body: String,
}

/// A response stored under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub fingerprint: Vec<u8>,
    pub status: u16,
    pub body: String,
}
