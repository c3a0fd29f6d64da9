//! Bots and API tokens against the real server: scopes and rooms, marked
//! bot messages, revocation, the owner's sign-out and deactivation, hashes
//! at rest and the per-token rate limit.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};
use crate::integrations_support::{bot, make_token, my_id, room, say, token, with_token};

#[tokio::test]
async fn an_admin_cannot_make_a_password_reset_link_for_a_bot() {
    let app = spawn_app().await;
    let admin = app.user("alice").await; // the first account is the admin
    let helper = bot(&admin, "helper").await;
    let r = admin
        .post(
            &format!("/api/v1/admin/users/{helper}/reset-link"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.error_code(), "bot_account");
}

#[tokio::test]
async fn a_read_token_reads_but_posting_with_it_is_refused_with_a_sentence() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice.say(1, "hello").await;
    let reader = token(&alice, json!({"scopes": ["read"]})).await;
    assert!(reader.starts_with("natter_"));

    let history = with_token(&app, &reader, Method::GET, "/api/v1/rooms/1/messages", None).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    assert_eq!(history.body["messages"][0]["body"], "hello");

    let refused = say(&app, &reader, 1, "from a reader").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.error_message().contains("`post` scope"),
        "{}",
        refused.error_message()
    );
    assert_eq!(alice.all_messages(1).await.len(), 1, "nothing was stored");

    let writer = token(&alice, json!({"scopes": ["read", "post"]})).await;
    assert_eq!(
        say(&app, &writer, 1, "posted").await.status,
        StatusCode::CREATED
    );
    // Managing rooms needs its own scope.
    let create = json!({"name": "ops", "kind": "public"});
    let r = with_token(
        &app,
        &writer,
        Method::POST,
        "/api/v1/rooms",
        Some(create.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.error_message().contains("manage_rooms"),
        "{}",
        r.error_message()
    );
    let manager = token(&alice, json!({"scopes": ["manage_rooms"]})).await;
    let r = with_token(&app, &manager, Method::POST, "/api/v1/rooms", Some(create)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test]
async fn a_token_limited_to_rooms_finds_no_other_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let secret = room(&alice, "secret", "private").await;
    let t = token(&alice, json!({"scopes": ["read", "post"], "rooms": [ops]})).await;

    assert_eq!(
        say(&app, &t, ops, "in ops").await.status,
        StatusCode::CREATED
    );
    let elsewhere = say(&app, &t, secret, "in secret").await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let read = with_token(
        &app,
        &t,
        Method::GET,
        &format!("/api/v1/rooms/{secret}/messages"),
        None,
    )
    .await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    // The room list holds only its rooms; search across rooms is refused.
    let rooms = with_token(&app, &t, Method::GET, "/api/v1/rooms", None).await;
    let ids: Vec<i64> = rooms.body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![ops]);
    let search = with_token(&app, &t, Method::GET, "/api/v1/search?q=secret", None).await;
    assert_eq!(search.status, StatusCode::FORBIDDEN);

    // A room the maker is not in cannot be granted.
    let bob = app.user("bob").await;
    let r = make_token(&bob, json!({"scopes": ["read"], "rooms": [ops]})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bots_messages_are_marked_in_history_and_in_the_stream() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let bot_id = bot(&alice, "deploy-bot").await;
    let r = alice
        .post(
            &format!("/api/v1/rooms/{ops}/members"),
            json!({"username": "deploy-bot"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let t = token(
        &alice,
        json!({"scopes": ["read", "post"], "bot_id": bot_id}),
    )
    .await;

    let sent = say(&app, &t, ops, "deployed v1.2").await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    assert_eq!(sent.body["message"]["author"], "deploy-bot");
    alice.say(ops, "thanks").await;

    let history = alice.all_messages(ops).await;
    assert_eq!(history[0]["bot"], true);
    assert!(
        history[1].get("bot").is_none(),
        "a person's message is not a bot's"
    );
    let live = alice
        .get(&format!("/api/v1/rooms/{ops}/events?after=0"))
        .await;
    let created: Vec<_> = live.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "message.created")
        .collect();
    assert_eq!(created[0]["message"]["bot"], true);
    let me = with_token(&app, &t, Method::GET, "/api/v1/me", None).await;
    assert_eq!(me.body["user"]["bot"], true);
}

#[tokio::test]
async fn a_revoked_token_stops_at_once_and_leaves_the_list() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let made = make_token(&alice, json!({"scopes": ["read"]})).await;
    let t = made.body["token"].as_str().unwrap().to_owned();
    let id = made.body["id"].as_i64().unwrap();
    assert_eq!(
        with_token(&app, &t, Method::GET, "/api/v1/me", None)
            .await
            .status,
        StatusCode::OK
    );

    let list = alice.get("/api/v1/tokens").await;
    let listed = &list.body["tokens"][0];
    assert_eq!(listed["prefix"], t[..12]);
    assert!(listed["last_used_at"].is_string(), "{listed}");
    assert!(!list.text.contains(&t), "the list never shows a token");

    assert_eq!(
        alice.delete(&format!("/api/v1/tokens/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let after = with_token(&app, &t, Method::GET, "/api/v1/me", None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.error_code(), "token_invalid");
    assert_eq!(alice.get("/api/v1/tokens").await.body["tokens"], json!([]));
    // Someone else's token cannot be revoked by id.
    let bob = app.user("bob").await;
    let theirs = make_token(&alice, json!({"scopes": ["read"]})).await.body["id"].clone();
    let r = bob.delete(&format!("/api/v1/tokens/{theirs}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bot_posts_after_its_owner_signs_out_everywhere_but_not_once_the_owner_is_deactivated() {
    let app = spawn_app().await;
    let admin = app.user("admin").await;
    let alice = app.user("alice").await;
    let alice_id = my_id(&alice).await;
    let bot_id = bot(&alice, "helper").await;
    let r = alice
        .post("/api/v1/rooms/1/members", json!({"username": "helper"}))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let t = token(&alice, json!({"scopes": ["post"], "bot_id": bot_id})).await;

    assert_eq!(
        alice.delete("/api/v1/sessions").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        alice.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        say(&app, &t, 1, "still here").await.status,
        StatusCode::CREATED
    );

    let r = admin
        .put(
            &format!("/api/v1/admin/users/{alice_id}/active"),
            json!({"active": false}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let after = say(&app, &t, 1, "gone").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    // Reactivating the owner does not bring the token back.
    admin
        .put(
            &format!("/api/v1/admin/users/{alice_id}/active"),
            json!({"active": true}),
        )
        .await;
    assert_eq!(
        say(&app, &t, 1, "back?").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_are_kept_only_as_hashes_in_the_database_file() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let t = token(&alice, json!({"scopes": ["read"]})).await;
    assert_eq!(
        with_token(&app, &t, Method::GET, "/api/v1/me", None)
            .await
            .status,
        StatusCode::OK
    );
    let secret = &t["natter_".len()..];
    for file in ["natter.db", "natter.db-wal"] {
        let bytes = std::fs::read(app.data_dir().join(file)).unwrap_or_default();
        let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!found, "the token is in {file}");
    }
}

#[tokio::test]
async fn each_token_has_its_own_rate_limit_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.limits.enabled = true;
        c.limits.token_requests_per_minute = 5;
    })
    .await;
    let alice = app.user("alice").await;
    let busy = token(&alice, json!({"scopes": ["read"]})).await;
    let quiet = token(&alice, json!({"scopes": ["read"]})).await;
    for _ in 0..5 {
        assert_eq!(
            with_token(&app, &busy, Method::GET, "/api/v1/me", None)
                .await
                .status,
            StatusCode::OK
        );
    }
    let refused = with_token(&app, &busy, Method::GET, "/api/v1/me", None).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&wait), "one request back in 12 s: {wait}");
    assert_eq!(
        with_token(&app, &quiet, Method::GET, "/api/v1/me", None)
            .await
            .status,
        StatusCode::OK
    );
    // The person's own session is not limited by their tokens.
    assert_eq!(alice.get("/api/v1/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_token_cannot_reach_account_admin_or_integration_routes() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let all = token(&alice, json!({"scopes": ["read", "post", "manage_rooms"]})).await;
    for (method, path) in [
        (Method::GET, "/api/v1/tokens"),
        (Method::GET, "/api/v1/sessions"),
        (Method::GET, "/api/v1/admin/users"),
        (Method::DELETE, "/api/v1/sessions"),
    ] {
        let r = with_token(&app, &all, method, path, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            r.error_message().contains("sign in"),
            "{}",
            r.error_message()
        );
    }
    let r = with_token(
        &app,
        &all,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "x", "scopes": ["read"]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        alice.get("/api/v1/me").await.status,
        StatusCode::OK,
        "the session stays"
    );
}

#[tokio::test]
async fn a_token_request_needs_no_origin_check_but_a_cookie_request_still_does() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let t = token(&alice, json!({"scopes": ["post"]})).await;
    let foreign = [("origin", "http://evil.example")];
    let body = json!({"body": "from a script", "client_id": "script-1"});
    let auth = format!("Bearer {t}");
    let with = app
        .client()
        .send(
            Method::POST,
            "/api/v1/rooms/1/messages",
            Some(body.clone()),
            &[foreign[0], ("authorization", &auth)],
        )
        .await;
    assert_eq!(with.status, StatusCode::CREATED, "{}", with.text);
    let cookie = alice
        .send(
            Method::POST,
            "/api/v1/rooms/1/messages",
            Some(body),
            &foreign,
        )
        .await;
    assert_eq!(cookie.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_token_requests_get_clear_errors_and_change_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let r = make_token(&alice, json!({"scopes": []})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "scopes_empty");
    let r = make_token(&alice, json!({"scopes": ["admin"]})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let bob = app.user("bob").await;
    let bobs_bot = bot(&bob, "bobs-bot").await;
    let r = make_token(&alice, json!({"scopes": ["read"], "bot_id": bobs_bot})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = alice.post("/api/v1/bots", json!({"name": "bob"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(alice.get("/api/v1/tokens").await.body["tokens"], json!([]));
    let unknown = with_token(&app, "natter_nope", Method::GET, "/api/v1/me", None).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
}
