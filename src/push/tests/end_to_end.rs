//! A push sent for real: over https to a push endpoint on loopback, which
//! checks the headers and the VAPID token and decrypts the message with
//! the subscription's keys; and each answer of a push service sorted into
//! what the caller does next.

use std::sync::Arc;
use std::time::Duration;

use super::browser::{verify_vapid, Browser};
use crate::outbound::tests::receiver::{always, Answer, Receiver, TestCert};
use crate::outbound::{unix_now, AddressPolicy, OutboundError};
use crate::push::{PushError, PushOptions, PushSender, Urgency, VapidKey};

const CONTACT: &str = "mailto:admin@chat.example.com";

fn sender(cert: &TestCert, policy: AddressPolicy, key: VapidKey) -> PushSender {
    let client = crate::outbound::tests::client::client(policy, |c| {
        c.extra_roots_pem = vec![cert.cert_pem.clone().into_bytes()];
    });
    PushSender::new(client, key, CONTACT).unwrap()
}

/// A push service on loopback answering 201, a sender trusting its
/// certificate under `policy`, and a subscription at it.
async fn accepting_service(
    policy: AddressPolicy,
) -> (Receiver, PushSender, crate::push::Subscription) {
    let cert = TestCert::new(&["push.test"]);
    let service = Receiver::https("127.0.0.1", always(201), &cert).await;
    let sender = sender(&cert, policy, VapidKey::generate());
    let subscription =
        Browser::new().subscription(&format!("https://push.test:{}/p", service.port()));
    (service, sender, subscription)
}

fn loopback() -> AddressPolicy {
    crate::outbound::tests::client::loopback()
}

#[tokio::test]
async fn a_push_reaches_the_endpoint_encrypted_signed_and_readable_only_with_the_subscriptions_keys(
) {
    let cert = TestCert::new(&["push.test"]);
    let service = Receiver::https("127.0.0.1", always(201), &cert).await;
    let key = VapidKey::generate();
    let server_public = key.public_key();
    let sender = sender(&cert, loopback(), key);
    let browser = Browser::new();
    let subscription =
        browser.subscription(&format!("https://push.test:{}/push/v2/abc", service.port()));

    let payload = br#"{"room":7,"seq":42,"title":"@ann in #ops","body":"deploy is done"}"#;
    let options = PushOptions {
        ttl: Duration::from_mins(10),
        urgency: Urgency::High,
        topic: Some("room-7".into()),
        ..PushOptions::default()
    };
    let accepted = sender.send(&subscription, payload, &options).await.unwrap();
    assert_eq!(accepted.status, 201);

    let got = service.requests();
    assert_eq!(got.len(), 1);
    let push = &got[0];
    assert_eq!(push.path, "/push/v2/abc");
    assert_eq!(push.header("content-encoding"), "aes128gcm");
    assert_eq!(push.header("ttl"), "600");
    assert_eq!(push.header("urgency"), "high");
    assert_eq!(push.header("topic"), "room-7");

    assert_eq!(browser.decrypt(&push.body).unwrap(), payload);
    assert!(
        Browser::new().decrypt(&push.body).is_err(),
        "a different subscription cannot read it"
    );
    assert!(
        !push.body.windows(6).any(|w| w == b"deploy"),
        "the body is not plaintext"
    );

    let claims = verify_vapid(push.header("authorization")).unwrap();
    assert_eq!(claims.public_key, server_public, "k= is the server's key");
    assert_eq!(
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            &claims.public_key
        ),
        sender.public_key_base64()
    );
    assert_eq!(claims.aud, format!("https://push.test:{}", service.port()));
    assert_eq!(claims.sub, CONTACT);
    let lifetime = claims.exp - unix_now();
    assert!(
        lifetime > 11 * 3600 && lifetime <= 24 * 3600,
        "exp is {lifetime} s away"
    );
}

#[tokio::test]
async fn a_vapid_token_signed_by_another_key_does_not_verify() {
    let (service, sender, subscription) = accepting_service(loopback()).await;
    sender
        .send(&subscription, b"x", &PushOptions::default())
        .await
        .unwrap();
    let header = service.requests()[0].header("authorization").to_owned();
    let forged = format!(
        "{}k={}",
        &header[..header.find("k=").unwrap()],
        VapidKey::generate().public_key_base64()
    );
    assert_eq!(verify_vapid(&forged).unwrap_err(), "bad signature");
}

#[tokio::test]
async fn each_answer_of_the_push_service_tells_the_caller_what_to_do() {
    let cert = TestCert::new(&["push.test"]);
    let script = Arc::new(|r: &crate::outbound::tests::receiver::Recorded, _| {
        let status: u16 = r.path.trim_start_matches('/').parse().unwrap();
        let answer = Answer::status(status).body("no such key");
        if matches!(status, 429 | 503) {
            answer.header("retry-after", "30")
        } else {
            answer
        }
    });
    let service = Receiver::https("127.0.0.1", script, &cert).await;
    let sender = sender(&cert, loopback(), VapidKey::generate());
    let browser = Browser::new();
    let send = |status: u16| {
        let (sender, sub) = (
            sender.clone(),
            browser.subscription(&format!("https://push.test:{}/{status}", service.port())),
        );
        async move { sender.send(&sub, b"hello", &PushOptions::default()).await }
    };
    assert_eq!(send(201).await.unwrap().status, 201);
    assert_eq!(send(202).await.unwrap().status, 202);
    for gone in [404, 410] {
        let err = send(gone).await.unwrap_err();
        assert!(
            err.subscription_gone() && err.retry().is_none(),
            "{gone}: {err}"
        );
    }
    assert!(matches!(send(413).await.unwrap_err(), PushError::TooLarge));
    let limited = send(429).await.unwrap_err();
    assert!(matches!(limited, PushError::RateLimited { .. }) && !limited.subscription_gone());
    assert_eq!(limited.retry(), Some(Some(Duration::from_secs(30))));
    let unavailable = send(503).await.unwrap_err();
    assert!(matches!(
        unavailable,
        PushError::Unavailable { status: 503, .. }
    ));
    assert_eq!(unavailable.retry(), Some(Some(Duration::from_secs(30))));
    assert_eq!(send(500).await.unwrap_err().retry(), Some(None));
    let rejected = send(403).await.unwrap_err();
    assert!(
        matches!(&rejected, PushError::Rejected { status: 403, reason } if reason == "no such key"),
        "{rejected}"
    );
    assert!(rejected.retry().is_none() && !rejected.subscription_gone());
}

#[tokio::test]
async fn an_endpoint_on_a_private_address_is_refused_without_contacting_it() {
    let (service, sender, subscription) = accepting_service(AddressPolicy::public_only()).await;
    let err = sender
        .send(&subscription, b"secret", &PushOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PushError::Transport(OutboundError::Refused(_))),
        "{err}"
    );
    assert!(err.retry().is_none(), "a refusal is not retried");
    assert!(service.requests().is_empty());
}

#[tokio::test]
async fn a_too_large_payload_or_a_bad_topic_is_refused_before_sending() {
    let (service, sender, subscription) = accepting_service(loopback()).await;
    let big = vec![b'x'; crate::push::MAX_PLAINTEXT + 1];
    assert!(matches!(
        sender
            .send(&subscription, &big, &PushOptions::default())
            .await,
        Err(PushError::TooLarge)
    ));
    let bad_topic = PushOptions {
        topic: Some("has spaces".into()),
        ..PushOptions::default()
    };
    assert!(matches!(
        sender.send(&subscription, b"x", &bad_topic).await,
        Err(PushError::BadOptions(_))
    ));
    assert!(service.requests().is_empty());
}

#[test]
fn a_contact_that_is_not_mailto_or_https_is_refused_when_the_sender_is_made() {
    let client = crate::outbound::tests::client::client(loopback(), |_| {});
    assert!(PushSender::new(client, VapidKey::generate(), "admin@example.com").is_err());
}
