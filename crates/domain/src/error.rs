//! The domain's error type: a rule that input or a requested change breaks.

use thiserror::Error;

/// A broken domain rule, with the field or rule that was broken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A value failed validation; `field` names the input field.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// A stage move the stage machine does not allow.
    #[error(transparent)]
    Transition(#[from] crate::stage::TransitionError),
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

/// Result alias for domain operations.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;
