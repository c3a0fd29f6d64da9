//! Abuse limits: rate limits with 429 and Retry-After, slow mode, and the
//! connection-level caps.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{spawn_app_with, Answer, Client};

#[tokio::test]
async fn sign_ups_from_one_address_are_limited_with_429_and_retry_after() {
    let app = spawn_app_with(|c| {
        c.limits.enabled = true;
        c.limits.sign_ups_per_hour = 3;
    })
    .await;
    for i in 0..3 {
        let r = app
            .client()
            .post("/api/v1/users", json!({"username": format!("u{i}")}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let r = app
        .client()
        .post("/add_user", json!({"username": "one-too-many"}))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.error_code(), "rate_limited");
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait));
    // Nothing was created.
    let taken = app
        .client()
        .post(
            "/api/v1/session",
            json!({"username": "one-too-many", "password": "whatever1"}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn attempts_at_one_username_are_limited_too() {
    let app = spawn_app_with(|c| {
        c.limits.enabled = true;
        c.limits.sign_ups_per_hour = 1000;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            app.client()
                .post("/api/v1/users", json!({"username": "Popular"}))
                .await
                .status,
        );
    }
    assert_eq!(statuses[0], StatusCode::CREATED);
    assert!(
        statuses[1..5].iter().all(|s| *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    let other = app
        .client()
        .post("/api/v1/users", json!({"username": "other"}))
        .await;
    assert_eq!(
        other.status,
        StatusCode::CREATED,
        "other names are not affected"
    );
}

#[tokio::test]
async fn repeated_wrong_passwords_for_one_name_are_slowed_down() {
    let app = spawn_app_with(|c| {
        c.limits.enabled = true;
        c.limits.sign_ins_per_minute = 1000;
    })
    .await;
    let owner = app.client();
    owner
        .post("/api/v1/users", json!({"username": "target"}))
        .await;
    owner
        .put(
            "/api/v1/me/password",
            json!({"new_password": "correct horse"}),
        )
        .await;
    let guesser = app.client();
    let mut statuses = Vec::new();
    for i in 0..12 {
        let r = guesser
            .post(
                "/api/v1/session",
                json!({"username": "target", "password": format!("guess {i}")}),
            )
            .await;
        statuses.push(r.status);
    }
    assert!(statuses[..10]
        .iter()
        .all(|s| *s == StatusCode::UNAUTHORIZED));
    assert_eq!(statuses[11], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_user_sending_too_fast_gets_429_and_nothing_is_stored() {
    let app = spawn_app_with(|c| {
        c.limits.enabled = true;
        c.limits.sends_per_second = 2;
    })
    .await;
    let alice = app.user("alice").await;
    let mut created = 0;
    let mut limited = 0;
    for i in 0..10 {
        match alice.say(1, &format!("{i}")).await.status {
            StatusCode::CREATED => created += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        created >= 6 && limited >= 1,
        "created {created}, limited {limited}"
    );
    assert_eq!(alice.all_messages(1).await.len(), created);
}

/// A public room of `owner`'s that `member` has joined.
async fn calm_room(owner: &Client, member: &Client) -> i64 {
    let r = owner
        .post("/api/v1/rooms", json!({"name": "calm", "kind": "public"}))
        .await;
    let room = r.body["room"]["id"].as_i64().unwrap();
    member
        .post(&format!("/api/v1/rooms/{room}/join"), json!({}))
        .await;
    room
}

#[tokio::test]
async fn slow_mode_allows_one_message_per_interval_per_member() {
    let app = spawn_app_with(|c| c.limits.enabled = true).await;
    let owner = app.user("owner").await;
    let member = app.user("member").await;
    let room = calm_room(&owner, &member).await;

    let r = member
        .put(
            &format!("/api/v1/rooms/{room}/slow-mode"),
            json!({"seconds": 60}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only the owner sets it");
    let r = owner
        .put(
            &format!("/api/v1/rooms/{room}/slow-mode"),
            json!({"seconds": 60}),
        )
        .await;
    assert_eq!(r.body["room"]["slow_mode_secs"], 60);

    assert_eq!(member.say(room, "first").await.status, StatusCode::CREATED);
    let second = member.say(room, "second").await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers.contains_key("retry-after"));
    assert_eq!(
        owner.say(room, "the owner is exempt").await.status,
        StatusCode::CREATED
    );
    assert_eq!(owner.say(room, "twice").await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn connections_beyond_the_per_ip_cap_are_refused_with_429() {
    let app = spawn_app_with(|c| c.connections.max_per_ip = 2).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let _a = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let _b = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut c = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), c.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("too_many_connections"));
}

#[tokio::test]
async fn a_client_that_sends_headers_too_slowly_is_cut_off() {
    let app = spawn_app_with(|c| c.connections.header_read_timeout = Duration::from_secs(1)).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // ...and never finishes the headers.
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the server kept a half-sent request open");
}

#[tokio::test]
async fn oversized_headers_are_refused() {
    let app = spawn_app_with(|c| c.connections.max_header_bytes = 8192).await;
    let big = "x".repeat(64 * 1024);
    let r = app
        .client()
        .send(
            reqwest::Method::GET,
            "/api/v1/health",
            None,
            &[("x-padding", &big)],
        )
        .await;
    assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
}

/// The `Retry-After` of a 429, in seconds.
fn retry_after(r: &Answer) -> u64 {
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    r.headers["retry-after"].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_send_retried_after_exactly_retry_after_in_slow_mode_goes_through() {
    let app = spawn_app_with(|c| c.limits.enabled = true).await;
    let owner = app.user("owner").await;
    let member = app.user("member").await;
    let room = calm_room(&owner, &member).await;
    owner
        .put(
            &format!("/api/v1/rooms/{room}/slow-mode"),
            json!({"seconds": 2}),
        )
        .await;
    assert_eq!(member.say(room, "first").await.status, StatusCode::CREATED);
    let wait = retry_after(&member.say(room, "too soon").await);
    assert_eq!(wait, 2, "rounded up, not down");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(
        member.say(room, "on time").await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_sign_in_retried_after_exactly_retry_after_of_a_lockout_goes_through() {
    let app = spawn_app_with(|c| {
        c.limits.enabled = true;
        c.limits.sign_ins_per_minute = 1000;
    })
    .await;
    app.user_with_password("target").await;
    let guesser = app.client();
    let sign_in = |password: &'static str| {
        let guesser = guesser.clone();
        async move {
            guesser
                .post(
                    "/api/v1/session",
                    json!({"username": "target", "password": password}),
                )
                .await
        }
    };
    let mut locked = None;
    for _ in 0..12 {
        let r = sign_in("wrong guess").await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            locked = Some(r);
            break;
        }
    }
    let wait = retry_after(&locked.expect("locked out"));
    assert!((1..=6).contains(&wait), "{wait}");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let r = sign_in("correct horse").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
