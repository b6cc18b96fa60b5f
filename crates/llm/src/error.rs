//! Errors of model calls, classified so the gateway knows whether to retry, fall back or give up.

use std::time::Duration;

use thiserror::Error;

/// A failed model call.
#[derive(Debug, Error)]
pub enum LlmError {
    /// 429: slow down; `retry_after` from the provider when it said.
    #[error("{provider}: rate limited")]
    RateLimited {
        provider: String,
        retry_after: Option<Duration>,
    },
    /// 5xx or a refused connection: the provider is not serving now.
    #[error("{provider}: unavailable ({detail})")]
    Unavailable {
        provider: String,
        detail: String,
        retry_after: Option<Duration>,
    },
    /// A deadline passed: connect, first token or total.
    #[error("{provider}: timed out waiting for {phase}")]
    Timeout {
        provider: String,
        phase: &'static str,
    },
    /// The provider refused the request (4xx other than 429): retrying will not help.
    #[error("{provider}: request refused with {status}: {detail}")]
    Refused {
        provider: String,
        status: u16,
        detail: String,
    },
    /// The provider answered something that is not its documented format.
    #[error("{provider}: unexpected answer: {detail}")]
    Protocol { provider: String, detail: String },
    /// The reply did not match the requested structure.
    #[error("{provider}: reply does not match the requested schema: {detail}")]
    InvalidOutput { provider: String, detail: String },
    /// The provider's concurrency limit or circuit breaker turned the call away.
    #[error("{provider}: not taking calls now ({detail})")]
    Shed { provider: String, detail: String },
}

impl LlmError {
    /// Whether the same call may succeed if retried later.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Unavailable { .. } | Self::Timeout { .. }
        )
    }

    /// The wait the provider asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::Unavailable { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// A short machine-readable kind, for traces.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::Timeout { .. } => "timeout",
            Self::Refused { .. } => "refused",
            Self::Protocol { .. } => "protocol",
            Self::InvalidOutput { .. } => "invalid_output",
            Self::Shed { .. } => "shed",
        }
    }
}
