//! Accounts: username rules, passwords, sessions, signing out.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn picking_a_username_signs_the_browser_in_with_a_safe_cookie() {
    let app = spawn_app().await;
    let c = app.client();
    let r = c
        .post("/api/v1/users", json!({"username": "  dana.k-9_ "}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["user"]["username"], "dana.k-9_", "name is trimmed");
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("natter_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http: no Secure flag");
    let token = cookie
        .trim_start_matches("natter_session=")
        .split(';')
        .next()
        .unwrap();
    assert!(token.len() >= 22, "at least 128 bits of token");

    let me = c.get("/api/v1/me").await;
    assert_eq!(me.body["user"]["username"], "dana.k-9_");
    // And general is already in the room list.
    let rooms = c.get("/api/v1/rooms").await.body;
    assert_eq!(rooms["rooms"][0]["name"], "general");
}

#[tokio::test]
async fn cookies_are_secure_when_the_server_is_reached_over_https() {
    let app = spawn_app_with(|c| c.public_url = Some("https://chat.example.com".into())).await;
    let r = app
        .client()
        .post("/api/v1/users", json!({"username": "erin"}))
        .await;
    assert!(r.headers["set-cookie"]
        .to_str()
        .unwrap()
        .contains("; Secure"));
    assert!(r.headers.contains_key("strict-transport-security"));
}

#[tokio::test]
async fn usernames_follow_the_rules_and_are_unique_ignoring_case() {
    let app = spawn_app().await;
    let c = app.client();
    let cases = [
        ("", StatusCode::BAD_REQUEST, "Username is empty"),
        ("   ", StatusCode::BAD_REQUEST, "Username is empty"),
        (
            &"x".repeat(33),
            StatusCode::BAD_REQUEST,
            "Username is too long (at most 32 characters)",
        ),
        (
            "bad name",
            StatusCode::BAD_REQUEST,
            "Username may only contain letters, digits, _, - and .",
        ),
        (
            "<script>",
            StatusCode::BAD_REQUEST,
            "Username may only contain letters, digits, _, - and .",
        ),
    ];
    for (name, status, message) in cases {
        let r = c.post("/api/v1/users", json!({"username": name})).await;
        assert_eq!(
            (r.status, r.error_message()),
            (status, message),
            "for {name:?}"
        );
    }
    assert_eq!(
        c.post("/api/v1/users", json!({"username": &"x".repeat(32)}))
            .await
            .status,
        StatusCode::CREATED
    );
    let first = app
        .client()
        .post("/api/v1/users", json!({"username": "Frank"}))
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = app
        .client()
        .post("/api/v1/users", json!({"username": "fRANK"}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_message(), "Username is taken");
    assert_eq!(again.error_code(), "username_taken");
}

#[tokio::test]
async fn a_password_lets_the_user_sign_in_from_a_second_browser() {
    let app = spawn_app().await;
    let laptop = app.user("gina").await;
    let r = laptop
        .put(
            "/api/v1/me/password",
            json!({"new_password": "correct horse"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        laptop.get("/api/v1/me").await.body["user"]["has_password"],
        true
    );

    let phone = app.client();
    let r = phone
        .post(
            "/api/v1/session",
            json!({"username": "GINA", "password": "correct horse"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        phone.get("/api/v1/me").await.body["user"]["username"],
        "gina"
    );
    // Both browsers stay signed in.
    assert_eq!(laptop.get("/api/v1/me").await.status, StatusCode::OK);

    // Changing it needs the current one.
    let r = phone
        .put(
            "/api/v1/me/password",
            json!({"current_password": "nope nope", "new_password": "battery staple"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sign_in_failures_do_not_tell_whether_the_username_exists() {
    let app = spawn_app().await;
    app.user_with_password("hana").await;
    app.user("nopass").await;

    let c = app.client();
    let wrong_password = c
        .post(
            "/api/v1/session",
            json!({"username": "hana", "password": "wrong horse"}),
        )
        .await;
    let no_such_user = c
        .post(
            "/api/v1/session",
            json!({"username": "nobody", "password": "wrong horse"}),
        )
        .await;
    let no_password_set = c
        .post(
            "/api/v1/session",
            json!({"username": "nopass", "password": "wrong horse"}),
        )
        .await;
    for r in [&wrong_password, &no_such_user, &no_password_set] {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.body, wrong_password.body, "every failure reads the same");
    }
    assert_eq!(
        wrong_password.error_message(),
        "Wrong username or password."
    );
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_in_always_issues_a_new_session_token() {
    let app = spawn_app().await;
    let c = app.user_with_password("ivan").await;
    let token = |r: &crate::helpers::Answer| {
        r.headers["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    let a = c
        .post(
            "/api/v1/session",
            json!({"username": "ivan", "password": "correct horse"}),
        )
        .await;
    let b = c
        .post(
            "/api/v1/session",
            json!({"username": "ivan", "password": "correct horse"}),
        )
        .await;
    assert_ne!(token(&a), token(&b));
}

#[tokio::test]
async fn sign_out_ends_this_session_only() {
    let app = spawn_app().await;
    let one = app.user_with_password("judy").await;
    let (two, _) = app.second_device("judy").await;

    let r = one.delete("/api/v1/session").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.headers["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(one.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(two.get("/api/v1/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_user() {
    let app = spawn_app().await;
    let laptop = app.user_with_password("kim").await;
    let (phone, _) = app.second_device("kim").await;
    let someone_else = app.user("lee").await;

    assert_eq!(
        phone.delete("/api/v1/sessions").await.status,
        StatusCode::NO_CONTENT
    );
    let ended = laptop.get("/api/v1/me").await;
    assert_eq!(ended.status, StatusCode::UNAUTHORIZED);
    assert_eq!(ended.error_code(), "session_ended");
    assert_eq!(
        phone.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(someone_else.get("/api/v1/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = spawn_app().await;
    let laptop = app.user_with_password("mo").await;
    let (phone, _) = app.second_device("mo").await;

    let r = laptop
        .put(
            "/api/v1/me/password",
            json!({"current_password": "correct horse", "new_password": "battery staple"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        phone.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(laptop.get("/api/v1/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn require_password_makes_a_password_part_of_sign_up() {
    let app = spawn_app_with(|c| c.require_password = true).await;
    let c = app.client();
    let r = c.post("/api/v1/users", json!({"username": "nina"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_message(), "Password is required");
    let r = c.post("/add_user", json!({"username": "nina"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c
        .post(
            "/api/v1/users",
            json!({"username": "nina", "password": "short"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c
        .post(
            "/api/v1/users",
            json!({"username": "nina", "password": "correct horse"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        app.client().get("/api/v1/server").await.body["require_password"],
        true
    );
}

#[tokio::test]
async fn a_bearer_token_works_like_the_cookie() {
    let app = spawn_app().await;
    let r = app
        .client()
        .post("/api/v1/users", json!({"username": "otto"}))
        .await;
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    let token = cookie
        .trim_start_matches("natter_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let bot = app.client();
    let auth = format!("Bearer {token}");
    let me = bot
        .send(
            reqwest::Method::GET,
            "/api/v1/me",
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(me.body["user"]["username"], "otto");
    let bad = bot
        .send(
            reqwest::Method::GET,
            "/api/v1/me",
            None,
            &[("authorization", "Bearer nope")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}
