//! The bounded client against real loopback receivers: refusals happen
//! before any connection, allowed targets are reached over http and https,
//! and replies are bounded in size and time.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use url::Url;

use super::receiver::{always, Answer, Receiver, TestCert};
use crate::outbound::{
    AddressPolicy, OutboundClient, OutboundConfig, OutboundError, StaticResolver,
};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// Names the tests use; nothing here is ever asked of real DNS.
fn names() -> StaticResolver {
    StaticResolver::new()
        .with("hook.test", &[ip("127.0.0.1")])
        .with("push.test", &[ip("127.0.0.1")])
        .with("v6hook.test", &[ip("::1")])
        .with("mapped.test", &[ip("::ffff:127.0.0.1")])
        .with("inner.test", &[ip("127.0.0.2")])
}

pub(crate) fn client(
    policy: AddressPolicy,
    tweak: impl FnOnce(&mut OutboundConfig),
) -> OutboundClient {
    let mut config = OutboundConfig {
        policy,
        ..OutboundConfig::default()
    };
    tweak(&mut config);
    OutboundClient::with_resolver(config, Arc::new(names())).unwrap()
}

pub(crate) fn loopback() -> AddressPolicy {
    AddressPolicy::parse(&["127.0.0.0/8", "::1"]).unwrap()
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

async fn post(client: &OutboundClient, to: &str) -> Result<crate::outbound::Reply, OutboundError> {
    client
        .post(&url(to), HeaderMap::new(), b"{}".to_vec())
        .await
}

#[tokio::test]
async fn loopback_targets_are_refused_before_any_connection_is_made() {
    let receiver = Receiver::http("127.0.0.1", always(200)).await;
    let port = receiver.port();
    let client = client(AddressPolicy::public_only(), |_| {});
    for target in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://hook.test:{port}/"),
        format!("http://v6hook.test:{port}/"),
        format!("http://mapped.test:{port}/"),
        format!("http://2130706433:{port}/"),
    ] {
        let err = post(&client, &target).await.unwrap_err();
        assert!(matches!(err, OutboundError::Refused(_)), "{target}: {err}");
        assert!(err.to_string().contains("loopback"), "{target}: {err}");
    }
    assert!(
        receiver.requests().is_empty(),
        "nothing reached the receiver"
    );
}

#[tokio::test]
async fn allowing_loopback_lets_a_request_reach_a_local_receiver_by_name_and_address() {
    let receiver = Receiver::http(
        "127.0.0.1",
        Arc::new(|_, _| Answer::status(200).body("thanks")),
    )
    .await;
    let client = client(loopback(), |_| {});
    for target in [
        format!("http://hook.test:{}/in", receiver.port()),
        format!("http://127.0.0.1:{}/in", receiver.port()),
    ] {
        let reply = client
            .post(&url(&target), HeaderMap::new(), b"hello".to_vec())
            .await
            .unwrap();
        assert_eq!(
            (
                reply.status.as_u16(),
                reply.body.as_slice(),
                reply.truncated
            ),
            (200, &b"thanks"[..], false)
        );
    }
    let got = receiver.requests();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|r| r.body == b"hello" && r.path == "/in"));
    assert!(got[0].header("user-agent").starts_with("Natter/"));
}

#[tokio::test]
async fn https_reaches_the_checked_address_and_verifies_the_names_certificate() {
    let cert = TestCert::new(&["hook.test"]);
    let receiver = Receiver::https("127.0.0.1", always(204), &cert).await;
    let trusting = client(loopback(), |c| {
        c.extra_roots_pem = vec![cert.cert_pem.clone().into_bytes()];
    });
    let reply = post(
        &trusting,
        &format!("https://hook.test:{}/", receiver.port()),
    )
    .await
    .unwrap();
    assert_eq!(reply.status.as_u16(), 204);

    // The same server is not trusted without its root: TLS is really checked.
    let untrusting = client(loopback(), |_| {});
    let err = post(
        &untrusting,
        &format!("https://hook.test:{}/", receiver.port()),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, OutboundError::Transport { .. }), "{err}");
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test]
async fn at_most_the_cap_of_a_reply_body_is_read() {
    let big = vec![b'x'; 1 << 20];
    let receiver = Receiver::http(
        "127.0.0.1",
        Arc::new(move |_, _| Answer::status(200).body(big.clone())),
    )
    .await;
    let client = client(loopback(), |c| c.max_response_bytes = 1000);
    let reply = post(&client, &format!("http://hook.test:{}/", receiver.port()))
        .await
        .unwrap();
    assert_eq!((reply.body.len(), reply.truncated), (1000, true));
}

#[tokio::test]
async fn a_receiver_slower_than_the_total_timeout_is_a_timeout() {
    let slow = Arc::new(|_: &_, _| Answer::status(200).delay(Duration::from_secs(5)));
    let receiver = Receiver::http("127.0.0.1", slow).await;
    let client = client(loopback(), |c| c.total_timeout = Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = post(&client, &format!("http://hook.test:{}/", receiver.port()))
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::Timeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_redirect_is_returned_as_is_unless_following_is_enabled() {
    let inner = Receiver::http("127.0.0.2", always(200)).await;
    let location = format!("http://127.0.0.2:{}/", inner.port());
    let outer = Receiver::http(
        "127.0.0.1",
        Arc::new(move |_, _| Answer::status(307).header("location", location.clone())),
    )
    .await;
    let target = format!("http://hook.test:{}/", outer.port());

    let reply = post(&client(loopback(), |_| {}), &target).await.unwrap();
    assert_eq!(reply.status.as_u16(), 307);

    let following = client(loopback(), |c| c.max_redirects = 2);
    assert_eq!(
        post(&following, &target).await.unwrap().status.as_u16(),
        200
    );
    assert_eq!(inner.requests().len(), 1);
}

#[tokio::test]
async fn a_redirect_to_an_address_the_policy_refuses_is_not_followed() {
    let inner = Receiver::http("127.0.0.2", always(200)).await;
    let inner_port = inner.port();
    let to_address = format!("http://127.0.0.2:{inner_port}/");
    let to_name = format!("http://inner.test:{inner_port}/");
    let outer = Receiver::http(
        "127.0.0.1",
        Arc::new(move |r, _| {
            let to = if r.path == "/by-name" {
                to_name.clone()
            } else {
                to_address.clone()
            };
            Answer::status(308).header("location", to)
        }),
    )
    .await;
    // Only 127.0.0.1 is allowed: the redirect's 127.0.0.2 is not.
    let client = client(AddressPolicy::parse(&["127.0.0.1/32"]).unwrap(), |c| {
        c.max_redirects = 3;
    });
    for path in ["by-address", "by-name"] {
        let err = post(
            &client,
            &format!("http://hook.test:{}/{path}", outer.port()),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, OutboundError::Refused(_)), "{path}: {err}");
    }
    assert_eq!(outer.requests().len(), 2);
    assert!(
        inner.requests().is_empty(),
        "the refused target was never contacted"
    );
}

#[tokio::test]
async fn a_url_entered_for_a_hook_is_checked_with_a_clear_sentence() {
    let client = client(AddressPolicy::public_only(), |_| {});
    let check = |u: &'static str| {
        let client = client.clone();
        async move { client.check_url(u).await.unwrap_err().to_string() }
    };
    assert!(check("ftp://example.com/")
        .await
        .contains("must start with http:// or https://"));
    assert!(check("https://user:pw@example.com/")
        .await
        .contains("must not contain a user name or password"));
    assert!(check("not a url").await.contains("is not a valid URL"));
    let refused = check("http://hook.test/").await;
    assert!(
        refused.starts_with("hook.test resolves to 127.0.0.1, a loopback address;"),
        "{refused}"
    );
    assert!(check("http://nowhere.test/")
        .await
        .contains("could not resolve nowhere.test"));
}

#[tokio::test]
async fn a_refused_hook_url_becomes_a_400_sentence_and_an_unreachable_one_does_not() {
    let client = client(AddressPolicy::public_only(), |_| {});
    let refused: crate::error::Error = client
        .check_url("http://hook.test/")
        .await
        .unwrap_err()
        .into();
    assert!(
        matches!(&refused, crate::error::Error::Invalid { code: "url_not_allowed", message } if message.contains("loopback")),
        "{refused:?}"
    );
    let timeout: crate::error::Error = OutboundError::Timeout {
        host: "example.com".into(),
    }
    .into();
    assert!(matches!(timeout, crate::error::Error::Internal(_)));
}

/// A resolver that never answers.
struct Silent;

#[async_trait::async_trait]
impl crate::outbound::Resolver for Silent {
    async fn resolve(&self, _host: &str) -> std::io::Result<Vec<IpAddr>> {
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_resolver_that_never_answers_times_out_for_checks_and_sends() {
    let config = OutboundConfig {
        total_timeout: Duration::from_millis(200),
        ..OutboundConfig::default()
    };
    let client = OutboundClient::with_resolver(config, Arc::new(Silent)).unwrap();
    let err = client.check_url("https://slow.test/").await.unwrap_err();
    assert!(matches!(err, OutboundError::Timeout { .. }), "{err}");
    let err = post(&client, "https://slow.test/").await.unwrap_err();
    assert!(matches!(err, OutboundError::Timeout { .. }), "{err}");
}
