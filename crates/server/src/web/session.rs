//! Browser sessions. The cookie reads `aas_<tenant id, 32 hex>_<secret, 64 hex>`: the tenant part
//! scopes the lookup (row-level security holds at sign-in too), the secret is 256 random bits,
//! and only its SHA-256 is stored. Cookies are `HttpOnly`, `Secure` and `SameSite=Lax`; every
//! form carries the session's CSRF token, and the sign-in form a token of its own (double
//! submit), compared in constant time.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use domain::id::TenantId;
use domain::session::WebSession;
use domain::user::User;
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "aa_session";
/// The sign-in form's CSRF cookie.
pub const LOGIN_CSRF_COOKIE: &str = "aa_login_csrf";
/// How long a session lasts, in seconds (a working day and a half).
pub const SESSION_SECONDS: i64 = 12 * 3600;
const PREFIX: &str = "aas_";

/// Random bytes as lower-case hex.
pub fn random_hex(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// SHA-256 of a cookie value.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new session token for a tenant.
pub fn new_token(tenant: TenantId) -> Result<String, getrandom::Error> {
    Ok(format!(
        "{PREFIX}{}_{}",
        tenant.as_uuid().simple(),
        random_hex(32)?
    ))
}

/// The tenant a token claims, if it is shaped like one of ours.
fn tenant_of(token: &str) -> Option<TenantId> {
    let (tenant, secret) = token.strip_prefix(PREFIX)?.split_once('_')?;
    let valid =
        tenant.len() == 32 && secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    valid
        .then(|| uuid::Uuid::try_parse(tenant).ok())
        .flatten()
        .map(TenantId::from_uuid)
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite`, and `Secure` unless the installation turned
/// it off; `max_age` 0 clears it.
pub fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    same_site: &str,
    max_age: i64,
    secure: bool,
) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly{secure}; SameSite={same_site}"
    )
}

/// The cookie naming the business units this browser signed in to, most recent first.
pub const UNITS_COOKIE: &str = "aa_units";
/// Most business units the cookie remembers.
const MAX_UNITS: usize = 8;
/// How long the browser remembers them: 90 days.
pub const UNITS_SECONDS: i64 = 90 * 24 * 3600;

/// The business units this browser signed in to, as short names (anything else in the cookie is
/// ignored). Only names: switching always asks for that unit's password, and nothing is looked
/// up across tenants, so no unit learns of another.
pub fn remembered_units(headers: &HeaderMap) -> Vec<String> {
    cookie(headers, UNITS_COOKIE)
        .unwrap_or_default()
        .split('.')
        .filter_map(|name| domain::tenant::TenantSlug::parse(name).ok())
        .map(|slug| slug.to_string())
        .take(MAX_UNITS)
        .collect()
}

/// The units cookie's value after signing in to `unit`: it first, then the others.
pub fn units_after_sign_in(headers: &HeaderMap, unit: &str) -> String {
    let mut units = vec![unit.to_owned()];
    units.extend(remembered_units(headers).into_iter().filter(|u| u != unit));
    units.truncate(MAX_UNITS);
    units.join(".")
}

/// Equal strings, compared without an early exit.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in person: their tenant, user record and session.
#[derive(Debug, Clone)]
pub struct Signed {
    pub tenant: TenantId,
    pub tenant_name: String,
    pub user: User,
    pub session: WebSession,
    /// The cookie's value (to sign out).
    pub token: String,
    /// Other business units this browser signed in to (from the units cookie): where the
    /// switcher offers to go.
    pub other_units: Vec<String>,
}

/// The signed-in person of a request, if its session cookie names a live session of an active
/// user.
pub async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Signed>, store::Error> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(tenant) = tenant_of(&token) else {
        return Ok(None);
    };
    let Some(session) = state.store.session(tenant, &token_hash(&token)).await? else {
        return Ok(None);
    };
    let user: User = match state.store.get(tenant, session.user_id.as_uuid()).await {
        Ok(user) => user,
        Err(store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    if !user.active {
        return Ok(None);
    }
    let record = state.store.tenant(tenant).await?;
    let here = record.name.to_string();
    let other_units = remembered_units(headers)
        .into_iter()
        .filter(|unit| *unit != here)
        .collect();
    Ok(Some(Signed {
        tenant,
        tenant_name: record.display_name,
        user,
        session,
        token,
        other_units,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_tenant_and_cookies_are_read_and_written() {
        let tenant = TenantId::generate();
        let token = new_token(tenant).unwrap();
        assert_eq!(tenant_of(&token), Some(tenant));
        assert_eq!(tenant_of("aas_nothex_abc"), None);
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            format!("a=1; {SESSION_COOKIE}={token}").parse().unwrap(),
        );
        assert_eq!(
            cookie(&headers, SESSION_COOKIE).as_deref(),
            Some(token.as_str())
        );
        assert!(
            set_cookie("x", "y", "/", "Lax", 60, true).contains("HttpOnly; Secure; SameSite=Lax")
        );
        assert!(set_cookie("x", "y", "/", "Lax", 60, false).ends_with("HttpOnly; SameSite=Lax"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
