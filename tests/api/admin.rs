//! Running a server: the first account is admin, admin routes refuse
//! everyone else, sign-up modes, invite links, deactivation and
//! `natter admin`.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Client, ServerProcess, TestApp};
use crate::ws::connect;

async fn role(c: &Client) -> String {
    c.get("/api/v1/me/role").await.body["role"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn user_id(admin: &Client, name: &str) -> i64 {
    let r = admin
        .get(&format!("/api/v1/admin/users?query={name}"))
        .await;
    r.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == name)
        .unwrap()["user_id"]
        .as_i64()
        .unwrap()
}

async fn invite(admin: &Client, body: Value) -> (i64, String) {
    let r = admin.post("/api/v1/admin/invites", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (
        r.body["invite"]["id"].as_i64().unwrap(),
        r.body["code"].as_str().unwrap().to_owned(),
    )
}

async fn sign_up(app: &TestApp, name: &str, invite: Option<&str>) -> crate::helpers::Answer {
    app.client()
        .post(
            "/api/v1/users",
            json!({ "username": name, "invite": invite }),
        )
        .await
}

async fn set_mode(admin: &Client, mode: &str) {
    let r = admin
        .put("/api/v1/admin/sign-up", json!({ "sign_up_mode": mode }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn the_first_account_is_the_admin_and_everyone_else_gets_403_on_admin_routes() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    assert_eq!(role(&alice).await, "admin");
    assert_eq!(role(&bob).await, "member");

    let bob_id = user_id(&alice, "bob").await;
    for r in [
        bob.get("/api/v1/admin/users").await,
        bob.get("/api/v1/admin/invites").await,
        bob.get("/api/v1/admin/sign-up").await,
        bob.put("/api/v1/admin/sign-up", json!({"sign_up_mode": "closed"}))
            .await,
        bob.post(
            "/api/v1/admin/invites",
            json!({"expires_in_secs": 60, "max_uses": 1}),
        )
        .await,
        bob.put(
            &format!("/api/v1/admin/users/{bob_id}/role"),
            json!({"role": "admin"}),
        )
        .await,
    ] {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert_eq!(r.error_code(), "forbidden");
    }
    assert_eq!(role(&bob).await, "member", "nothing changed");

    // Promote, then bob may; alice cannot demote herself.
    let r = alice
        .put(
            &format!("/api/v1/admin/users/{bob_id}/role"),
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(role(&bob).await, "admin");
    assert_eq!(bob.get("/api/v1/admin/users").await.status, StatusCode::OK);
    let alice_id = user_id(&bob, "alice").await;
    let r = alice
        .put(
            &format!("/api/v1/admin/users/{alice_id}/role"),
            json!({"role": "member"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let found = alice.get("/api/v1/admin/users?query=LI").await;
    let names: Vec<&str> = found.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice"]);
}

#[tokio::test]
async fn invite_only_refuses_sign_up_without_a_valid_invite_and_counts_each_use() {
    let app = spawn_app().await;
    let admin = app.user("admin").await;
    set_mode(&admin, "invite-only").await;

    let r = sign_up(&app, "walkin", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.error_message().contains("invite-only"), "{}", r.text);
    let r = sign_up(&app, "forger", Some("not-a-real-code")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "invite_invalid");

    let (_, code) = invite(&admin, json!({"expires_in_secs": 3600, "max_uses": 2})).await;
    assert_eq!(
        sign_up(&app, "first", Some(&code)).await.status,
        StatusCode::CREATED
    );
    // A taken name does not use up the invite.
    assert_eq!(
        sign_up(&app, "first", Some(&code)).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        sign_up(&app, "second", Some(&code)).await.status,
        StatusCode::CREATED
    );
    let r = sign_up(&app, "third", Some(&code)).await;
    assert_eq!(r.error_code(), "invite_invalid", "used up: {}", r.text);
    let listed = admin.get("/api/v1/admin/invites").await;
    assert_eq!(listed.body["invites"][0]["uses"], 2);

    let (id, revoked) = invite(&admin, json!({"expires_in_secs": 3600, "max_uses": 5})).await;
    let r = admin.delete(&format!("/api/v1/admin/invites/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        sign_up(&app, "late", Some(&revoked)).await.error_code(),
        "invite_invalid"
    );

    let (_, short) = invite(&admin, json!({"expires_in_secs": 1, "max_uses": 5})).await;
    let made = std::time::Instant::now();
    while made.elapsed() < Duration::from_millis(1100) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        sign_up(&app, "tardy", Some(&short)).await.error_code(),
        "invite_invalid",
        "expired"
    );

    set_mode(&admin, "closed").await;
    let (_, code) = invite(&admin, json!({"expires_in_secs": 3600, "max_uses": 5})).await;
    let r = sign_up(&app, "nobody", Some(&code)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.error_message().contains("closed"));
}

#[tokio::test]
async fn an_invite_to_a_private_room_adds_the_new_account_to_it() {
    let app = spawn_app().await;
    let admin = app.user("admin").await;
    let room = admin
        .post("/api/v1/rooms", json!({"name": "inner", "kind": "private"}))
        .await
        .body["room"]["id"]
        .as_i64()
        .unwrap();
    let (_, code) = invite(
        &admin,
        json!({"expires_in_secs": 3600, "max_uses": 1, "room_id": room}),
    )
    .await;
    let c = app.client();
    let r = c
        .post(
            "/api/v1/users",
            json!({"username": "guest", "invite": code}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let rooms = c.get("/api/v1/rooms").await;
    assert!(
        rooms.body["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == room),
        "{}",
        rooms.text
    );
    // An outsider cannot make an invite into a room they cannot see.
    let other = app.user("other").await;
    set_role(&admin, &other, "admin").await;
    let r = other
        .post(
            "/api/v1/admin/invites",
            json!({"expires_in_secs": 60, "max_uses": 1, "room_id": room}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn set_role(admin: &Client, who: &Client, role: &str) {
    let name = who.get("/api/v1/me").await.body["user"]["username"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = user_id(admin, &name).await;
    let r = admin
        .put(
            &format!("/api/v1/admin/users/{id}/role"),
            json!({ "role": role }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_deactivated_users_live_stream_is_cut_at_once_and_they_cannot_sign_in() {
    let app = spawn_app().await;
    let admin = app.user("admin").await;
    let (mallory, token) = app.user_with_token("mallory").await;
    mallory
        .put(
            "/api/v1/me/password",
            json!({ "new_password": "correct horse" }),
        )
        .await;
    // The password change kept this session: the socket uses it.
    let mut ws = connect(&app.base, &token).await;
    ws.subscribe(1, 0).await;
    let id = user_id(&admin, "mallory").await;

    let r = admin
        .put(
            &format!("/api/v1/admin/users/{id}/active"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        ws.end().await,
        Some(4001),
        "the socket is closed as signed out"
    );
    assert_eq!(
        mallory.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = app
        .client()
        .post(
            "/api/v1/session",
            json!({"username": "mallory", "password": "correct horse"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(again.error_message().contains("deactivated"));
    let listed = admin.get("/api/v1/admin/users?query=mallory").await;
    assert_eq!(listed.body["users"][0]["deactivated"], true);

    admin
        .put(
            &format!("/api/v1/admin/users/{id}/active"),
            json!({ "active": true }),
        )
        .await;
    let back = app
        .client()
        .post(
            "/api/v1/session",
            json!({"username": "mallory", "password": "correct horse"}),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
}

#[tokio::test]
async fn natter_admin_promotes_and_demotes_on_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let first = Client::new(&server.base);
    first
        .post("/api/v1/users", json!({"username": "first"}))
        .await;
    let bob = Client::new(&server.base);
    bob.post("/api/v1/users", json!({"username": "bob"})).await;
    assert_eq!(role(&bob).await, "member");

    let natter = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let out = natter(&["admin", "promote", "bob"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(role(&bob).await, "admin");
    let listed = String::from_utf8(natter(&["admin", "list-users"]).stdout).unwrap();
    assert!(listed.contains("bob\tadmin"), "{listed}");
    let out = natter(&["admin", "demote", "bob"]);
    assert!(out.status.success());
    assert_eq!(role(&bob).await, "member");
    let out = natter(&["admin", "promote", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user named nobody"));
}
