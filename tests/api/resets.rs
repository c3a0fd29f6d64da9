//! Password reset links: made by an admin (or `natter admin
//! reset-password`), used once, kept only as a hash, and using one ends
//! every other session of the account.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{session_token, spawn_app, Client, ServerProcess};
use crate::ws::connect;

async fn user_id(admin: &Client, name: &str) -> i64 {
    let r = admin
        .get(&format!("/api/v1/admin/users?query={name}"))
        .await;
    r.body["users"][0]["user_id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_signs_in_and_ends_every_other_session() {
    let app = spawn_app().await;
    let admin = app.user("admin").await;
    let bob = app.user_with_password("bob").await;
    let (_phone, signed) = app.second_device("bob").await;
    let mut ws = connect(&app.base, &session_token(&signed)).await;
    ws.subscribe(1, 0).await;
    let id = user_id(&admin, "bob").await;

    let refused = bob
        .post(&format!("/api/v1/admin/users/{id}/reset-link"), json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let nobody = admin
        .post("/api/v1/admin/users/999999/reset-link", json!({}))
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);

    let first = admin
        .post(&format!("/api/v1/admin/users/{id}/reset-link"), json!({}))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let replaced = first.body["code"].as_str().unwrap().to_owned();
    let made = admin
        .post(&format!("/api/v1/admin/users/{id}/reset-link"), json!({}))
        .await;
    let code = made.body["code"].as_str().unwrap().to_owned();
    assert!(made.body["expires_at"].is_string());

    let stranger = app.client();
    let old = stranger
        .post(
            "/api/v1/password-reset",
            json!({"code": replaced, "new_password": "battery staple"}),
        )
        .await;
    assert_eq!(
        old.status,
        StatusCode::BAD_REQUEST,
        "a newer link replaced it"
    );
    assert_eq!(old.error_code(), "reset_link_invalid");
    let short = stranger
        .post(
            "/api/v1/password-reset",
            json!({"code": code, "new_password": "x"}),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);

    let used = stranger
        .post(
            "/api/v1/password-reset",
            json!({"code": code, "new_password": "battery staple"}),
        )
        .await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.text);
    assert_eq!(used.body["user"]["username"], "bob");
    assert_eq!(stranger.get("/api/v1/me").await.status, StatusCode::OK);
    assert_eq!(
        ws.end().await,
        Some(4001),
        "the other device's socket closed"
    );
    assert_eq!(bob.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);

    let again = app
        .client()
        .post(
            "/api/v1/password-reset",
            json!({"code": code, "new_password": "another one"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "a link works once");
    let old_password = app
        .client()
        .post(
            "/api/v1/session",
            json!({"username": "bob", "password": "correct horse"}),
        )
        .await;
    assert_eq!(old_password.status, StatusCode::UNAUTHORIZED);
    let new_password = app
        .client()
        .post(
            "/api/v1/session",
            json!({"username": "bob", "password": "battery staple"}),
        )
        .await;
    assert_eq!(new_password.status, StatusCode::OK);
    let log = admin.get("/api/v1/admin/audit").await;
    assert_eq!(log.body["entries"][0]["action"], "password_reset.create");
    assert_eq!(log.body["entries"][0]["target"], "bob");
}

#[tokio::test]
async fn natter_admin_reset_password_prints_a_link_that_works_and_the_code_is_not_in_the_database()
{
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let first = Client::new(&server.base);
    first
        .post(
            "/api/v1/users",
            json!({"username": "carol", "password": "correct horse"}),
        )
        .await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["admin", "reset-password", "carol"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8(out.stdout).unwrap();
    let code = said
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("/?reset="))
        .unwrap_or_else(|| panic!("{said}"))
        .to_owned();

    let db = std::fs::read(dir.path().join("natter.db")).unwrap();
    let wal = std::fs::read(dir.path().join("natter.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(
            !bytes.windows(code.len()).any(|w| w == code.as_bytes()),
            "the code is stored as it is"
        );
    }

    let r = Client::new(&server.base)
        .post(
            "/api/v1/password-reset",
            json!({"code": code, "new_password": "battery staple"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let nobody = std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["admin", "reset-password", "nobody"])
        .output()
        .unwrap();
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no user named nobody"));
}

#[tokio::test]
async fn an_admin_names_the_server_and_the_pages_show_the_name_escaped() {
    let app = spawn_app().await;
    let admin = app.user("admin").await;
    let bob = app.user("bob").await;
    let welcome = app.client().get("/").await;
    assert!(
        welcome.text.contains("<title>Natter</title>"),
        "{}",
        welcome.text
    );

    let refused = bob
        .put("/api/v1/admin/server-name", json!({"name": "Bob's"}))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let too_long = admin
        .put("/api/v1/admin/server-name", json!({"name": "x".repeat(61)}))
        .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert_eq!(too_long.error_code(), "server_name_invalid");

    let named = admin
        .put(
            "/api/v1/admin/server-name",
            json!({"name": "  Acme <b>team</b>  "}),
        )
        .await;
    assert_eq!(named.status, StatusCode::OK, "{}", named.text);
    assert_eq!(named.body["name"], "Acme <b>team</b>");
    let info = app.client().get("/api/v1/server").await;
    assert_eq!(info.body["name"], "Acme <b>team</b>");
    let welcome = app.client().get("/").await;
    assert!(
        welcome
            .text
            .contains("<title>Acme &lt;b&gt;team&lt;&#x2f;b&gt;</title>")
            || welcome
                .text
                .contains("<title>Acme &lt;b&gt;team&lt;/b&gt;</title>"),
        "{}",
        welcome.text
    );
    assert!(!welcome.text.contains("<b>team</b>"));
    let chat = bob.get("/chat").await;
    assert!(
        chat.text.contains("<title>Acme &lt;b&gt;team"),
        "{}",
        chat.text
    );

    let reset = admin
        .put("/api/v1/admin/server-name", json!({"name": ""}))
        .await;
    assert_eq!(reset.body["name"], "Natter");
    let log = admin.get("/api/v1/admin/audit").await;
    assert_eq!(log.body["entries"][0]["action"], "server_name");
}

#[tokio::test]
async fn members_make_their_own_invite_links_only_when_an_admin_allows_it() {
    let app = spawn_app().await;
    let admin = app.user("admin").await;
    let bob = app.user("bob").await;
    let body = json!({"expires_in_secs": 3600, "max_uses": 2});
    let refused = bob.post("/api/v1/invites", body.clone()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert!(!refused.error_message().is_empty());

    let allow = admin
        .put("/api/v1/admin/member-invites", json!({"allowed": true}))
        .await;
    assert_eq!(allow.status, StatusCode::NO_CONTENT, "{}", allow.text);
    let nope = bob
        .put("/api/v1/admin/member-invites", json!({"allowed": true}))
        .await;
    assert_eq!(nope.status, StatusCode::FORBIDDEN);
    let put_mode = |mode: &'static str| {
        let admin = admin.clone();
        async move {
            admin
                .put("/api/v1/admin/sign-up", json!({"sign_up_mode": mode}))
                .await
        }
    };
    put_mode("invite-only").await;

    let made = bob.post("/api/v1/invites", body.clone()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let code = made.body["code"].as_str().unwrap().to_owned();
    let id = made.body["invite"]["id"].as_i64().unwrap();
    let mine = bob.get("/api/v1/invites").await;
    assert_eq!(mine.body["invites"].as_array().unwrap().len(), 1);
    assert!(admin.get("/api/v1/invites").await.body["invites"]
        .as_array()
        .unwrap()
        .is_empty());
    let joined = app
        .client()
        .post(
            "/api/v1/users",
            json!({"username": "carol", "invite": code}),
        )
        .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.text);

    // Someone else's link cannot be revoked by another member.
    let carol_cannot = app.client();
    carol_cannot
        .post("/api/v1/users", json!({"username": "dave", "invite": code}))
        .await;
    let stolen = carol_cannot.delete(&format!("/api/v1/invites/{id}")).await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    let revoked = bob.delete(&format!("/api/v1/invites/{id}")).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);

    // A closed server takes no invites from members.
    put_mode("closed").await;
    let closed = bob.post("/api/v1/invites", body).await;
    assert_eq!(closed.status, StatusCode::FORBIDDEN);
    let log = admin.get("/api/v1/admin/audit").await;
    let actions: Vec<&str> = log.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"member_invites"), "{actions:?}");
    assert!(actions.contains(&"invite.create"), "{actions:?}");
}
