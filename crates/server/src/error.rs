//! The API's one error type, rendered as RFC 9457 problem JSON with a stable `code`.
//!
//! Handlers return [`ApiError`]; its response carries the [`Problem`] as an extension and the
//! [`crate::middleware::render_problems`] layer writes the body with the request id. What the client
//! sees is kept apart from what is logged: a 5xx says only "internal error" and is logged once with
//! the request id.

use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A problem to report to the client.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `/problems/<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, for example `invalid_stage_transition`.
    pub code: String,
    /// The request id, also in the `x-request-id` header and the server log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The field an invalid value was found in, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error answered to the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: Box<str>,
    field: Option<Box<str>>,
    /// What is logged for a 5xx, never shown to the client.
    internal: Option<Box<str>>,
    /// Seconds after which a retry may succeed (`Retry-After`).
    retry_after: Option<u32>,
}

impl ApiError {
    /// A client error with a stable code.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into().into_boxed_str(),
            field: None,
            internal: None,
            retry_after: None,
        }
    }

    /// Names the input field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into().into_boxed_str());
        self
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            "Invalid input",
            detail,
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            detail,
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }

    /// A server fault: the client sees a generic message, the log sees `internal`.
    pub fn internal(internal: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            title: "Internal server error",
            detail:
                "the server failed to handle the request; quote the request id when reporting it"
                    .into(),
            field: None,
            internal: Some(internal.into().into_boxed_str()),
            retry_after: None,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What the client is told (a 5xx's internals are never in it), for pages that show it.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    fn problem(&self) -> Problem {
        Problem {
            kind: format!("/problems/{}", self.code.replace('_', "-")),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.to_string(),
            code: self.code.to_owned(),
            request_id: None,
            field: self.field.as_deref().map(str::to_owned),
        }
    }
}

/// Logged detail of a server fault, attached to the response for the problem layer.
#[derive(Debug, Clone)]
pub(crate) struct InternalDetail(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self.problem());
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(internal) = self.internal {
            response
                .extensions_mut()
                .insert(InternalDetail(internal.into_string()));
        }
        response
    }
}

impl From<domain::DomainError> for ApiError {
    fn from(err: domain::DomainError) -> Self {
        use domain::DomainError;
        match err {
            DomainError::Invalid { field, reason } => {
                Self::unprocessable("invalid_input", format!("{field}: {reason}")).with_field(field)
            }
            DomainError::Transition(t) if t.is_permission() => Self::new(
                StatusCode::FORBIDDEN,
                "stage_move_forbidden",
                "Stage move not allowed",
                t.to_string(),
            ),
            DomainError::Transition(t) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_stage_transition",
                "Invalid stage transition",
                t.to_string(),
            ),
        }
    }
}

impl From<store::Error> for ApiError {
    fn from(err: store::Error) -> Self {
        use store::Error as E;
        match err {
            E::NotFound { .. } => Self::not_found(err.to_string()),
            E::Conflict(detail) => Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail),
            E::VersionMismatch { .. } => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "version_mismatch",
                "Precondition failed",
                err.to_string(),
            ),
            E::Invalid(domain) => domain.into(),
            E::UnknownReference { field, .. } => {
                Self::unprocessable("unknown_reference", err.to_string()).with_field(field)
            }
            E::IdempotencyMismatch(_) => {
                Self::unprocessable("idempotency_key_reused", err.to_string())
            }
            E::Unavailable(detail) => {
                let mut e = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Service unavailable",
                    "the database is busy or unreachable; retry shortly",
                );
                e.internal = Some(detail.into_boxed_str());
                e.retry_after = Some(1);
                e
            }
            E::Internal(detail) => Self::internal(detail),
        }
    }
}
