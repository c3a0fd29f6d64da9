//! Behind a reverse proxy: forwarding headers count only from trusted proxies.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app_with;

/// Signs up `name` through a "proxy" that says the client is `client`
/// and came over `proto`; the status and the session cookie.
async fn sign_up_via(base: &str, name: &str, client: &str, proto: &str) -> (StatusCode, String) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/users"))
        .header("x-forwarded-for", client)
        .header("x-forwarded-proto", proto)
        .json(&json!({ "username": name }))
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status(), cookie)
}

fn one_sign_up_per_address(c: &mut natter::Config) {
    c.limits.enabled = true;
    c.limits.sign_ups_per_hour = 1;
}

#[tokio::test]
async fn a_trusted_proxy_s_forwarded_client_gets_its_own_limit_and_https_cookie() {
    let app = spawn_app_with(|c| {
        one_sign_up_per_address(c);
        c.connections.trusted_proxies =
            natter::ops::proxy::TrustedProxies::new(vec!["127.0.0.1/32".parse().unwrap()]);
    })
    .await;
    let (status, cookie) = sign_up_via(&app.base, "ann", "203.0.113.1", "https").await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(cookie.contains("; Secure"), "{cookie}");
    // Another client behind the same proxy has a bucket of its own...
    let (status, cookie) = sign_up_via(&app.base, "ben", "203.0.113.2", "http").await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP stays plain: {cookie}"
    );
    // ...and the first one's is spent.
    let (status, _) = sign_up_via(&app.base, "cat", "203.0.113.1", "https").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_untrusted_sender_s_forwarding_headers_are_ignored() {
    let app = spawn_app_with(one_sign_up_per_address).await;
    let (status, cookie) = sign_up_via(&app.base, "ann", "203.0.113.1", "https").await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(
        !cookie.contains("Secure"),
        "a claimed https is not believed: {cookie}"
    );
    // Claiming another address does not buy another sign-up.
    let (status, _) = sign_up_via(&app.base, "ben", "203.0.113.2", "http").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
