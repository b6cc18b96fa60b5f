//! Sealing integration credentials: AES-256-GCM under the installation's secrets key, with a
//! fresh random nonce per seal and the tenant and integration as associated data, so a sealed
//! secret copied to another tenant or integration does not open. Fingerprints are HMAC-SHA-256
//! under a key derived from the same secrets key, so they tell two secrets apart without
//! helping anyone guess one.

use domain::credential::Integration;
use domain::id::TenantId;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;

/// Bytes of a secrets key.
pub const KEY_BYTES: usize = 32;

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the secrets key must be {KEY_BYTES} bytes, written as 64 hex digits")]
    BadKey,
    #[error("no random source for a nonce")]
    Random,
    #[error("the sealed secret does not open with this key, tenant and integration")]
    Unopenable,
}

/// The installation's secrets key, ready to seal and open.
pub struct SecretBox {
    aead: LessSafeKey,
    mac: hmac::Key,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

fn associated(tenant: TenantId, integration: Integration) -> Vec<u8> {
    let mut aad = tenant.as_uuid().as_bytes().to_vec();
    aad.extend_from_slice(integration.as_str().as_bytes());
    aad
}

impl SecretBox {
    /// A box from 32 key bytes.
    pub fn new(key: &[u8]) -> Result<Self, SecretError> {
        if key.len() != KEY_BYTES {
            return Err(SecretError::BadKey);
        }
        let aead =
            LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).map_err(|_| SecretError::BadKey)?);
        // A separate key for fingerprints, so no value is ever used under both algorithms.
        let derived = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, key),
            b"agent-army credential fingerprint",
        );
        Ok(Self {
            aead,
            mac: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
        })
    }

    /// A box from a key written as 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<Self, SecretError> {
        let hex = hex.trim();
        if hex.len() != KEY_BYTES * 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SecretError::BadKey);
        }
        let bytes: Vec<u8> = (0..KEY_BYTES)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
            .collect::<Result<_, _>>()
            .map_err(|_| SecretError::BadKey)?;
        Self::new(&bytes)
    }

    /// A new random key as 64 hex digits.
    pub fn generate_hex() -> Result<String, SecretError> {
        let mut key = [0u8; KEY_BYTES];
        getrandom::fill(&mut key).map_err(|_| SecretError::Random)?;
        Ok(key.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The nonce followed by the ciphertext and its tag.
    pub fn seal(
        &self,
        tenant: TenantId,
        integration: Integration,
        secret: &str,
    ) -> Result<Vec<u8>, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| SecretError::Random)?;
        let mut sealed = secret.as_bytes().to_vec();
        self.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(associated(tenant, integration)),
                &mut sealed,
            )
            .map_err(|_| SecretError::Unopenable)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The secret of a sealed value, if it was sealed under this key for this tenant and
    /// integration.
    pub fn open(
        &self,
        tenant: TenantId,
        integration: Integration,
        sealed: &[u8],
    ) -> Result<String, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Unopenable);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::Unopenable)?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .aead
            .open_in_place(
                nonce,
                Aad::from(associated(tenant, integration)),
                &mut buffer,
            )
            .map_err(|_| SecretError::Unopenable)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SecretError::Unopenable)
    }

    /// A short keyed fingerprint of a secret (16 hex digits).
    pub fn fingerprint(&self, secret: &str) -> String {
        hmac::sign(&self.mac, secret.as_bytes()).as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_where_they_were_sealed() {
        let key = SecretBox::generate_hex().unwrap();
        let secrets = SecretBox::from_hex(&key).unwrap();
        let (a, b) = (TenantId::generate(), TenantId::generate());
        let sealed = secrets
            .seal(a, Integration::Hubspot, "pat-na1-secret")
            .unwrap();
        assert!(
            !sealed.windows(6).any(|w| w == b"secret"),
            "sealed, not stored in the clear"
        );
        assert_eq!(
            secrets.open(a, Integration::Hubspot, &sealed).unwrap(),
            "pat-na1-secret"
        );
        // Another tenant, another integration, another key, a flipped bit: nothing opens.
        assert!(secrets.open(b, Integration::Hubspot, &sealed).is_err());
        assert!(secrets.open(a, Integration::Notion, &sealed).is_err());
        let other = SecretBox::from_hex(&SecretBox::generate_hex().unwrap()).unwrap();
        assert!(other.open(a, Integration::Hubspot, &sealed).is_err());
        let mut flipped = sealed.clone();
        if let Some(last) = flipped.last_mut() {
            *last ^= 1;
        }
        assert!(secrets.open(a, Integration::Hubspot, &flipped).is_err());
        assert!(secrets.open(a, Integration::Hubspot, &sealed[..4]).is_err());
        // A fresh nonce each time: sealing twice differs, the fingerprint does not.
        assert_ne!(
            sealed,
            secrets
                .seal(a, Integration::Hubspot, "pat-na1-secret")
                .unwrap()
        );
        assert_eq!(
            secrets.fingerprint("pat-na1-secret"),
            secrets.fingerprint("pat-na1-secret")
        );
        assert_ne!(
            secrets.fingerprint("pat-na1-secret"),
            other.fingerprint("pat-na1-secret")
        );
        assert_eq!(secrets.fingerprint("x").len(), 16);
        assert!(SecretBox::from_hex("abc").is_err());
        assert!(format!("{secrets:?}").contains("redacted"));
    }
}
