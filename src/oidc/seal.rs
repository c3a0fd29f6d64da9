//! A login attempt sealed for a cookie: AES-256-GCM under a key derived
//! from a server secret, so the browser can carry the attempt but can
//! neither read its PKCE verifier nor change any of it.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hkdf::Hkdf;
use rand::RngCore as _;
use sha2::Sha256;

use super::error::OidcError;
use super::login::LoginAttempt;

const NONCE_LEN: usize = 12;
/// A sealed attempt is a few hundred bytes; anything much larger is not ours.
const MAX_SEALED: usize = 4096;

/// Seals and opens [`LoginAttempt`]s. Make one per server from a secret
/// that survives restarts (or attempts in flight fail with "expired").
#[derive(Clone)]
pub struct AttemptSealer {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for AttemptSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AttemptSealer(<key>)")
    }
}

impl AttemptSealer {
    /// `secret`: at least 32 random bytes kept by the server. The key is
    /// derived for this one use, so the same secret can serve others.
    pub fn new(secret: &[u8]) -> Result<Self, OidcError> {
        if secret.len() < 32 {
            return Err(OidcError::Config(
                "the login attempt secret must be at least 32 bytes".into(),
            ));
        }
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(None, secret)
            .expand(b"natter oidc login attempt v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        Ok(Self {
            cipher: Aes256Gcm::new(&key.into()),
        })
    }

    /// The attempt as a cookie-safe string (base64url).
    pub fn seal(&self, attempt: &LoginAttempt) -> String {
        let plain = serde_json::to_vec(attempt).expect("an attempt always serializes");
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_slice())
            .expect("AES-GCM seals any length we give it");
        URL_SAFE_NO_PAD.encode([&nonce[..], &sealed].concat())
    }

    /// The attempt inside `sealed`; anything altered, truncated or sealed
    /// under another secret is [`OidcError::AttemptExpired`] (to the person,
    /// all of these mean "start again").
    pub fn open(&self, sealed: &str) -> Result<LoginAttempt, OidcError> {
        if sealed.len() > MAX_SEALED {
            return Err(OidcError::AttemptExpired);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| OidcError::AttemptExpired)?;
        if bytes.len() < NONCE_LEN {
            return Err(OidcError::AttemptExpired);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| OidcError::AttemptExpired)?;
        serde_json::from_slice(&plain).map_err(|_| OidcError::AttemptExpired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt() -> LoginAttempt {
        LoginAttempt {
            state: "state-1".into(),
            nonce: "nonce-1".into(),
            pkce_verifier: "verifier-secret".into(),
            return_to: Some("/rooms/3".into()),
            created_at: 1_800_000_000,
        }
    }

    #[test]
    fn a_cookie_attempt_opens_unchanged_and_hides_its_verifier() {
        let sealer = AttemptSealer::new(&[7; 32]).unwrap();
        let cookie = sealer.seal(&attempt());
        assert!(!cookie.contains("verifier"));
        let raw = URL_SAFE_NO_PAD.decode(&cookie).unwrap();
        assert!(!raw.windows(15).any(|w| w == b"verifier-secret"));
        assert_eq!(sealer.open(&cookie).unwrap(), attempt());
    }

    #[test]
    fn a_tampered_or_foreign_attempt_does_not_open() {
        let sealer = AttemptSealer::new(&[7; 32]).unwrap();
        let cookie = sealer.seal(&attempt());
        let mut raw = URL_SAFE_NO_PAD.decode(&cookie).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        let flipped = URL_SAFE_NO_PAD.encode(&raw);
        let other = AttemptSealer::new(&[8; 32]).unwrap();
        for bad in [
            flipped.as_str(),
            &cookie[..cookie.len() - 4],
            "",
            "!!!",
            &"A".repeat(5000),
        ] {
            assert!(
                matches!(sealer.open(bad), Err(OidcError::AttemptExpired)),
                "{bad:.20}"
            );
        }
        assert!(matches!(
            other.open(&cookie),
            Err(OidcError::AttemptExpired)
        ));
        assert!(AttemptSealer::new(&[1; 31]).is_err());
    }
}
