//! Passwords: argon2id (the crate's default parameters) as PHC strings, hashed and checked on the
//! blocking pool so a sign-in never stalls the async workers.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Checked against when the user or their password does not exist, so a wrong email costs the
/// same time as a wrong password and sign-in does not tell which accounts exist.
const DECOY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2lnbi1pbi1kZWNveQ$3J8sCNsHkCqSxW+bcg5aWqjPzXKhPNiFXuo/4ZV6b8k";

/// Hashes a password into a PHC string.
pub async fn hash(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| format!("hashing the password: {e}"))
    })
    .await
    .map_err(|e| format!("the hashing task failed: {e}"))?
}

/// Whether `password` matches `stored`; with no stored hash, checks against a decoy and says no.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DECOY.to_owned());
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        known && matches
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery staple".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple".into(), Some(stored.clone())).await);
        assert!(!verify("wrong horse battery staple".into(), Some(stored)).await);
        assert!(!verify("anything".into(), None).await);
        assert!(PasswordHash::new(DECOY).is_ok(), "the decoy parses");
    }
}
