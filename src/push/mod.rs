//! Web Push: VAPID keys and tokens (RFC 8292), message encryption (RFC 8291
//! with the `aes128gcm` coding of RFC 8188), and the sender that posts to a
//! subscription's endpoint (RFC 8030). Knows nothing of storage or routes.
//!
//! # How the pieces fit (for the code that wires issue 16 in)
//!
//! ```text
//! at start:     key = VapidKey::from_pem(&stored)?          or, the first time,
//!               key = VapidKey::generate(); store key.to_pem()
//!               sender = PushSender::new(outbound_client, key, "mailto:admin@example.com")?
//! page asks:    sender.public_key_base64()                  -> applicationServerKey
//! page posts:   Subscription::from_json(body)?              (400 with the error's sentence)
//!               store endpoint(), p256dh_base64(), auth_base64()
//! on mention:   sender.send(&sub, json_bytes, &PushOptions::default()).await
//!               Err(e) if e.subscription_gone()  -> delete the subscription
//!               Err(e) with e.retry() == Some(wait) -> try later (at least wait)
//! or, with a stored cursor per subscription (at least once, in order):
//!               DeliveryWorker::new(TargetId(sub_id), store, source,
//!                   Arc::new(PushTarget { sender, subscription, options })).spawn()
//!               paused.last_status is Some(404 or 410) -> delete the subscription
//! ```
//!
//! Choices: the RustCrypto crates (`p256` for ECDH and ES256, `aes-gcm`,
//! `hkdf`, `sha2`) rather than `ece`/`web-push`, which bring OpenSSL (or
//! their own HTTP client) with them; the whole scheme is about a hundred
//! lines here. Pushes go out through [`crate::outbound::OutboundClient`], so
//! an endpoint is a user-given URL like any webhook: SSRF-guarded, bounded,
//! over rustls. Each message gets a fresh ephemeral key and salt; a VAPID
//! token is signed per message (valid 12 h; signing costs far less than the
//! key agreement every message needs anyway).

mod deliver;
mod encrypt;
mod sender;
mod subscription;
mod vapid;

#[cfg(test)]
mod tests;

pub use deliver::PushTarget;
pub use encrypt::{encrypt, Padding, PayloadTooLarge, MAX_BODY, MAX_PLAINTEXT, RECORD_SIZE};
pub use sender::{Accepted, PushError, PushOptions, PushSender, Urgency};
pub use subscription::{InvalidSubscription, Subscription};
pub use vapid::{
    audience, check_contact, BadContact, VapidKey, VapidKeyError, TOKEN_LIFETIME_SECS,
};
