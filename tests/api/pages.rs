//! Pages and assets: templates, caching, compression, preferences.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_chat_page_carries_a_bootstrap_that_cannot_break_out_of_its_script() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let evil = "</script><script>alert(1)</script>";
    let r = alice
        .post("/api/v1/rooms", json!({"name": evil, "kind": "public"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let page = alice.get("/chat").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text.contains(evil),
        "the room name appears raw in the page"
    );
    assert!(
        !page.text.contains("<script>alert(1)"),
        "an executable script appeared"
    );
    assert_eq!(page.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn versioned_assets_are_cached_for_a_year_and_revalidated_by_etag() {
    let app = spawn_app().await;
    let c = app.client();
    let plain = c.get("/assets/js/api.js").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(plain.headers["cache-control"], "no-cache");
    let etag = plain.headers["etag"].to_str().unwrap().to_owned();
    let again = c
        .send(
            Method::GET,
            "/assets/js/api.js",
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    let welcome = c.get("/").await;
    let prefix = welcome
        .text
        .split("/assets/v/")
        .nth(1)
        .map(|rest| rest.split('/').next().unwrap().to_owned());
    let version = prefix.expect("the page loads its assets from the versioned prefix");
    let long = c.get(&format!("/assets/v/{version}/js/api.js")).await;
    assert_eq!(
        long.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(long.text, plain.text);
    assert_eq!(
        c.get("/assets/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn large_text_answers_are_compressed_when_the_browser_accepts_it_and_small_ones_are_not() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let get = |path: &str| {
        client
            .get(format!("{}{path}", app.base))
            .header("accept-encoding", "gzip")
            .send()
    };
    let large = get("/api/v1/openapi.json").await.unwrap();
    assert_eq!(large.headers()["content-encoding"], "gzip");
    // A few dozen bytes saved would cost an encoder per answer.
    let small = get("/api/v1/server").await.unwrap();
    assert_eq!(small.status(), reqwest::StatusCode::OK);
    assert!(small.headers().get("content-encoding").is_none());
    assert!(small.bytes().await.unwrap().len() < 1024);
}

#[tokio::test]
async fn the_theme_is_remembered_per_user() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    assert_eq!(
        alice.get("/api/v1/me").await.body["user"]["theme"],
        "system"
    );
    let r = alice
        .put("/api/v1/me/preferences", json!({"theme": "dark"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["user"]["theme"], "dark");
    assert_eq!(alice.get("/api/v1/me").await.body["user"]["theme"], "dark");
    let bad = alice
        .put("/api/v1/me/preferences", json!({"theme": "neon"}))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_chat_page_is_rendered_with_the_users_rooms_and_name() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice
        .post(
            "/api/v1/rooms",
            json!({"name": "design & <ux>", "kind": "public"}),
        )
        .await;
    let page = alice.get("/chat").await;
    assert!(
        page.text.contains(">alice<"),
        "the user's name is in the first paint"
    );
    assert!(
        page.text.contains("design &amp; &lt;ux&gt;"),
        "room names are escaped"
    );
    assert!(page.text.contains(r#"id="bootstrap""#));
    // Signed in, the welcome page sends you on to the chat.
    assert_eq!(alice.get("/").await.status, StatusCode::SEE_OTHER);
}
