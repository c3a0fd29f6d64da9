//! Compact JWS (the signed form of an ID token): splitting, the header, the
//! algorithm allow list, and checking a signature against one public key
//! with `ring`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;

use super::error::TokenRefusal;

/// Longer than any real ID token; a cap so a hostile provider cannot make
/// us decode megabytes.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The signature algorithms accepted. Only asymmetric ones: `none` proves
/// nothing, and HS256 would let anyone holding the client secret (or a
/// confused "public key as HMAC secret") forge tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    RS256,
    RS384,
    RS512,
    PS256,
    ES256,
    ES384,
}

impl Algorithm {
    pub const ALL: [Self; 6] = [
        Self::RS256,
        Self::RS384,
        Self::RS512,
        Self::PS256,
        Self::ES256,
        Self::ES384,
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
        }
    }
}

/// A public key from the provider's JWKS, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// Big-endian modulus (no leading zeros) and exponent.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An uncompressed point (`04 || x || y`) on P-256.
    P256(Vec<u8>),
    /// An uncompressed point on P-384.
    P384(Vec<u8>),
}

impl PublicKey {
    /// Whether this key can check signatures made with `alg`.
    pub fn suits(&self, alg: Algorithm) -> bool {
        match self {
            Self::Rsa { .. } => matches!(
                alg,
                Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 | Algorithm::PS256
            ),
            Self::P256(_) => alg == Algorithm::ES256,
            Self::P384(_) => alg == Algorithm::ES384,
        }
    }

    /// True when `sig` is a valid `alg` signature of `message` by this key.
    /// RSA moduli under 2048 bits are refused by the algorithms chosen.
    pub fn verifies(&self, alg: Algorithm, message: &[u8], sig: &[u8]) -> bool {
        let rsa = |params: &'static signature::RsaParameters, n: &[u8], e: &[u8]| {
            RsaPublicKeyComponents { n, e }
                .verify(params, message, sig)
                .is_ok()
        };
        match (self, alg) {
            (Self::Rsa { n, e }, Algorithm::RS256) => {
                rsa(&signature::RSA_PKCS1_2048_8192_SHA256, n, e)
            }
            (Self::Rsa { n, e }, Algorithm::RS384) => {
                rsa(&signature::RSA_PKCS1_2048_8192_SHA384, n, e)
            }
            (Self::Rsa { n, e }, Algorithm::RS512) => {
                rsa(&signature::RSA_PKCS1_2048_8192_SHA512, n, e)
            }
            (Self::Rsa { n, e }, Algorithm::PS256) => {
                rsa(&signature::RSA_PSS_2048_8192_SHA256, n, e)
            }
            // JWS carries ECDSA signatures as fixed-width r || s.
            (Self::P256(point), Algorithm::ES256) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, sig)
                    .is_ok()
            }
            (Self::P384(point), Algorithm::ES384) => {
                UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point)
                    .verify(message, sig)
                    .is_ok()
            }
            _ => false,
        }
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    /// Extensions the signer says must be understood; we understand none.
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// A compact JWS split and decoded, its signature not yet checked.
#[derive(Debug)]
pub struct Signed<'a> {
    pub alg: Algorithm,
    pub kid: Option<String>,
    /// `header.payload` as sent: what the signature covers.
    pub signing_input: &'a str,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Splits `token` and reads its header. Refuses any algorithm outside the
/// allow list before anything else is looked at.
pub fn parse(token: &str) -> Result<Signed<'_>, TokenRefusal> {
    let malformed = |why: &str| TokenRefusal::Malformed(why.to_owned());
    if token.len() > MAX_TOKEN_BYTES {
        return Err(malformed("it is too long"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("it is not three dot-separated parts"));
    };
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| malformed(&format!("its {what} is not base64url")))
    };
    let header: Header = serde_json::from_slice(&decode(header, "header")?)
        .map_err(|_| malformed("its header is not a JSON object with an alg"))?;
    let alg = Algorithm::parse(&header.alg)
        .ok_or_else(|| TokenRefusal::UnsupportedAlgorithm(header.alg.clone()))?;
    if header.crit.is_some() {
        return Err(malformed("its header has critical extensions"));
    }
    let signature = decode(sig, "signature")?;
    Ok(Signed {
        alg,
        kid: header.kid,
        signing_input: &token[..token.len() - sig.len() - 1],
        payload: decode(payload, "payload")?,
        signature,
    })
}

/// Decodes a JWK's base64url member.
pub fn b64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str) -> String {
        let enc = |s: &str| URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.{}", enc(header), enc("{}"), enc("sig"))
    }

    #[test]
    fn none_and_hmac_algorithms_are_refused_before_any_key_is_looked_at() {
        for alg in ["none", "None", "HS256", "HS512", "RS1", ""] {
            let err = parse(&token(&format!(r#"{{"alg":"{alg}"}}"#))).unwrap_err();
            assert_eq!(err, TokenRefusal::UnsupportedAlgorithm(alg.into()));
        }
    }

    #[test]
    fn tokens_that_are_not_three_base64url_parts_are_malformed() {
        let good = token(r#"{"alg":"RS256","kid":"k"}"#);
        let signed = parse(&good).unwrap();
        assert_eq!(
            (signed.alg, signed.kid.as_deref()),
            (Algorithm::RS256, Some("k"))
        );
        assert_eq!(signed.signing_input, good.rsplit_once('.').unwrap().0);
        for bad in [
            String::new(),
            "a.b".into(),
            format!("{good}.x"),
            good.replace('.', "!."),
            token(r#"{"alg":"RS256","crit":["exp"]}"#),
            "x".repeat(MAX_TOKEN_BYTES + 1),
        ] {
            assert!(
                matches!(parse(&bad), Err(TokenRefusal::Malformed(_))),
                "{bad:.40}"
            );
        }
    }
}
