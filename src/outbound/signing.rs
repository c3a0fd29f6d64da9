//! The signature on outgoing webhooks (and slash-command calls):
//! `Natter-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
//! `"<t>.<raw body>"`, keyed with the hook's secret as the ASCII bytes the
//! owner was shown. `docs/webhooks.md` is the receiver's side of this.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Natter-Signature";

/// How far a signature's timestamp may be from the receiver's clock before a
/// receiver should refuse it (replay window).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_mins(5);

const PREFIX: &str = "whsec_";

/// A hook's signing secret: `whsec_` and 43 base64url characters (32 random
/// bytes). Shown to the owner once; stored as is, since signing needs it.
/// `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl WebhookSecret {
    /// A new random secret.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A stored secret read back.
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let ok = text
            .strip_prefix(PREFIX)
            .is_some_and(|rest| URL_SAFE_NO_PAD.decode(rest).is_ok_and(|b| b.len() >= 16));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(SignatureError::BadSecret)
        }
    }

    /// The text to store and to show the owner once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(self.0.as_bytes()).expect("HMAC takes a key of any length")
    }
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Natter-Signature header is not of the form t=<unix seconds>,v1=<hex>")]
    Malformed,
    #[error("the signature's timestamp is outside the allowed window")]
    Stale,
    #[error("no v1 signature matches the body")]
    Mismatch,
    #[error("a webhook secret is whsec_ followed by base64url")]
    BadSecret,
}

/// The header value for `body` sent at `timestamp` (unix seconds).
pub fn sign(secret: &WebhookSecret, timestamp: i64, body: &[u8]) -> String {
    let mut mac = secret.mac();
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={timestamp},v1={}", hex(&mac.finalize().into_bytes()))
}

/// Verifies a `Natter-Signature` header against `body` with any of
/// `secrets` (two while a secret is being rotated), refusing timestamps more
/// than `tolerance` away from `now` (unix seconds). Compares in constant time.
pub fn verify(
    secrets: &[&WebhookSecret],
    header: &str,
    body: &[u8],
    now: i64,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => {
                timestamp = Some(t.parse::<i64>().map_err(|_| SignatureError::Malformed)?);
            }
            Some(("v1", sig)) => candidates.push(unhex(sig).ok_or(SignatureError::Malformed)?),
            // Other schemes (a later v2) are skipped, as Stripe's are.
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(timestamp) > tolerance.as_secs() {
        return Err(SignatureError::Stale);
    }
    for secret in secrets {
        for candidate in &candidates {
            let mut mac = secret.mac();
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            if mac.verify_slice(candidate).is_ok() {
                return Ok(());
            }
        }
    }
    Err(SignatureError::Mismatch)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> WebhookSecret {
        WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw2ZqEDkMbUWw").unwrap()
    }

    #[test]
    fn the_documented_example_signature_is_what_the_signer_makes() {
        // The worked example in docs/webhooks.md; a change to the scheme
        // must change the doc too.
        let header = sign(&secret(), 1_700_000_000, br#"{"room":7,"seq":42}"#);
        assert_eq!(
            header,
            "t=1700000000,v1=e73813c101d5aba748925d3d736186127b1c332162c5cdf5e151f04a847c32e8"
        );
    }

    #[test]
    fn a_signature_verifies_and_a_changed_body_does_not() {
        let body = br#"{"room":7,"seq":42}"#;
        let header = sign(&secret(), 1_000, body);
        assert_eq!(
            verify(&[&secret()], &header, body, 1_010, DEFAULT_TOLERANCE),
            Ok(())
        );
        let tampered = br#"{"room":7,"seq":43}"#;
        assert_eq!(
            verify(&[&secret()], &header, tampered, 1_010, DEFAULT_TOLERANCE),
            Err(SignatureError::Mismatch)
        );
        let other = WebhookSecret::generate();
        assert_eq!(
            verify(&[&other], &header, body, 1_010, DEFAULT_TOLERANCE),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn an_old_or_future_timestamp_is_refused_as_a_replay() {
        let header = sign(&secret(), 1_000, b"x");
        assert_eq!(
            verify(&[&secret()], &header, b"x", 1_000 + 301, DEFAULT_TOLERANCE),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&[&secret()], &header, b"x", 1_000 - 301, DEFAULT_TOLERANCE),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&[&secret()], &header, b"x", 1_000 + 300, DEFAULT_TOLERANCE),
            Ok(())
        );
    }

    #[test]
    fn either_secret_verifies_while_one_is_being_rotated() {
        let (old, new) = (secret(), WebhookSecret::generate());
        let header = sign(&new, 5, b"body");
        assert_eq!(
            verify(&[&old, &new], &header, b"body", 5, DEFAULT_TOLERANCE),
            Ok(())
        );
        // A sender signing with both during rotation: either v1 matches.
        let new_header = sign(&new, 5, b"body");
        let both = format!(
            "{},{}",
            sign(&old, 5, b"body"),
            &new_header[new_header.find("v1=").unwrap()..]
        );
        assert_eq!(
            verify(&[&new], &both, b"body", 5, DEFAULT_TOLERANCE),
            Ok(())
        );
    }

    #[test]
    fn a_malformed_header_is_named_as_such() {
        for header in [
            "",
            "v1=00",
            "t=abc,v1=00",
            "t=5",
            "t=5,v1=zz",
            "t=5,v1=0",
            "garbage",
        ] {
            assert_eq!(
                verify(&[&secret()], header, b"", 5, DEFAULT_TOLERANCE),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
    }

    #[test]
    fn generated_secrets_parse_back_and_differ() {
        let (a, b) = (WebhookSecret::generate(), WebhookSecret::generate());
        assert_ne!(a, b);
        assert_eq!(WebhookSecret::parse(a.expose()).unwrap(), a);
        assert!(WebhookSecret::parse("hunter2").is_err());
        assert!(!format!("{a:?}").contains(a.expose()));
    }
}
