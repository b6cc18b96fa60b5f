//! Request extractors that turn every kind of bad input into a problem response: JSON bodies,
//! query strings, path ids, `If-Match` and `Idempotency-Key`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, IF_MATCH};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// A JSON body, parsed strictly, with a fingerprint of the request for idempotency checks.
pub struct ApiJson<T> {
    pub value: T,
    /// SHA-256 over method, path and body.
    pub fingerprint: Vec<u8>,
}

/// The request's media type without parameters, lower-cased (`multipart/form-data`), or empty.
pub fn media_type(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn is_json(parts: &Parts) -> bool {
    let mime = media_type(&parts.headers);
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Parses JSON text into `T`, classifying failures: syntax errors are 400, well-formed JSON of the
/// wrong shape is 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    from_json_value(json_value(bytes)?)
}

/// Parses JSON text; anything that is not JSON is a 400.
fn json_value(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|err| {
        ApiError::bad_request(
            "malformed_json",
            format!("the body is not valid JSON: {err}"),
        )
    })
}

/// Turns well-formed JSON into `T`; a value of the wrong shape is a 422 naming the field.
fn from_json_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if path == "." {
            ApiError::unprocessable("invalid_input", inner.to_string())
        } else {
            ApiError::unprocessable("invalid_input", format!("{path}: {inner}")).with_field(path)
        }
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        if !is_json(&parts) {
            return Err(not_json());
        }
        let mut hasher = Sha256::new();
        hasher.update(parts.method.as_str());
        hasher.update(b" ");
        hasher.update(parts.uri.path());
        hasher.update(b"\n");
        let req = Request::from_parts(parts, body);
        let bytes = read_body(req, state).await?;
        let json = json_value(&bytes)?;
        // The fingerprint covers the JSON's meaning, not its spelling: object keys sort and
        // whitespace goes, so an equivalent retry matches.
        hasher.update(json.to_string().as_bytes());
        let fingerprint = hasher.finalize().to_vec();
        Ok(Self {
            value: from_json_value(json)?,
            fingerprint,
        })
    }
}

/// The body's bytes; past the server's body limit a 413.
pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "Payload too large",
                "the request body exceeds the server's limit",
            )
        } else {
            ApiError::bad_request("unreadable_body", rejection.body_text())
        }
    })
}

fn not_json() -> ApiError {
    unsupported_media_type("send the body as JSON with `Content-Type: application/json`")
}

/// A 415 saying which media types the route takes.
pub fn unsupported_media_type(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Unsupported media type",
        detail,
    )
}

/// A JSON body that may be left out: an empty body is `None`; anything else must be JSON of `T`,
/// with the same errors as [`ApiJson`].
pub struct OptionalJson<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let json = is_json(&parts);
        let req = Request::from_parts(parts, body);
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        if !json {
            return Err(not_json());
        }
        parse_json(&bytes).map(|v| Self(Some(v)))
    }
}

/// A query string parsed into `T`; bad values are a 400 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|err| {
                ApiError::bad_request("invalid_query", format!("{}: {}", err.path(), err.inner()))
            })
    }
}

/// The version named by `If-Match`, if the client sent one (`*` means any).
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(IF_MATCH) else {
            return Ok(Self(None));
        };
        let text = value.to_str().unwrap_or_default().trim();
        if text == "*" {
            return Ok(Self(None));
        }
        if text.starts_with("W/") {
            // If-Match compares strongly; a weak tag never matches (RFC 9110, 13.1.1).
            return Err(ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "version_mismatch",
                "Precondition failed",
                "If-Match needs a strong ETag such as \"3\"",
            ));
        }
        text.strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|t| t.parse::<i64>().ok())
            .map(|v| Self(Some(v)))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_if_match",
                    "If-Match must be an ETag from this API, like \"3\"",
                )
            })
    }
}

/// The ETag of an object at a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// Most characters in an `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The client's `Idempotency-Key`, if sent.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(Self(None));
        };
        let key = value.to_str().unwrap_or_default().trim();
        let printable = key.bytes().all(|b| b.is_ascii_graphic());
        if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !printable {
            return Err(ApiError::bad_request(
                "invalid_idempotency_key",
                format!(
                    "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters"
                ),
            ));
        }
        Ok(Self(Some(key.to_owned())))
    }
}

/// Parses a path id; anything that is not an id of ours cannot name an object, so it is a 404.
pub fn path_id(resource: &str, raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::try_parse(raw)
        .map_err(|_| ApiError::not_found(format!("{resource} {raw:?} not found")))
}

/// A multipart request's boundary, or `400 malformed_multipart`.
pub fn multipart_boundary(headers: &axum::http::HeaderMap) -> Result<String, ApiError> {
    let header = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    multer::parse_boundary(header).map_err(|e| {
        ApiError::bad_request("malformed_multipart", format!("no multipart boundary: {e}"))
    })
}

/// A multipart reading error: past a size limit the upload's own `413` (`too_large`), else
/// `400 malformed_multipart`.
pub fn multipart_error(e: multer::Error, too_large: fn() -> ApiError) -> ApiError {
    match e {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            too_large()
        }
        other => ApiError::bad_request(
            "malformed_multipart",
            format!("the upload is not valid multipart/form-data: {other}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code)]
    struct Probe {
        name: String,
        count: u32,
    }

    #[test]
    fn json_errors_are_classified() {
        assert_eq!(
            parse_json::<Probe>(b"{").unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            parse_json::<Probe>(b"not json").unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
        let wrong_type = parse_json::<Probe>(br#"{"name": 1, "count": 2}"#).unwrap_err();
        assert_eq!(wrong_type.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let missing = parse_json::<Probe>(br#"{"name": "x"}"#).unwrap_err();
        assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let unknown =
            parse_json::<Probe>(br#"{"name": "x", "count": 1, "admin": true}"#).unwrap_err();
        assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(parse_json::<Probe>(br#"{"name": "x", "count": 1}"#).is_ok());
    }
}
