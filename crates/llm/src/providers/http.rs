//! What the HTTP providers share: timeouts, status classification and `Retry-After`.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::error::LlmError;

/// Deadlines of one call.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Establishing the connection.
    pub connect: Duration,
    /// From sending the request to the first byte of the answer (headers, then first event).
    pub first_token: Duration,
    /// The whole call, streamed or not.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            first_token: Duration::from_secs(30),
            total: Duration::from_secs(120),
        }
    }
}

/// Installs the process's TLS crypto provider (ring) once; every HTTP client needs one.
pub fn ensure_tls_provider() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Fails only if another provider was installed first, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// An HTTP client with the connect timeout set.
pub fn client(timeouts: Timeouts) -> Result<reqwest::Client, LlmError> {
    ensure_tls_provider();
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .build()
        .map_err(|e| LlmError::Protocol {
            provider: "http".into(),
            detail: format!("building the HTTP client: {e}"),
        })
}

/// `Retry-After` in seconds (the HTTP-date form is rare from APIs and treated as absent).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// Classifies a non-success answer.
pub fn status_error(
    provider: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
) -> LlmError {
    let detail: String = body.chars().take(500).collect();
    let provider = provider.to_owned();
    if status == StatusCode::TOO_MANY_REQUESTS {
        LlmError::RateLimited {
            provider,
            retry_after: retry_after(headers),
        }
    } else if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        LlmError::Unavailable {
            provider,
            detail: format!("{status}: {detail}"),
            retry_after: retry_after(headers),
        }
    } else {
        LlmError::Refused {
            provider,
            status: status.as_u16(),
            detail,
        }
    }
}

/// Sends a request, waiting at most `first_token` for the answer to begin, and turns any
/// non-success status into a classified error (5xx, including Anthropic's 529 "overloaded", is
/// "unavailable"; 429 "rate limited"; other 4xx "refused").
pub async fn send(
    provider: &str,
    first_token: Duration,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, LlmError> {
    let response = tokio::time::timeout(first_token, request.send())
        .await
        .map_err(|_| LlmError::Timeout {
            provider: provider.to_owned(),
            phase: "the first token",
        })?
        .map_err(|e| transport_error(provider, &e))?;
    if response.status().is_success() {
        return Ok(response);
    }
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await.unwrap_or_default();
    Err(status_error(provider, status, &headers, &text))
}

/// Classifies a transport failure.
pub fn transport_error(provider: &str, err: &reqwest::Error) -> LlmError {
    if err.is_timeout() {
        LlmError::Timeout {
            provider: provider.to_owned(),
            phase: "the answer",
        }
    } else {
        LlmError::Unavailable {
            provider: provider.to_owned(),
            detail: err.to_string(),
            retry_after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "2".parse().unwrap());
        let e = status_error("p", StatusCode::TOO_MANY_REQUESTS, &headers, "slow down");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        assert!(e.is_retryable());
        assert!(status_error("p", StatusCode::BAD_GATEWAY, &HeaderMap::new(), "").is_retryable());
        assert!(!status_error("p", StatusCode::BAD_REQUEST, &HeaderMap::new(), "").is_retryable());
        let overloaded = StatusCode::from_u16(529).unwrap();
        assert!(status_error("p", overloaded, &HeaderMap::new(), "overloaded").is_retryable());
    }
}
