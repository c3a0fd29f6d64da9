//! Origins compared whole, and the `Host` checked against the public URL:
//! what a DNS-rebinding page or a page on another scheme or port gets.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::ws::try_connect_with;

async fn public_app() -> TestApp {
    spawn_app_with(|c| c.public_url = Some("https://chat.test".into())).await
}

#[tokio::test]
async fn with_a_public_url_a_request_for_another_host_name_gets_421_and_changes_nothing() {
    let app = public_app().await;
    let c = app.client();
    let rebound = [("host", "evil.example"), ("origin", "http://evil.example")];
    let r = c
        .send(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "victim"})),
            &rebound,
        )
        .await;
    assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "{}", r.text);
    assert_eq!(r.error_code(), "wrong_host");
    assert!(
        r.error_message().contains("https://chat.test"),
        "{}",
        r.text
    );
    for path in ["/", "/chat", "/api/v1/server", "/messages?current=0"] {
        let r = c.send(Method::GET, path, None, &rebound).await;
        assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "{path}");
    }
    // The public name (any case, default port) and the server's own
    // address are answered; the name is still free.
    for host in ["chat.test", "CHAT.test:443"] {
        let r = c
            .send(Method::GET, "/api/v1/server", None, &[("host", host)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{host}");
    }
    let r = c
        .send(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "victim"})),
            &[("host", "chat.test"), ("origin", "https://chat.test")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test]
async fn with_a_public_url_the_stream_takes_only_its_whole_origin_and_host() {
    let app = public_app().await;
    let (_, token) = app.user_with_token("alice").await;
    let connect = |host: Option<&'static str>, origin: &'static str| {
        try_connect_with(&app.base, &token, host, Some(origin))
    };
    assert!(connect(None, "https://chat.test").await.is_ok());
    assert_eq!(
        connect(None, "http://chat.test").await.err(),
        Some(403),
        "the scheme counts"
    );
    assert_eq!(
        connect(None, "https://chat.test:8443").await.err(),
        Some(403),
        "the port counts"
    );
    assert_eq!(
        connect(Some("evil.example"), "http://evil.example")
            .await
            .err(),
        Some(421),
        "a rebound name is refused before the upgrade"
    );
}

#[tokio::test]
async fn without_a_public_url_the_origin_must_match_in_scheme_and_port_too() {
    let app = spawn_app().await;
    let c = app.client();
    let port = app.base.rsplit(':').next().unwrap().to_owned();
    let other_port = format!("http://127.0.0.1:{}", port.parse::<u16>().unwrap() ^ 1);
    for origin in [format!("https://127.0.0.1:{port}"), other_port] {
        let r = c
            .send(
                Method::POST,
                "/api/v1/users",
                Some(json!({"username": "victim"})),
                &[("origin", &origin)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{origin}");
    }
    // A tool on the machine itself, and the page's own origin, work.
    let r = c
        .send(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "victim"})),
            &[("origin", &app.base)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn an_allowed_origin_that_is_not_an_origin_stops_the_server_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let config = natter::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        allowed_origins: vec!["chat.example.com".into()],
        ..natter::Config::default()
    };
    let Err(e) = natter::App::build(&config).await else {
        panic!("the server started")
    };
    assert!(
        format!("{e:#}").contains("chat.example.com is not an origin like https://"),
        "{e:#}"
    );
}
