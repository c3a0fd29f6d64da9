//! Web Push (issue 16): a push service on loopback receives the encrypted
//! push and the test decrypts it with the subscription's keys; who gets a
//! push (members only, by level and do-not-disturb, not with the chat
//! open); subscriptions' rules (owner only, gone on sign-out and on 410).
//!
//! A push that must not happen is shown not to by the next one: each
//! subscription's pushes arrive in the order their messages were sent, so
//! when a later message's push is the first to arrive, the earlier one was
//! never pushed.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Client, ServerProcess, TestApp};
use crate::push_support::{Browser, PushService};
use crate::room_care::room;

/// The app, allowed to reach loopback and trusting the service's certificate.
async fn app_for(service: &PushService) -> TestApp {
    let cert = service.cert_file.path().to_owned();
    spawn_app_with(move |c| {
        c.outbound.allow = vec!["127.0.0.0/8".into()];
        c.outbound.extra_roots = vec![cert];
    })
    .await
}

async fn subscribe(c: &Client, browser: &Browser, endpoint: &str) -> i64 {
    let r = c
        .post("/api/v1/push/subscriptions", browser.subscription(endpoint))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

async fn subscriptions(c: &Client) -> Vec<Value> {
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
        &["--outbound-allow", "127.0.0.0/8", "--outbound-ca-file", &cert],
    )
    .unwrap();
    let alice = Client::new(&server.base);
    alice.post("/api/v1/users", json!({"username": "alice"})).await;
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
    assert!(Browser::new().decrypt(&push.body).is_err(), "nor by another browser");
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
    let until = later.format(&time::format_description::well_known::Rfc3339).unwrap();
    let r = bob.put("/api/v1/me/do-not-disturb", json!({ "until": until })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    dm(&alice, "bob", "while bob is not to be disturbed").await;
    // Decided one at a time in commit order: once carol's push (sent
    // later) arrives, bob's message was decided while he was quiet.
    dm(&alice, "carol", "decided after bob's").await;
    assert_eq!(service.next().await.path, "/carol");
    let r = bob.put("/api/v1/me/do-not-disturb", json!({ "until": null })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let r = bob.put("/api/v1/rooms/1/notifications", json!({ "level": "nothing" })).await;
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
    bob.put("/api/v1/rooms/1/notifications", json!({ "level": "all" })).await;
    alice.say(1, "no mention, default level for alice").await;

    bob.say(1, "bob's own message").await;
    alice.say(1, "a plain message").await;
    let pushed = keys.read(&service.next().await.body);
    assert_eq!(pushed["excerpt"], "no mention, default level for alice");
    let pushed = keys.read(&service.next().await.body);
    assert_eq!(pushed["excerpt"], "a plain message", "bob's own was skipped");
    assert_eq!(pushed["mention"], false);
}

#[tokio::test]
async fn someone_with_the_chat_open_gets_no_push() {
    let service = PushService::start().await;
    let app = app_for(&service).await;
    let alice = app.user("alice").await;
    let (bob, token) = app.user_with_token("bob").await;
    let bob_id = natter::domain::UserId(bob.get("/api/v1/me").await.body["user"]["id"].as_i64().unwrap());
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
    panic!("the subscription is still there: {:?}", subscriptions(&bob).await);
}

#[tokio::test]
async fn someone_elses_subscription_cannot_be_deleted() {
    let service = PushService::start().await;
    let app = app_for(&service).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = subscribe(&bob, &Browser::new(), &service.endpoint("/bob")).await;

    let r = alice.delete(&format!("/api/v1/push/subscriptions/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error_code(), "not_found");
    assert_eq!(subscriptions(&bob).await.len(), 1);
    assert!(subscriptions(&alice).await.is_empty());

    let r = bob.delete(&format!("/api/v1/push/subscriptions/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(subscriptions(&bob).await.is_empty());
}

#[tokio::test]
async fn a_bad_subscription_is_refused_with_a_sentence_and_nothing_is_kept() {
    let service = PushService::start().await;
    let app = app_for(&service).await;
    let bob = app.user("bob").await;
    let good = Browser::new().subscription(&service.endpoint("/bob"));
    let mut http = good.clone();
    http["endpoint"] = json!(format!("http://{}/bob", service.addr));
    let mut bad_key = good.clone();
    bad_key["keys"]["p256dh"] = json!("AAAA");
    let mut short_auth = good.clone();
    short_auth["keys"]["auth"] = json!("c2hvcnQ");
    for (body, says) in [
        (json!({ "endpoint": "https://push.example/x" }), "a push subscription is"),
        (json!("just a string"), "a push subscription is"),
        (http, "https"),
        (bad_key, "p256dh"),
        (short_auth, "auth"),
    ] {
        let r = bob.post("/api/v1/push/subscriptions", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        assert_eq!(r.error_code(), "invalid_subscription", "{}", r.text);
        assert!(r.error_message().contains(says), "{}", r.text);
    }
    let r = bob
        .raw(
            reqwest::Method::POST,
            "/api/v1/push/subscriptions",
            b"{not json".to_vec(),
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(!r.error_message().is_empty());
    assert!(subscriptions(&bob).await.is_empty());
}

#[tokio::test]
async fn a_loopback_endpoint_is_refused_unless_the_admin_allows_it() {
    let app = spawn_app().await;
    let bob = app.user("bob").await;
    let r = bob
        .post(
            "/api/v1/push/subscriptions",
            Browser::new().subscription("https://127.0.0.1:9/push"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.error_code(), "endpoint_refused");
    assert!(r.error_message().contains("loopback"), "{}", r.text);
    assert!(subscriptions(&bob).await.is_empty());
}

#[tokio::test]
async fn signing_out_removes_that_sessions_subscriptions_only() {
    let service = PushService::start().await;
    let app = app_for(&service).await;
    let laptop = app.user_with_password("bob").await;
    let (phone, _) = app.second_device("bob").await;
    subscribe(&laptop, &Browser::new(), &service.endpoint("/laptop")).await;
    subscribe(&phone, &Browser::new(), &service.endpoint("/phone")).await;
    assert_eq!(subscriptions(&laptop).await.len(), 2);

    assert_eq!(phone.delete("/api/v1/session").await.status, StatusCode::NO_CONTENT);
    let left = subscriptions(&laptop).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0]["endpoint"].as_str().unwrap().ends_with("/laptop"));
}

#[tokio::test]
async fn one_person_may_get_pushes_on_at_most_ten_devices() {
    let service = PushService::start().await;
    let app = app_for(&service).await;
    let bob = app.user("bob").await;
    for i in 0..10 {
        subscribe(&bob, &Browser::new(), &service.endpoint(&format!("/d{i}"))).await;
    }
    // The same device again only renews its keys.
    subscribe(&bob, &Browser::new(), &service.endpoint("/d3")).await;
    let r = bob
        .post(
            "/api/v1/push/subscriptions",
            Browser::new().subscription(&service.endpoint("/d10")),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert_eq!(r.error_code(), "too_many_subscriptions");
    assert_eq!(subscriptions(&bob).await.len(), 10);
}

#[tokio::test]
async fn the_push_key_is_made_once_and_kept_in_the_database_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let bob = Client::new(&server.base);
    bob.post("/api/v1/users", json!({"username": "bob"})).await;
    let first = bob.get("/api/v1/push/key").await;
    assert_eq!(first.status, StatusCode::OK);
    let key = first.body["public_key"].as_str().unwrap().to_owned();
    let raw = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &key).unwrap();
    assert_eq!((raw.len(), raw[0]), (65, 4), "an uncompressed P-256 point");
    assert!(!std::fs::read_dir(dir.path())
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().contains("vapid")));
    drop(server);

    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let again = bob.with_base(&server.base).get("/api/v1/push/key").await;
    assert_eq!(again.body["public_key"], key.as_str());
    assert_eq!(Client::new(&server.base).get("/api/v1/push/key").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_service_worker_and_the_manifest_are_served_at_the_root_and_allowed_by_the_csp() {
    let app = spawn_app().await;
    let c = app.client();
    let (status, headers, body) = c.bytes("/sw.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert_eq!(headers["service-worker-allowed"], "/");
    assert!(String::from_utf8_lossy(&body).contains("showNotification"));
    let (status, headers, body) = c.bytes("/manifest.webmanifest").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/manifest+json");
    let manifest: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(manifest["start_url"], "/chat");
    for icon in manifest["icons"].as_array().unwrap() {
        let (status, _, _) = c.bytes(icon["src"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{icon}");
    }
    let csp = headers["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("worker-src 'self'") && csp.contains("manifest-src 'self'"), "{csp}");
}
