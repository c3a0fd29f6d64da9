//! VAPID (RFC 8292): the server's P-256 key, made once and kept, and the
//! ES256 JWT that identifies the server to a push service in
//! `Authorization: vapid t=<jwt>, k=<public key>`.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, LineEnding};
use url::Url;

/// How long a token is valid: RFC 8292 allows at most 24 hours; 12 leaves
/// room for clock skew at the push service.
pub const TOKEN_LIFETIME_SECS: i64 = 12 * 3600;

/// The server's VAPID key pair. Make it once ([`VapidKey::generate`]), store
/// [`VapidKey::to_pem`] (database or data directory, readable only by the
/// server), load it at start ([`VapidKey::from_pem`]). Changing it
/// invalidates every browser subscription. `Debug` never shows the secret.
#[derive(Clone)]
pub struct VapidKey {
    signing: SigningKey,
}

impl fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VapidKey(public {})", self.public_key_base64())
    }
}

/// A stored key that could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("the VAPID key is not a P-256 private key ({0})")]
pub struct VapidKeyError(String);

/// A contact (`sub`) that is not a `mailto:` or `https:` URI.
#[derive(Debug, thiserror::Error)]
#[error("the VAPID contact must be a mailto: or https: URI, such as mailto:admin@example.com")]
pub struct BadContact;

impl VapidKey {
    /// A new random key pair.
    pub fn generate() -> Self {
        Self {
            signing: SigningKey::random(&mut rand::rngs::OsRng),
        }
    }

    /// Reads a PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE
    /// KEY`, as `openssl ecparam -genkey` writes) PEM.
    pub fn from_pem(pem: &str) -> Result<Self, VapidKeyError> {
        if let Ok(signing) = SigningKey::from_pkcs8_pem(pem) {
            return Ok(Self { signing });
        }
        let secret =
            p256::SecretKey::from_sec1_pem(pem).map_err(|e| VapidKeyError(e.to_string()))?;
        Ok(Self {
            signing: secret.into(),
        })
    }

    /// The key as PKCS#8 PEM, for storing.
    pub fn to_pem(&self) -> String {
        self.signing
            .to_pkcs8_pem(LineEnding::LF)
            .expect("a P-256 key encodes")
            .to_string()
    }

    /// Reads the 32-byte private scalar (what [`VapidKey::to_bytes`] gives).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VapidKeyError> {
        SigningKey::from_slice(bytes)
            .map(|signing| Self { signing })
            .map_err(|e| VapidKeyError(e.to_string()))
    }

    /// The 32-byte private scalar, for a binary column.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.signing.to_bytes().into()
    }

    /// The uncompressed public point (65 bytes, starting 0x04).
    pub fn public_key(&self) -> Vec<u8> {
        self.signing
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec()
    }

    /// The public key as base64url: the page passes it to
    /// `pushManager.subscribe({applicationServerKey})`, and it is `k=`.
    pub fn public_key_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.public_key())
    }

    /// An ES256 JWT for `audience` (the push service's origin), valid until
    /// `expires_at` (unix seconds), naming `contact`.
    pub fn token(&self, audience: &str, contact: &str, expires_at: i64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({ "aud": audience, "exp": expires_at, "sub": contact });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        // JWS ES256 is the raw 64-byte r || s, not DER.
        let signature: Signature = self.signing.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }

    /// The `Authorization` header value for a push to `endpoint` at `now`.
    pub fn authorization(&self, endpoint: &Url, contact: &str, now: i64) -> String {
        let token = self.token(&audience(endpoint), contact, now + TOKEN_LIFETIME_SECS);
        format!("vapid t={token}, k={}", self.public_key_base64())
    }
}

/// The JWT audience for an endpoint: its origin (`https://host[:port]`).
pub fn audience(endpoint: &Url) -> String {
    endpoint.origin().ascii_serialization()
}

/// Checks a VAPID contact before it is used for every push.
pub fn check_contact(contact: &str) -> Result<(), BadContact> {
    let ok = match Url::parse(contact) {
        Ok(url) if url.scheme() == "mailto" => url.path().contains('@'),
        Ok(url) if url.scheme() == "https" => url.host().is_some(),
        _ => false,
    };
    ok.then_some(()).ok_or(BadContact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_key_loads_back_as_the_same_key_from_pem_and_from_bytes() {
        let key = VapidKey::generate();
        let pem = key.to_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
        assert_eq!(
            VapidKey::from_pem(&pem).unwrap().public_key(),
            key.public_key()
        );
        assert_eq!(
            VapidKey::from_bytes(&key.to_bytes()).unwrap().public_key(),
            key.public_key()
        );
        assert_ne!(VapidKey::generate().public_key(), key.public_key());
    }

    #[test]
    fn an_openssl_sec1_key_loads() {
        let key = VapidKey::generate();
        let secret = p256::SecretKey::from_slice(&key.to_bytes()).unwrap();
        let sec1 = secret.to_sec1_pem(LineEnding::LF).unwrap();
        assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"));
        assert_eq!(
            VapidKey::from_pem(&sec1).unwrap().public_key(),
            key.public_key()
        );
    }

    #[test]
    fn a_key_that_is_not_p256_is_refused_with_a_sentence() {
        let err =
            VapidKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the VAPID key is not a P-256 private key"),
            "{err}"
        );
        assert!(
            VapidKey::from_bytes(&[0u8; 32]).is_err(),
            "zero is not a valid scalar"
        );
    }

    #[test]
    fn the_public_key_is_an_uncompressed_point_and_debug_hides_the_secret() {
        let key = VapidKey::generate();
        let public = key.public_key();
        assert_eq!((public.len(), public[0]), (65, 0x04));
        assert_eq!(key.public_key_base64().len(), 87);
        let debug = format!("{key:?}");
        assert!(
            !debug.contains(&URL_SAFE_NO_PAD.encode(key.to_bytes())),
            "{debug}"
        );
    }

    #[test]
    fn the_audience_is_the_endpoints_origin() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            audience(&url("https://fcm.googleapis.com/fcm/send/abc?x=1")),
            "https://fcm.googleapis.com"
        );
        assert_eq!(
            audience(&url("https://push.example:8443/p/1")),
            "https://push.example:8443"
        );
        assert_eq!(
            audience(&url("https://push.example:443/p/1")),
            "https://push.example"
        );
    }

    #[test]
    fn contacts_must_be_mailto_or_https() {
        for ok in [
            "mailto:admin@example.com",
            "https://chat.example.com/contact",
        ] {
            assert!(check_contact(ok).is_ok(), "{ok}");
        }
        for bad in [
            "admin@example.com",
            "http://example.com",
            "mailto:nobody",
            "",
        ] {
            assert!(check_contact(bad).is_err(), "{bad}");
        }
    }
}
