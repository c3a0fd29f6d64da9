//! Signing keys for the test provider: one fixed RSA key (ring cannot make
//! RSA keys, and making one per run would be slow) and fresh EC keys.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair, RsaPublicKeyComponents};
use serde_json::{json, Value};

use crate::oidc::Algorithm;

/// A 2048-bit RSA key (PKCS#1 DER) made with `openssl genpkey` for these
/// tests only.
const RSA_DER: &[u8] = include_bytes!("test-rsa-key.der");

enum Pair {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// A key the test provider can sign with, published in its JWKS or not.
pub(crate) struct TestKey {
    pub kid: String,
    pub alg: Algorithm,
    pair: Pair,
}

impl TestKey {
    /// A key for `alg` with key id `kid`.
    pub fn new(kid: &str, alg: Algorithm) -> Arc<Self> {
        let rng = SystemRandom::new();
        let ec = |signing: &'static signature::EcdsaSigningAlgorithm| {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &rng).unwrap();
            Pair::Ecdsa(EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref(), &rng).unwrap())
        };
        let pair = match alg {
            Algorithm::ES256 => ec(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
            Algorithm::ES384 => ec(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
            _ => Pair::Rsa(RsaKeyPair::from_der(RSA_DER).unwrap()),
        };
        Arc::new(Self {
            kid: kid.to_owned(),
            alg,
            pair,
        })
    }

    /// The public half as a JWK.
    pub fn jwk(&self) -> Value {
        let enc = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        match &self.pair {
            Pair::Rsa(pair) => {
                let public = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                json!({"kty": "RSA", "kid": self.kid, "use": "sig", "alg": self.alg.name(),
                       "n": enc(&public.n), "e": enc(&public.e)})
            }
            Pair::Ecdsa(pair) => {
                let point = pair.public_key().as_ref();
                let half = (point.len() - 1) / 2;
                let crv = if half == 32 { "P-256" } else { "P-384" };
                json!({"kty": "EC", "kid": self.kid, "use": "sig", "crv": crv,
                       "x": enc(&point[1..=half]), "y": enc(&point[1 + half..])})
            }
        }
    }

    /// The JWS signature of `input` with this key's algorithm.
    pub fn sign(&self, input: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.pair {
            Pair::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match self.alg {
                    Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_SHA256,
                    _ => &signature::RSA_PKCS1_SHA256,
                };
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &rng, input, &mut sig).unwrap();
                sig
            }
            Pair::Ecdsa(pair) => pair.sign(&rng, input).unwrap().as_ref().to_vec(),
        }
    }
}
