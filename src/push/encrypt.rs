//! Push message encryption (RFC 8291) in the `aes128gcm` content coding
//! (RFC 8188): an ephemeral P-256 key agreed with the subscription's
//! `p256dh`, mixed with its `auth` secret through HKDF-SHA256, one
//! AES-128-GCM record.
//!
//! The body is `salt(16) | rs(4, big-endian) | idlen(1) = 65 | the
//! ephemeral public key(65) | ciphertext(plaintext | 0x02 | zero padding) |
//! tag(16)`. RFC 8291 requires a single record, and push services accept at
//! least 4096 bytes of body, so the plaintext may be up to [`MAX_PLAINTEXT`].

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Nonce};
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::{PublicKey, SecretKey};
use rand::RngCore;
use sha2::Sha256;

/// The largest body a push service must accept (RFC 8030 section 7.2).
pub const MAX_BODY: usize = 4096;
/// The header in front of the record.
pub const HEADER_LEN: usize = 16 + 4 + 1 + 65;
const TAG_LEN: usize = 16;
/// The largest plaintext that fits one record in [`MAX_BODY`].
pub const MAX_PLAINTEXT: usize = MAX_BODY - HEADER_LEN - TAG_LEN - 1;
/// The `rs` written in the header: larger than the one record, as RFC 8291
/// asks.
pub const RECORD_SIZE: u32 = 4096;

/// How much to pad the plaintext, so the size of a push says less about
/// its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Padding {
    /// No padding.
    None,
    /// Pad the plaintext up to the next multiple of 256 bytes (never past
    /// [`MAX_PLAINTEXT`]): the default, so most pushes look alike in size.
    #[default]
    Bucket256,
    /// Exactly this many zero bytes.
    Exact(usize),
}

/// The plaintext (with its padding) does not fit one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a push payload may be at most {max} bytes; this one is {len}")]
pub struct PayloadTooLarge {
    pub len: usize,
    pub max: usize,
}

/// Encrypts `plaintext` for the subscription's `p256dh` key and `auth`
/// secret with a fresh ephemeral key and salt.
pub fn encrypt(
    plaintext: &[u8],
    ua_public: &PublicKey,
    auth: &[u8; 16],
    padding: Padding,
) -> Result<Vec<u8>, PayloadTooLarge> {
    let ephemeral = SecretKey::random(&mut rand::rngs::OsRng);
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    encrypt_with(plaintext, ua_public, auth, &ephemeral, salt, padding)
}

/// [`encrypt`] with a given ephemeral key and salt: for the RFC's test
/// vector only; reusing either in production breaks the encryption.
pub(crate) fn encrypt_with(
    plaintext: &[u8],
    ua_public: &PublicKey,
    auth: &[u8; 16],
    ephemeral: &SecretKey,
    salt: [u8; 16],
    padding: Padding,
) -> Result<Vec<u8>, PayloadTooLarge> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(PayloadTooLarge {
            len: plaintext.len(),
            max: MAX_PLAINTEXT,
        });
    }
    let pad = match padding {
        Padding::None => 0,
        Padding::Bucket256 => {
            (plaintext.len().div_ceil(256).max(1) * 256).min(MAX_PLAINTEXT) - plaintext.len()
        }
        Padding::Exact(n) => n,
    };
    if plaintext.len() + pad > MAX_PLAINTEXT {
        return Err(PayloadTooLarge {
            len: plaintext.len() + pad,
            max: MAX_PLAINTEXT,
        });
    }
    let as_public = ephemeral.public_key().to_encoded_point(false);
    let ua_point = ua_public.to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(ephemeral.to_nonzero_scalar(), ua_public.as_affine());
    let (cek, nonce) = derive(
        shared.raw_secret_bytes(),
        auth,
        ua_point.as_bytes(),
        as_public.as_bytes(),
        &salt,
    );

    let mut record = Vec::with_capacity(plaintext.len() + 1 + pad);
    record.extend_from_slice(plaintext);
    // 0x02: the delimiter of the last (here, only) record.
    record.push(2);
    record.resize(record.len() + pad, 0);
    let cipher = Aes128Gcm::new_from_slice(&cek).expect("a 16-byte key");
    // The sequence number of the first record is 0, so the nonce is used as derived.
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &record,
                aad: &[],
            },
        )
        .expect("AES-GCM takes any length");

    let mut body = Vec::with_capacity(HEADER_LEN + sealed.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(as_public.as_bytes());
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// The content-encryption key and nonce (RFC 8291 section 3.4, RFC 8188
/// section 2.2), shared by the sender here and the receiver in the tests.
pub(crate) fn derive(
    ecdh_secret: &[u8],
    auth: &[u8],
    ua_public: &[u8],
    as_public: &[u8],
    salt: &[u8],
) -> ([u8; 16], [u8; 12]) {
    let mut key_info = Vec::with_capacity(14 + 65 + 65);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(ua_public);
    key_info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), ecdh_secret)
        .expand(&key_info, &mut ikm)
        .expect("32 bytes is a valid length");
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .expect("16 bytes is a valid length");
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .expect("12 bytes is a valid length");
    (cek, nonce)
}
