//! A browser's push subscription, parsed from what
//! `PushSubscription.toJSON()` gives the page: `{"endpoint": "https://...",
//! "keys": {"p256dh": "<base64url>", "auth": "<base64url>"}}`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::PublicKey;
use serde::Deserialize;
use url::Url;

/// A subscription the server can push to. Store [`Subscription::endpoint`],
/// [`Subscription::p256dh_base64`] and [`Subscription::auth_base64`], and
/// read them back with [`Subscription::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    endpoint: Url,
    p256dh: PublicKey,
    auth: [u8; 16],
}

/// Why a subscription was refused, as a sentence for the 400 answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSubscription {
    #[error("The push endpoint must be an https URL.")]
    Endpoint,
    #[error("The field keys.p256dh must be a base64url P-256 public key.")]
    P256dh,
    #[error("The field keys.auth must be 16 bytes in base64url.")]
    Auth,
    #[error("A push subscription is JSON of the shape {{\"endpoint\": ..., \"keys\": {{\"p256dh\": ..., \"auth\": ...}}}}.")]
    Shape,
}

/// A bad subscription from a page is a 400 with the sentence.
impl From<InvalidSubscription> for crate::error::Error {
    fn from(err: InvalidSubscription) -> Self {
        Self::Invalid {
            code: "invalid_subscription",
            message: err.to_string(),
        }
    }
}

#[derive(Deserialize)]
struct Json<'a> {
    endpoint: &'a str,
    keys: Keys<'a>,
}

#[derive(Deserialize)]
struct Keys<'a> {
    p256dh: &'a str,
    auth: &'a str,
}

impl Subscription {
    /// Checks each part: an https endpoint, a point on P-256, a 16-byte
    /// secret. (Base64 with or without padding, url-safe or standard, since
    /// browsers and libraries differ.)
    pub fn parse(endpoint: &str, p256dh: &str, auth: &str) -> Result<Self, InvalidSubscription> {
        let endpoint = Url::parse(endpoint).map_err(|_| InvalidSubscription::Endpoint)?;
        if endpoint.scheme() != "https" || endpoint.host().is_none() {
            return Err(InvalidSubscription::Endpoint);
        }
        let p256dh = decode(p256dh)
            .and_then(|bytes| PublicKey::from_sec1_bytes(&bytes).ok())
            .ok_or(InvalidSubscription::P256dh)?;
        let auth = decode(auth)
            .and_then(|bytes| <[u8; 16]>::try_from(bytes.as_slice()).ok())
            .ok_or(InvalidSubscription::Auth)?;
        Ok(Self {
            endpoint,
            p256dh,
            auth,
        })
    }

    /// Parses the JSON a page posts (`PushSubscription.toJSON()`); other
    /// fields such as `expirationTime` are ignored.
    pub fn from_json(json: &[u8]) -> Result<Self, InvalidSubscription> {
        let parsed: Json<'_> =
            serde_json::from_slice(json).map_err(|_| InvalidSubscription::Shape)?;
        Self::parse(parsed.endpoint, parsed.keys.p256dh, parsed.keys.auth)
    }

    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    pub fn p256dh(&self) -> &PublicKey {
        &self.p256dh
    }

    pub fn auth(&self) -> &[u8; 16] {
        &self.auth
    }

    /// The uncompressed public key as base64url, for storing.
    pub fn p256dh_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.p256dh.to_encoded_point(false).as_bytes())
    }

    /// The auth secret as base64url, for storing.
    pub fn auth_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.auth)
    }
}

fn decode(text: &str) -> Option<Vec<u8>> {
    let cleaned: String = text
        .trim()
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    URL_SAFE_NO_PAD.decode(cleaned).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8291 Appendix A's user agent.
    const P256DH: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

    #[test]
    fn a_browsers_subscription_json_parses_and_round_trips_for_storage() {
        let json = format!(
            r#"{{"endpoint":"https://push.example.net/p/abc","expirationTime":null,"keys":{{"p256dh":"{P256DH}","auth":"{AUTH}"}}}}"#
        );
        let sub = Subscription::from_json(json.as_bytes()).unwrap();
        assert_eq!(sub.endpoint().as_str(), "https://push.example.net/p/abc");
        assert_eq!(
            (sub.p256dh_base64().as_str(), sub.auth_base64().as_str()),
            (P256DH, AUTH)
        );
        let again = Subscription::parse(
            sub.endpoint().as_str(),
            &sub.p256dh_base64(),
            &sub.auth_base64(),
        )
        .unwrap();
        assert_eq!(again, sub);
    }

    #[test]
    fn padded_standard_base64_is_accepted_too() {
        let standard = format!("{}=", P256DH.replace('-', "+").replace('_', "/"));
        assert!(Subscription::parse(
            "https://push.example.net/p",
            &standard,
            "BTBZMqHH6r4Tts7J/aSIgg=="
        )
        .is_ok());
    }

    #[test]
    fn each_bad_part_is_named() {
        let parse = |e, p, a| Subscription::parse(e, p, a).unwrap_err();
        assert_eq!(
            parse("http://push.example.net/p", P256DH, AUTH),
            InvalidSubscription::Endpoint
        );
        assert_eq!(
            parse("not a url", P256DH, AUTH),
            InvalidSubscription::Endpoint
        );
        assert_eq!(
            parse("https://push.example.net/p", "BCVx", AUTH),
            InvalidSubscription::P256dh
        );
        let off_curve = format!("BA{}", &P256DH[2..]);
        assert_eq!(
            parse("https://push.example.net/p", &off_curve, AUTH),
            InvalidSubscription::P256dh
        );
        assert_eq!(
            parse("https://push.example.net/p", P256DH, "c2hvcnQ"),
            InvalidSubscription::Auth
        );
        assert_eq!(
            Subscription::from_json(b"{\"endpoint\":1}").unwrap_err(),
            InvalidSubscription::Shape
        );
    }

    #[test]
    fn a_bad_subscription_becomes_a_400_with_its_sentence() {
        let err: crate::error::Error = InvalidSubscription::Auth.into();
        assert!(
            matches!(err, crate::error::Error::Invalid { code: "invalid_subscription", ref message } if message.contains("keys.auth"))
        );
    }
}
