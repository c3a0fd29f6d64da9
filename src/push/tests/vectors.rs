//! RFC 8291 Appendix A: the worked example, byte for byte, and the
//! encryption's own limits (size, padding, tampering).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::{PublicKey, SecretKey};

use super::browser::Browser;
use crate::push::encrypt::{derive, encrypt_with};
use crate::push::{encrypt, Padding, PayloadTooLarge, MAX_BODY, MAX_PLAINTEXT};

fn b64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

const PLAINTEXT: &str = "When I grow up, I want to be a watermelon";
const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
const AS_PUBLIC: &str =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
const UA_PUBLIC: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

fn rfc_parts() -> (SecretKey, PublicKey, [u8; 16], [u8; 16]) {
    let as_secret = SecretKey::from_slice(&b64(AS_PRIVATE)).unwrap();
    let ua_public = PublicKey::from_sec1_bytes(&b64(UA_PUBLIC)).unwrap();
    (
        as_secret,
        ua_public,
        b64(AUTH).try_into().unwrap(),
        b64(SALT).try_into().unwrap(),
    )
}

#[test]
fn encrypting_the_rfc_8291_example_gives_its_body_byte_for_byte() {
    let (as_secret, ua_public, auth, salt) = rfc_parts();
    let body = encrypt_with(
        PLAINTEXT.as_bytes(),
        &ua_public,
        &auth,
        &as_secret,
        salt,
        Padding::None,
    )
    .unwrap();
    assert_eq!(URL_SAFE_NO_PAD.encode(&body), BODY);
    // The header carries the sender's public key, as the example's does.
    assert_eq!(&body[21..86], b64(AS_PUBLIC).as_slice());
}

#[test]
fn the_rfc_8291_intermediate_keys_match() {
    let (as_secret, ua_public, auth, salt) = rfc_parts();
    let shared = p256::ecdh::diffie_hellman(as_secret.to_nonzero_scalar(), ua_public.as_affine());
    assert_eq!(
        URL_SAFE_NO_PAD.encode(shared.raw_secret_bytes()),
        "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"
    );
    let (cek, nonce) = derive(
        shared.raw_secret_bytes(),
        &auth,
        &b64(UA_PUBLIC),
        &b64(AS_PUBLIC),
        &salt,
    );
    assert_eq!(URL_SAFE_NO_PAD.encode(cek), "oIhVW04MRdy2XN9CiKLxTg");
    assert_eq!(URL_SAFE_NO_PAD.encode(nonce), "4h_95klXJ5E_qnoN");
}

#[test]
fn the_test_browser_decrypts_the_rfc_8291_example() {
    let browser = Browser::from_parts(&b64(UA_PRIVATE), &b64(AUTH));
    assert_eq!(browser.decrypt(&b64(BODY)).unwrap(), PLAINTEXT.as_bytes());
    let mut tampered = b64(BODY);
    *tampered.last_mut().unwrap() ^= 1;
    assert_eq!(browser.decrypt(&tampered), Err("authentication failed"));
}

#[test]
fn a_fresh_encryption_differs_every_time_and_still_decrypts() {
    let browser = Browser::new();
    let sub = browser.subscription("https://push.example.net/p");
    let a = encrypt(b"ping", sub.p256dh(), sub.auth(), Padding::None).unwrap();
    let b = encrypt(b"ping", sub.p256dh(), sub.auth(), Padding::None).unwrap();
    assert_ne!(a, b, "fresh salt and key per message");
    assert_eq!(browser.decrypt(&a).unwrap(), b"ping");
    assert_eq!(browser.decrypt(&b).unwrap(), b"ping");
    assert!(
        Browser::new().decrypt(&a).is_err(),
        "another browser cannot read it"
    );
}

#[test]
fn padding_hides_the_length_and_is_stripped_by_the_browser() {
    let browser = Browser::new();
    let sub = browser.subscription("https://push.example.net/p");
    let short = encrypt(b"hi", sub.p256dh(), sub.auth(), Padding::Bucket256).unwrap();
    let longer = encrypt(&[b'x'; 200], sub.p256dh(), sub.auth(), Padding::Bucket256).unwrap();
    assert_eq!(short.len(), longer.len());
    assert_eq!(short.len(), 86 + 256 + 1 + 16);
    assert_eq!(browser.decrypt(&short).unwrap(), b"hi");
    let exact = encrypt(b"hi", sub.p256dh(), sub.auth(), Padding::Exact(10)).unwrap();
    assert_eq!(exact.len(), 86 + 2 + 1 + 10 + 16);
    assert_eq!(browser.decrypt(&exact).unwrap(), b"hi");
}

#[test]
fn the_largest_payload_fits_the_4096_byte_limit_and_one_more_byte_is_refused() {
    let browser = Browser::new();
    let sub = browser.subscription("https://push.example.net/p");
    let largest = vec![7u8; MAX_PLAINTEXT];
    let body = encrypt(&largest, sub.p256dh(), sub.auth(), Padding::Bucket256).unwrap();
    assert_eq!(body.len(), MAX_BODY);
    assert_eq!(browser.decrypt(&body).unwrap(), largest);
    let err = encrypt(
        &vec![7u8; MAX_PLAINTEXT + 1],
        sub.p256dh(),
        sub.auth(),
        Padding::None,
    )
    .unwrap_err();
    assert_eq!(
        err,
        PayloadTooLarge {
            len: MAX_PLAINTEXT + 1,
            max: MAX_PLAINTEXT
        }
    );
    assert!(encrypt(
        b"hi",
        sub.p256dh(),
        sub.auth(),
        Padding::Exact(MAX_PLAINTEXT)
    )
    .is_err());
}
