//! How stream connections end: the close code RFC 6455 gives each kind of
//! bad frame, the close answered when the client closes, and the goodbye a
//! lagging client still gets on shutdown (with the server waiting for it).

use std::time::Duration;

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::raw_ws::{End, RawWs};
use crate::ws::connect_with_small_buffer;

/// A signed-up user's raw connection, past the `hello` frame.
async fn raw(app: &TestApp, name: &str) -> RawWs {
    let (_, token) = app.user_with_token(name).await;
    let mut ws = RawWs::connect(&app.base, &token).await;
    let (first, hello) = ws.next_frame().await.expect("hello");
    assert_eq!(first, 0x81);
    assert!(String::from_utf8_lossy(&hello).contains("\"hello\""));
    ws
}

#[tokio::test]
async fn a_text_frame_that_is_not_utf8_is_closed_with_1007() {
    let app = spawn_app().await;
    let mut ws = raw(&app, "alice").await;
    ws.send_frame(0x81, &[b'{', 0xff, 0xfe, b'}'], true).await;
    assert_eq!(ws.end().await, End::Closed(Some(1007)));

    // Split across fragments, the same.
    let mut ws = raw(&app, "bob").await;
    ws.send_frame(0x01, &[b'"', 0xe2, 0x82], true).await;
    ws.send_frame(0x80, b"x\"", true).await;
    assert_eq!(ws.end().await, End::Closed(Some(1007)));
}

#[tokio::test]
async fn frames_rfc_6455_forbids_are_closed_with_1002() {
    let app = spawn_app().await;
    let ping = json!({"type": "ping"}).to_string();
    let cases: [(&str, u8, &[u8], bool); 6] = [
        ("an unmasked frame", 0x81, ping.as_bytes(), false),
        ("RSV1 without an extension", 0xC1, ping.as_bytes(), true),
        ("an unknown data opcode", 0x83, b"x", true),
        ("an unknown control opcode", 0x8B, b"", true),
        ("a fragmented ping", 0x09, b"", true),
        ("a continuation without a start", 0x80, b"x", true),
    ];
    for (i, (what, first, payload, masked)) in cases.into_iter().enumerate() {
        let mut ws = raw(&app, &format!("user{i}")).await;
        ws.send_frame(first, payload, masked).await;
        assert_eq!(ws.end().await, End::Closed(Some(1002)), "{what}");
    }
}

#[tokio::test]
async fn a_binary_frame_is_closed_with_1003() {
    let app = spawn_app().await;
    let mut ws = raw(&app, "alice").await;
    ws.send_frame(0x82, &[1, 2, 3], true).await;
    assert_eq!(ws.end().await, End::Closed(Some(1003)));
}

#[tokio::test]
async fn a_client_close_is_answered_with_its_code_and_the_stream_ends() {
    let app = spawn_app().await;
    let mut ws = raw(&app, "alice").await;
    ws.send_frame(0x88, &1000u16.to_be_bytes(), true).await;
    assert_eq!(ws.end().await, End::Closed(Some(1000)));
    // Nothing stays behind for the server.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.hub.stats().listeners, 0);
}

#[tokio::test]
async fn a_lagging_client_gets_reconnect_and_1012_on_shutdown_and_the_server_waits_for_it() {
    let mut app = spawn_app_with(|c| c.shutdown_timeout = Duration::from_secs(30)).await;
    let (alice, _) = app.user_with_token("alice").await;
    let (_, token) = app.user_with_token("lagging").await;
    let mut lagging = connect_with_small_buffer(&app.base, &token).await;
    lagging.subscribe(1, 0).await;
    // From here `lagging` reads nothing for a while: what the kernel does
    // not hold for it waits in the server.
    let body = "z".repeat(3000);
    for i in 0..150 {
        assert!(alice
            .say(1, &format!("{i} {body}"))
            .await
            .status
            .is_success());
    }
    assert_eq!(app.hub.stats().cut_off, 0, "lagging, not cut off");

    let stopped = {
        let started = std::time::Instant::now();
        let shutting = tokio::spawn(async move {
            app.shut_down().await;
            started.elapsed()
        });
        // The server does not exit while the goodbye waits for the client.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(
            !shutting.is_finished(),
            "the server exited with a client's goodbye unsent"
        );
        shutting
    };
    let (bye, _) = lagging.until("reconnect").await;
    assert!(bye["reason"].as_str().unwrap().contains("restarting"));
    assert_eq!(lagging.next_or_close().await.err(), Some(Some(1012)));
    drop(lagging);
    let took = stopped.await.unwrap();
    assert!(
        took < Duration::from_secs(30),
        "it did not wait for the deadline: {took:?}"
    );
}
