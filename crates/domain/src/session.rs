//! A person's browser session: who signed in, until when, and the token their forms must carry
//! (CSRF). The session's own secret is never stored, only its SHA-256.

use jiff::Timestamp;

use crate::id::{SessionId, UserId};

/// Shortest and longest password accepted, in characters.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 12..=1024;

/// A signed-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub id: SessionId,
    pub user_id: UserId,
    /// SHA-256 of the session cookie's value.
    pub token_hash: Vec<u8>,
    /// What every form of this session must send back.
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Checks a new password's length (passphrases welcome); the message says why it is refused.
pub fn check_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if !PASSWORD_CHARS.contains(&chars) {
        return Err(format!(
            "a password is {} to {} characters",
            PASSWORD_CHARS.start(),
            PASSWORD_CHARS.end()
        ));
    }
    if password.trim().is_empty() {
        return Err("a password is not only spaces".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_enough() {
        assert!(check_password("short").is_err());
        assert!(check_password("            ").is_err());
        assert!(check_password("correct horse battery staple").is_ok());
    }
}
