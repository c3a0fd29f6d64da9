//! Web Push (issue 16): a push service on loopback receives the encrypted
//! push and the test decrypts it with the subscription's keys; who gets a
//! push (members only, by level and do-not-disturb, not with the chat
//! open); a 410 from the service removes the subscription (the other
//! rules of subscriptions: push_subscriptions.rs).
//!
//! A push that must not happen is shown not to by the next one: each
//! subscription's pushes arrive in the order their messages were sent, so
//! when a later message's push is the first to arrive, the earlier one was
//! never pushed.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, Client, ServerProcess, TestApp};
use crate::push_support::{Browser, PushService};
use crate::room_care::room;

/// The app, allowed to reach loopback and trusting the service's certificate.
pub(crate) async fn app_for(service: &PushService) -> TestApp {
    let cert = service.cert_file.path().to_owned();
    spawn_app_with(move |c| {
        c.outbound.allow = vec!["127.0.0.0/8".into()];
        c.outbound.extra_roots = vec![cert];
    })
    .await
}

pub(crate) async fn subscribe(c: &Client, browser: &Browser, endpoint: &str) -> i64 {
    let r = c
        .post("/api/v1/push/subscriptions", browser.subscription(endpoint))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

pub(crate) async fn subscriptions(c: &Client) -> Vec<Value> {
    let r = c.get("/api/v1/push/subscriptions").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["subscriptions"].as_array().unwrap().clone()
}

async fn dm(from: &Client, to: &str, body: &str) -> i64 {
    let r = from.post("/api/v1/dms", json!({ "username": to })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let room = r.body["room"]["id"].as_i64().unwrap();
    assert_eq!(from.say(room, body).await.status, StatusCode::CREATED);
    room
}

#[tokio::test]
async fn a_mention_reaches_the_push_service_encrypted_and_decrypts_to_the_message() {
    // The real binary, allowed loopback by its command-line option.
    let service = PushService::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cert = service.cert_file.path().to_str().unwrap().to_owned();
    let server = ServerProcess::start(
        dir.path(),
        &[
            "--outbound-allow",
            "127.0.0.0/8",
            "--outbound-ca-file",
            &cert,
        ],
    )
    .unwrap();
    let alice = Client::new(&server.base);
    alice
        .post("/api/v1/users", json!({"username": "alice"}))
        .await;
    let bob = Client::new(&server.base);
    bob.post("/api/v1/users", json!({"username": "bob"})).await;
    let browser = Browser::new();
    subscribe(&bob, &browser, &service.endpoint("/push/bob")).await;
    let key = bob.get("/api/v1/push/key").await.body["public_key"]
        .as_str()
        .unwrap()
        .to_owned();

    let sent = alice.say(1, "@bob the deploy is done").await;
    assert_eq!(sent.status, StatusCode::CREATED);
    let seq = sent.body["message"]["seq"].as_i64().unwrap();

    let push = service.next().await;
    assert_eq!(push.path, "/push/bob");
    assert_eq!(push.headers["content-encoding"], "aes128gcm");
    assert!(
        push.headers["authorization"].starts_with("vapid t=")
            && push.headers["authorization"].ends_with(&format!("k={key}")),
        "signed with the key the page subscribed with: {}",
        push.headers["authorization"]
    );
    assert!(
        !push.body.windows(6).any(|w| w == b"deploy"),
        "the push is not readable on the way"
    );
    assert!(
        Browser::new().decrypt(&push.body).is_err(),
        "nor by another browser"
    );
    let payload = browser.read(&push.body);
    assert_eq!(payload["type"], "message");
    assert_eq!(payload["room_id"], 1);
    assert_eq!(payload["seq"], seq);
    assert_eq!(payload["room_name"], "general");
    assert_eq!(payload["author"], "alice");
    assert_eq!(payload["excerpt"], "@bob the deploy is done");
    assert_eq!(payload["mention"], true);
    assert_eq!(payload["url"], format!("/chat#room=1&msg={seq}"));
}

#[tokio::test]
async fn a_mention_in_a_private_room_is_never_pushed_to_someone_outside_it() {
    let (bobs, carols) = (PushService::start().await, PushService::start().await);
    let cert = bobs.cert_file.path().to_owned();
    let carol_cert = carols.cert_file.path().to_owned();
    let app = spawn_app_with(move |c| {
        c.outbound.allow = vec!["127.0.0.0/8".into()];
        c.outbound.extra_roots = vec![cert, carol_cert];
    })
    .await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let (bob_keys, carol_keys) = (Browser::new(), Browser::new());
    subscribe(&bob, &bob_keys, &bobs.endpoint("/b")).await;
    subscribe(&carol, &carol_keys, &carols.endpoint("/c")).await;
    let secret = room(&alice, "secret", "private", &["bob"]).await;

    alice.say(secret, "@carol @bob the secret plans").await;
    let to_bob = bob_keys.read(&bobs.next().await.body);
    assert_eq!(to_bob["excerpt"], "@carol @bob the secret plans");
    assert_eq!(to_bob["room_kind"], "private");

    dm(&alice, "carol", "later, a direct message").await;
    let to_carol = carol_keys.read(&carols.next().await.body);
    assert_eq!(
        to_carol["excerpt"], "later, a direct message",
        "carol's first push is the later message: the private mention never reached her"
    );
}

#[tokio::test]
async fn do_not_disturb_and_the_level_nothing_mean_no_push() {
    let service = PushService::start().await;
    let app = app_for(&service).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let keys = Browser::new();
    subscribe(&bob, &keys, &service.endpoint("/bob")).await;
    let carol = app.user("carol").await;
    subscribe(&carol, &Browser::new(), &service.endpoint("/carol")).await;

    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let until = later
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let r = bob
        .put("/api/v1/me/do-not-disturb", json!({ "until": until }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    dm(&alice, "bob", "while bob is not to be disturbed").await;
    // Decided one at a time in commit order: once carol's push (sent
    // later) arrives, bob's message was decided while he was quiet.
    dm(&alice, "carol", "decided after bob's").await;
    assert_eq!(service.next().await.path, "/carol");
    let r = bob
        .put("/api/v1/me/do-not-disturb", json!({ "until": null }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let r = bob
        .put(
            "/api/v1/rooms/1/notifications",
            json!({ "level": "nothing" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    alice.say(1, "@bob in a room bob silenced").await;

    dm(&alice, "bob", "the first one bob hears of").await;
    let first = keys.read(&service.next().await.body);
    assert_eq!(first["excerpt"], "the first one bob hears of");
    assert_eq!(first["room_kind"], "direct");
    assert_eq!(first["room_name"], Value::Null);
}

#[tokio::test]
async fn at_level_all_every_message_is_pushed_but_never_the_authors_own() {
    let service = PushService::start().await;
    let app = app_for(&service).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let keys = Browser::new();
    subscribe(&bob, &keys, &service.endpoint("/bob")).await;
    bob.put("/api/v1/rooms/1/notifications", json!({ "level": "all" }))
        .await;
    alice.say(1, "no mention, default level for alice").await;

    bob.say(1, "bob's own message").await;
    alice.say(1, "a plain message").await;
    let pushed = keys.read(&service.next().await.body);
    assert_eq!(pushed["excerpt"], "no mention, default level for alice");
    let pushed = keys.read(&service.next().await.body);
    assert_eq!(
        pushed["excerpt"], "a plain message",
        "bob's own was skipped"
    );
    assert_eq!(pushed["mention"], false);
}

#[tokio::test]
async fn someone_with_the_chat_open_gets_no_push() {
    let service = PushService::start().await;
    let app = app_for(&service).await;
    let alice = app.user("alice").await;
    let (bob, token) = app.user_with_token("bob").await;
    let bob_id = natter::domain::UserId(
        bob.get("/api/v1/me").await.body["user"]["id"]
            .as_i64()
            .unwrap(),
    );
    let keys = Browser::new();
    subscribe(&bob, &keys, &service.endpoint("/bob")).await;

    let carol = app.user("carol").await;
    subscribe(&carol, &Browser::new(), &service.endpoint("/carol")).await;

    let ws = crate::ws::connect(&app.base, &token).await;
    dm(&alice, "bob", "seen live on the open page").await;
    // Pushes are decided one message at a time, in commit order: once
    // carol's (sent later) arrives, bob's message has been decided on
    // while his page was open.
    dm(&alice, "carol", "decided after bob's").await;
    assert_eq!(service.next().await.path, "/carol");
    drop(ws);
    while app.hub.connections_of(bob_id) > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    dm(&alice, "bob", "sent after the page closed").await;
    let first = keys.read(&service.next().await.body);
    assert_eq!(first["excerpt"], "sent after the page closed");
}

#[tokio::test]
async fn a_push_service_answering_410_gone_removes_the_subscription() {
    let service = PushService::start().await;
    service.answer("/gone", 410);
    let app = app_for(&service).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    subscribe(&bob, &Browser::new(), &service.endpoint("/gone")).await;
    assert_eq!(subscriptions(&bob).await.len(), 1);

    dm(&alice, "bob", "to a browser that unsubscribed").await;
    assert_eq!(service.next().await.path, "/gone");
    // The deletion follows the answer; wait for it (a minute at most).
    for _ in 0..600 {
        if subscriptions(&bob).await.is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the subscription is still there: {:?}",
        subscriptions(&bob).await
    );
}

#[tokio::test]
async fn a_message_deleted_before_its_push_went_out_is_not_pushed() {
    let service = PushService::start().await;
    service.answer("/bob", 503);
    let app = app_for(&service).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let keys = Browser::new();
    subscribe(&bob, &keys, &service.endpoint("/bob")).await;

    let room = dm(&alice, "bob", "oops, not for bob").await;
    // The service is down: the push waits to be tried again.
    assert_eq!(service.next().await.path, "/bob");
    let r = alice
        .delete(&format!("/api/v1/rooms/{room}/messages/1"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);

    alice.say(room, "the one to read").await;
    // A retry that checked just before the deletion may still be on its
    // way, so the service stays down until the later message is tried:
    // pushes go in order, so the deleted one is behind the worker then.
    loop {
        let push = service.next().await;
        if keys.read(&push.body)["excerpt"] == "the one to read" {
            break;
        }
    }
    service.answer("/bob", 201);
    let taken = loop {
        let push = service.next().await;
        if push.status == 201 {
            break keys.read(&push.body);
        }
    };
    assert_eq!(taken["excerpt"], "the one to read");
}
