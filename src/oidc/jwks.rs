//! The provider's signing keys (JWKS): parsed into [`PublicKey`]s, cached,
//! and fetched again when a token names a key the cache does not hold
//! (providers rotate keys), at most once per `min_refetch`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use url::Url;

use super::discovery::get_json;
use super::error::{OidcError, TokenRefusal};
use super::jws::{b64, Algorithm, PublicKey, Signed};
use crate::outbound::OutboundClient;

/// One usable key of the set.
#[derive(Debug, Clone)]
pub struct Jwk {
    pub kid: Option<String>,
    /// The `alg` the key is restricted to, when the JWKS says.
    pub alg: Option<Algorithm>,
    pub key: PublicKey,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<RawKey>,
}

#[derive(Deserialize)]
struct RawKey {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

/// The signing keys of a JWKS document. Keys we cannot use (encryption
/// keys, other key types or curves, algorithms outside the allow list) are
/// skipped, not fatal: a provider may publish more than we need.
pub fn parse_jwks(json: &serde_json::Value) -> Result<Vec<Jwk>, OidcError> {
    let set: RawSet = serde_json::from_value(json.clone())
        .map_err(|e| OidcError::Discovery(format!("its JWKS is not valid: {e}")))?;
    Ok(set.keys.into_iter().filter_map(usable).collect())
}

fn usable(raw: RawKey) -> Option<Jwk> {
    if raw.usage.as_deref().is_some_and(|u| u != "sig") {
        return None;
    }
    let alg = match raw.alg.as_deref() {
        None => None,
        Some(name) => Some(Algorithm::parse(name)?),
    };
    let key = match (raw.kty.as_str(), raw.crv.as_deref()) {
        ("RSA", _) => {
            let n = b64(raw.n.as_deref()?)?;
            // Some providers pad the modulus with a zero byte; ring wants
            // the minimal encoding.
            let first = n.iter().position(|&b| b != 0)?;
            PublicKey::Rsa {
                n: n[first..].to_vec(),
                e: b64(raw.e.as_deref()?)?,
            }
        }
        ("EC", Some(crv @ ("P-256" | "P-384"))) => {
            let size = if crv == "P-256" { 32 } else { 48 };
            let (x, y) = (b64(raw.x.as_deref()?)?, b64(raw.y.as_deref()?)?);
            if x.len() != size || y.len() != size {
                return None;
            }
            let point = [&[4u8][..], &x, &y].concat();
            if size == 32 {
                PublicKey::P256(point)
            } else {
                PublicKey::P384(point)
            }
        }
        _ => return None,
    };
    if alg.is_some_and(|alg| !key.suits(alg)) {
        return None;
    }
    Some(Jwk {
        kid: raw.kid,
        alg,
        key,
    })
}

/// How the key cache behaves.
#[derive(Debug, Clone, Copy)]
pub struct KeyCachePolicy {
    /// Keys older than this are fetched again before use, so a key the
    /// provider withdrew stops being trusted.
    pub max_age: Duration,
    /// An unknown `kid` fetches the set again only if the last fetch is at
    /// least this old: tokens naming made-up keys cannot make us hammer the
    /// provider.
    pub min_refetch: Duration,
}

impl Default for KeyCachePolicy {
    fn default() -> Self {
        Self {
            max_age: Duration::from_hours(1),
            min_refetch: Duration::from_secs(30),
        }
    }
}

struct Cached {
    keys: Arc<Vec<Jwk>>,
    fetched: Instant,
}

/// The provider's keys, fetched on first use. One fetch at a time: callers
/// that find the cache stale wait for the fetch in flight.
pub struct KeyCache {
    client: OutboundClient,
    jwks_uri: Url,
    policy: KeyCachePolicy,
    cached: tokio::sync::Mutex<Option<Cached>>,
}

impl KeyCache {
    pub fn new(client: OutboundClient, jwks_uri: Url, policy: KeyCachePolicy) -> Self {
        Self {
            client,
            jwks_uri,
            policy,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Checks the token's signature against the provider's keys.
    pub async fn verify(&self, signed: &Signed<'_>) -> Result<(), OidcError> {
        let mut keys = self.keys(false).await?;
        if matching(&keys, signed).is_empty() {
            keys = self.keys(true).await?;
        }
        let candidates = matching(&keys, signed);
        if candidates.is_empty() {
            return Err(TokenRefusal::UnknownKey.into());
        }
        let message = signed.signing_input.as_bytes();
        if candidates
            .iter()
            .any(|jwk| jwk.key.verifies(signed.alg, message, &signed.signature))
        {
            Ok(())
        } else {
            Err(TokenRefusal::BadSignature.into())
        }
    }

    /// The cached keys, fetched first when missing, too old, or (with
    /// `refetch`) when the caller met an unknown key and the last fetch is
    /// old enough to ask again.
    async fn keys(&self, refetch: bool) -> Result<Arc<Vec<Jwk>>, OidcError> {
        let mut cached = self.cached.lock().await;
        let stale = match cached.as_ref() {
            None => true,
            Some(c) => {
                let age = c.fetched.elapsed();
                age >= self.policy.max_age || (refetch && age >= self.policy.min_refetch)
            }
        };
        if stale {
            let json: serde_json::Value = get_json(&self.client, &self.jwks_uri, "JWKS").await?;
            *cached = Some(Cached {
                keys: Arc::new(parse_jwks(&json)?),
                fetched: Instant::now(),
            });
        }
        Ok(Arc::clone(&cached.as_ref().expect("filled above").keys))
    }
}

/// The keys that could have signed `signed`: same `kid` (any, when the
/// token names none), a key type for its algorithm, and no other `alg`.
fn matching<'k>(keys: &'k [Jwk], signed: &Signed<'_>) -> Vec<&'k Jwk> {
    keys.iter()
        .filter(|jwk| signed.kid.is_none() || jwk.kid == signed.kid)
        .filter(|jwk| jwk.key.suits(signed.alg) && jwk.alg.is_none_or(|a| a == signed.alg))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_we_cannot_verify_with_are_skipped_not_fatal() {
        let x =
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, [1u8; 32]);
        let set = json!({"keys": [
            {"kty": "EC", "crv": "P-256", "kid": "ok", "x": x, "y": x, "use": "sig"},
            {"kty": "EC", "crv": "P-256", "kid": "enc", "x": x, "y": x, "use": "enc"},
            {"kty": "EC", "crv": "P-521", "kid": "curve", "x": x, "y": x},
            {"kty": "EC", "crv": "P-256", "kid": "short", "x": "AQ", "y": x},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "RSA", "kid": "hs", "alg": "HS256", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "mismatch", "alg": "ES256", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "rsa", "n": "AAEC", "e": "AQAB"},
        ]});
        let keys = parse_jwks(&set).unwrap();
        let kids: Vec<_> = keys.iter().map(|k| k.kid.clone().unwrap()).collect();
        assert_eq!(kids, ["ok", "rsa"]);
        assert_eq!(
            keys[1].key,
            PublicKey::Rsa {
                n: vec![1, 2],
                e: vec![1, 0, 1]
            }
        );
        assert!(parse_jwks(&json!({"nokeys": []})).is_err());
    }
}
