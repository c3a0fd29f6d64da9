//! Web Push subscriptions' rules (issue 16): only the owner deletes one,
//! bad input is refused with a sentence, loopback only when the admin
//! allows it, a session's go when it signs out, at most ten per person;
//! the key is kept in the database; the service worker and manifest.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Client, ServerProcess};
use crate::push::{app_for, subscribe, subscriptions};
use crate::push_support::{Browser, PushService};

#[tokio::test]
async fn someone_elses_subscription_cannot_be_deleted() {
    let service = PushService::start().await;
    let app = app_for(&service).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = subscribe(&bob, &Browser::new(), &service.endpoint("/bob")).await;

    let r = alice
        .delete(&format!("/api/v1/push/subscriptions/{id}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error_code(), "not_found");
    assert_eq!(subscriptions(&bob).await.len(), 1);
    assert!(subscriptions(&alice).await.is_empty());

    let r = bob
        .delete(&format!("/api/v1/push/subscriptions/{id}"))
        .await;
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
        (
            json!({ "endpoint": "https://push.example/x" }),
            "A push subscription is",
        ),
        (json!("just a string"), "A push subscription is"),
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

    assert_eq!(
        phone.delete("/api/v1/session").await.status,
        StatusCode::NO_CONTENT
    );
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
    let raw =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &key).unwrap();
    assert_eq!((raw.len(), raw[0]), (65, 4), "an uncompressed P-256 point");
    assert!(!std::fs::read_dir(dir.path()).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("vapid")));
    drop(server);

    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let again = bob.with_base(&server.base).get("/api/v1/push/key").await;
    assert_eq!(again.body["public_key"], key.as_str());
    assert_eq!(
        Client::new(&server.base)
            .get("/api/v1/push/key")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_service_worker_and_the_manifest_are_served_at_the_root_and_allowed_by_the_csp() {
    let app = spawn_app().await;
    let c = app.client();
    let (status, headers, body) = c.bytes("/sw.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
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
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("worker-src 'self'") && csp.contains("manifest-src 'self'"),
        "{csp}"
    );
}
