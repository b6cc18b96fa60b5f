//! The store's error type. Callers branch on the kind; the HTTP layer maps each kind to a status.

use thiserror::Error;

/// A storage failure, classified so callers can react to it.
#[derive(Debug, Error)]
pub enum Error {
    /// No such object in this tenant (another tenant's object is also "not found").
    #[error("{resource} {id} not found")]
    NotFound { resource: &'static str, id: String },
    /// The change conflicts with stored state: a duplicate, or an object still in use.
    #[error("{0}")]
    Conflict(String),
    /// The object changed since the caller read it (its version differs).
    #[error("{resource} {id} was changed by someone else (now version {current})")]
    VersionMismatch {
        resource: &'static str,
        id: String,
        current: i64,
    },
    /// The input is well-formed but not acceptable (bad reference, broken domain rule).
    #[error(transparent)]
    Invalid(#[from] domain::DomainError),
    /// A referenced object does not exist in this tenant.
    #[error("{field}: no {resource} {id} in this tenant")]
    UnknownReference {
        field: &'static str,
        resource: &'static str,
        id: String,
    },
    /// An idempotency key was reused for a different request.
    #[error("idempotency key {0:?} was already used for a different request")]
    IdempotencyMismatch(String),
    /// The database could not be reached or timed out.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or an unexpected database state.
    #[error("storage error: {0}")]
    Internal(String),
}

/// Result alias for store operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn not_found(resource: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            resource,
            id: id.to_string(),
        }
    }

    /// Classifies a driver error.
    pub(crate) fn from_sqlx(err: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        match &err {
            sqlx::Error::RowNotFound => Self::Internal("row not found".into()),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(err.to_string())
            }
            sqlx::Error::Database(db) => match db.kind() {
                ErrorKind::UniqueViolation => Self::Conflict(unique_message(db.message())),
                ErrorKind::ForeignKeyViolation => Self::Conflict(
                    "the object is still referenced by other objects, or refers to one that is gone"
                        .into(),
                ),
                // Statement timeout, deadlock, serialization failure: transient, worth a retry.
                _ if matches!(db.code().as_deref(), Some("57014" | "40P01" | "40001")) => {
                    Self::Unavailable(db.message().to_owned())
                }
                _ if is_busy(db.message()) => Self::Unavailable(db.message().to_owned()),
                _ => Self::Internal(db.message().to_owned()),
            },
            _ => Self::Internal(err.to_string()),
        }
    }
}

fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

fn unique_message(message: &str) -> String {
    let what = [
        (
            "account_domains",
            "that email domain already belongs to another account",
        ),
        ("users_email", "a user with that email already exists"),
        (
            "users.tenant_id, users.email",
            "a user with that email already exists",
        ),
        ("tenants", "a tenant with that name already exists"),
        ("regions", "a region with that code already exists"),
        ("products", "a product with that code already exists"),
        ("contact_relationships", "that relationship already exists"),
    ];
    what.iter()
        .find(|(needle, _)| message.contains(needle))
        .map_or_else(
            || "an object with those unique values already exists".to_owned(),
            |(_, m)| (*m).to_owned(),
        )
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        Self::from_sqlx(err)
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        Self::Internal(format!("migration failed: {err}"))
    }
}
