//! Sends one Web Push message (RFC 8030): encrypts the payload for the
//! subscription, signs a VAPID token for the endpoint's origin, POSTs
//! through the guarded [`OutboundClient`], and sorts the push service's
//! answer into what the caller does next.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, LOCATION,
    RETRY_AFTER,
};

use super::encrypt::{encrypt, Padding, PayloadTooLarge};
use super::subscription::Subscription;
use super::vapid::{check_contact, BadContact, VapidKey};
use crate::outbound::{parse_retry_after, unix_now, OutboundClient, OutboundError};

/// How urgent a push is (RFC 8030 section 5.3): a phone on battery may hold
/// back `VeryLow` and `Low` ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Urgency {
    VeryLow,
    Low,
    #[default]
    Normal,
    High,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VeryLow => "very-low",
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
        }
    }
}

/// Per-message options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOptions {
    /// How long the push service keeps the message for an offline browser
    /// (`TTL`); 0 means deliver now or never.
    pub ttl: Duration,
    pub urgency: Urgency,
    /// A `Topic`: a newer message with the same topic replaces an undelivered
    /// older one (say, one per room's unread count). At most 32 base64url
    /// characters.
    pub topic: Option<String>,
    pub padding: Padding,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            ttl: Duration::from_hours(24),
            urgency: Urgency::Normal,
            topic: None,
            padding: Padding::default(),
        }
    }
}

/// The push service took the message (201 Created, or 202 Accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub status: u16,
    /// The message's URL at the push service, when it gave one.
    pub location: Option<String>,
}

/// Why a push did not go through, by what the caller does next.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// 404 or 410: the subscription has expired or was withdrawn. Delete it.
    #[error("the push subscription is gone ({status}); delete it")]
    Gone { status: u16 },
    /// 413 from the push service, or too large for one record here.
    #[error("the push payload is too large")]
    TooLarge,
    /// 429: slow down; try again after `retry_after` if given.
    #[error("the push service asks us to slow down")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx: the push service is in trouble; try again later.
    #[error("the push service failed ({status})")]
    Unavailable {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// Any other answer (400 a malformed request, 401/403 a VAPID key the
    /// subscription was not made with): retrying the same will not help.
    #[error("the push service refused the message ({status}): {reason}")]
    Rejected { status: u16, reason: String },
    /// No answer: refused by the SSRF guard, timed out, could not connect.
    #[error(transparent)]
    Transport(#[from] OutboundError),
    #[error("the push options are invalid: {0}")]
    BadOptions(&'static str),
}

impl PushError {
    /// The subscription should be deleted.
    pub fn subscription_gone(&self) -> bool {
        matches!(self, Self::Gone { .. })
    }

    /// Trying the same push again later may work (a 429, 5xx, or a network
    /// failure that was not a refusal); with the wait the service asked for.
    pub fn retry(&self) -> Option<Option<Duration>> {
        match self {
            Self::RateLimited { retry_after } | Self::Unavailable { retry_after, .. } => {
                Some(*retry_after)
            }
            Self::Transport(e) if !e.is_refused() => Some(None),
            _ => None,
        }
    }
}

impl From<PayloadTooLarge> for PushError {
    fn from(_: PayloadTooLarge) -> Self {
        Self::TooLarge
    }
}

/// Sends pushes as this server. Cheap to clone; one per server.
#[derive(Clone)]
pub struct PushSender {
    client: OutboundClient,
    key: Arc<VapidKey>,
    contact: Arc<str>,
}

impl PushSender {
    /// `contact` is the VAPID `sub`: `mailto:admin@...` or an `https:` URL
    /// where the push service's operator can reach the admin.
    pub fn new(client: OutboundClient, key: VapidKey, contact: &str) -> Result<Self, BadContact> {
        check_contact(contact)?;
        Ok(Self {
            client,
            key: Arc::new(key),
            contact: contact.into(),
        })
    }

    /// The server's public key, for the page's `pushManager.subscribe`.
    pub fn public_key_base64(&self) -> String {
        self.key.public_key_base64()
    }

    /// Encrypts `payload` (at most [`super::MAX_PLAINTEXT`] bytes, usually a
    /// small JSON document) for `subscription` and posts it.
    pub async fn send(
        &self,
        subscription: &Subscription,
        payload: &[u8],
        options: &PushOptions,
    ) -> Result<Accepted, PushError> {
        let body = encrypt(
            payload,
            subscription.p256dh(),
            subscription.auth(),
            options.padding,
        )?;
        let headers = self.headers(subscription, options)?;
        let reply = self
            .client
            .post(subscription.endpoint(), headers, body)
            .await?;
        let status = reply.status.as_u16();
        let retry_after = || {
            let value = reply.headers.get(RETRY_AFTER)?.to_str().ok()?;
            parse_retry_after(value, unix_now())
        };
        match status {
            201 | 202 => {
                let location = reply
                    .headers
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                Ok(Accepted { status, location })
            }
            404 | 410 => Err(PushError::Gone { status }),
            413 => Err(PushError::TooLarge),
            429 => Err(PushError::RateLimited {
                retry_after: retry_after(),
            }),
            500..=599 => Err(PushError::Unavailable {
                status,
                retry_after: retry_after(),
            }),
            _ => {
                let reason: String = String::from_utf8_lossy(&reply.body)
                    .chars()
                    .take(200)
                    .collect();
                Err(PushError::Rejected { status, reason })
            }
        }
    }

    fn headers(
        &self,
        subscription: &Subscription,
        options: &PushOptions,
    ) -> Result<HeaderMap, PushError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("aes128gcm"));
        headers.insert(
            HeaderName::from_static("ttl"),
            HeaderValue::from(options.ttl.as_secs()),
        );
        headers.insert(
            HeaderName::from_static("urgency"),
            HeaderValue::from_static(options.urgency.as_str()),
        );
        if let Some(topic) = &options.topic {
            let ok = !topic.is_empty()
                && topic.len() <= 32
                && topic
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(PushError::BadOptions(
                    "a topic is 1 to 32 base64url characters",
                ));
            }
            headers.insert(
                HeaderName::from_static("topic"),
                HeaderValue::from_str(topic).expect("checked ASCII"),
            );
        }
        let authorization =
            self.key
                .authorization(subscription.endpoint(), &self.contact, unix_now());
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&authorization).expect("base64url is ASCII"),
        );
        Ok(headers)
    }
}
