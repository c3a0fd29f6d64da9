//! A signed call that is not a room event (a bot's slash command): the
//! receiver can verify it, and its reply comes back to the caller.

use std::sync::Arc;

use url::Url;

use super::client::{client, loopback};
use super::receiver::{Answer, Receiver};
use crate::outbound::{
    unix_now, verify, WebhookSecret, WebhookSender, WebhookTarget, DEFAULT_TOLERANCE,
};

#[tokio::test]
async fn a_slash_command_call_is_signed_and_its_reply_comes_back() {
    let bot = Receiver::http(
        "127.0.0.1",
        Arc::new(|_, _| Answer::status(200).body(r#"{"text":"pong"}"#)),
    )
    .await;
    let secret = WebhookSecret::generate();
    let target = WebhookTarget {
        url: Url::parse(&format!("http://hook.test:{}/cmd", bot.port())).unwrap(),
        secret: secret.clone(),
    };
    let sender = WebhookSender::new(client(loopback(), |_| {}), target);
    let body = br#"{"command":"/ping","room":7,"user":"ann"}"#;
    let reply = sender.call(body).await.unwrap();
    assert_eq!(
        (reply.status.as_u16(), reply.body.as_slice()),
        (200, &br#"{"text":"pong"}"#[..])
    );

    let got = &bot.requests()[0];
    assert_eq!(got.body, body);
    assert_eq!(
        verify(
            &[&secret],
            got.header("natter-signature"),
            &got.body,
            unix_now(),
            DEFAULT_TOLERANCE
        ),
        Ok(())
    );
    assert_eq!(
        (got.header("natter-room"), got.header("natter-seq")),
        ("", ""),
        "not a room event"
    );
    assert_eq!(got.header("content-type"), "application/json");
}
