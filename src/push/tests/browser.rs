//! The other end, written from the RFCs for the tests: a browser that
//! decrypts an `aes128gcm` push (RFC 8291 section 3.4, RFC 8188) with its
//! subscription's private key and auth secret, and a push service that
//! verifies a VAPID `Authorization` header (RFC 8292).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::{PublicKey, SecretKey};
use rand::RngCore;

use crate::push::Subscription;

/// A browser's push subscription keys.
pub(crate) struct Browser {
    pub secret: SecretKey,
    pub auth: [u8; 16],
}

impl Browser {
    pub fn new() -> Self {
        let mut auth = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut auth);
        Self {
            secret: SecretKey::random(&mut rand::rngs::OsRng),
            auth,
        }
    }

    pub fn from_parts(private: &[u8], auth: &[u8]) -> Self {
        Self {
            secret: SecretKey::from_slice(private).unwrap(),
            auth: auth.try_into().unwrap(),
        }
    }

    pub fn subscription(&self, endpoint: &str) -> Subscription {
        let p256dh =
            URL_SAFE_NO_PAD.encode(self.secret.public_key().to_encoded_point(false).as_bytes());
        Subscription::parse(endpoint, &p256dh, &URL_SAFE_NO_PAD.encode(self.auth)).unwrap()
    }

    /// Decrypts a push body; `Err` says which check failed.
    pub fn decrypt(&self, body: &[u8]) -> Result<Vec<u8>, &'static str> {
        if body.len() < 86 + 16 + 1 {
            return Err("too short");
        }
        let (salt, rest) = body.split_at(16);
        let rs = u32::from_be_bytes(rest[..4].try_into().unwrap());
        let idlen = usize::from(rest[4]);
        if idlen != 65 {
            return Err("keyid is not a P-256 point");
        }
        let as_public_bytes = &rest[5..5 + idlen];
        let record = &rest[5 + idlen..];
        if record.len() > rs as usize {
            return Err("more than one record");
        }
        let as_public =
            PublicKey::from_sec1_bytes(as_public_bytes).map_err(|_| "bad sender key")?;
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), as_public.as_affine());
        let ua_public = self.secret.public_key().to_encoded_point(false);
        let (cek, nonce) = crate::push::encrypt::derive(
            shared.raw_secret_bytes(),
            &self.auth,
            ua_public.as_bytes(),
            as_public_bytes,
            salt,
        );
        let cipher = Aes128Gcm::new_from_slice(&cek).unwrap();
        let mut plain = cipher
            .decrypt(Nonce::from_slice(&nonce), record)
            .map_err(|_| "authentication failed")?;
        // Strip the padding: zeros after the last-record delimiter 0x02.
        let end = plain.iter().rposition(|&b| b != 0).ok_or("no delimiter")?;
        if plain[end] != 2 {
            return Err("not a last-record delimiter");
        }
        plain.truncate(end);
        Ok(plain)
    }
}

/// The claims of a VAPID token that verified.
#[derive(Debug)]
pub(crate) struct VapidClaims {
    pub aud: String,
    pub exp: i64,
    pub sub: String,
    pub public_key: Vec<u8>,
}

/// Verifies `vapid t=<jwt>, k=<key>` as a push service does: the JWT's
/// ES256 signature with the key in `k`.
pub(crate) fn verify_vapid(header: &str) -> Result<VapidClaims, &'static str> {
    let rest = header
        .strip_prefix("vapid ")
        .ok_or("not the vapid scheme")?;
    let mut token = None;
    let mut key = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => token = Some(v),
            Some(("k", v)) => key = Some(v),
            _ => return Err("unknown parameter"),
        }
    }
    let public_key = URL_SAFE_NO_PAD
        .decode(key.ok_or("no k")?)
        .map_err(|_| "k is not base64url")?;
    let verifying =
        VerifyingKey::from_sec1_bytes(&public_key).map_err(|_| "k is not a P-256 key")?;
    let token = token.ok_or("no t")?;
    let (signing_input, signature) = token.rsplit_once('.').ok_or("not a JWS")?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "signature is not base64url")?;
    let signature = Signature::from_slice(&signature).map_err(|_| "signature is not 64 bytes")?;
    verifying
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| "bad signature")?;
    let (header, claims) = signing_input.split_once('.').ok_or("not a JWT")?;
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    if header["alg"] != "ES256" {
        return Err("not ES256");
    }
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    Ok(VapidClaims {
        aud: claims["aud"].as_str().ok_or("no aud")?.to_owned(),
        exp: claims["exp"].as_i64().ok_or("no exp")?,
        sub: claims["sub"].as_str().ok_or("no sub")?.to_owned(),
        public_key,
    })
}
