//! Rooms: public, private and direct; membership decides who sees what.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Client};

async fn create(c: &Client, name: &str, kind: &str, members: &[&str]) -> i64 {
    let r = c
        .post(
            "/api/v1/rooms",
            json!({"name": name, "kind": kind, "members": members}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["room"]["id"].as_i64().unwrap()
}

fn names(rooms: &Value) -> Vec<String> {
    rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["name"]
                .as_str()
                .or(r["peer"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn public_rooms_can_be_created_browsed_joined_and_left() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = create(&alice, "Design", "public", &[]).await;

    let dir = bob.get("/api/v1/public-rooms").await.body;
    let design = dir["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Design")
        .unwrap()
        .clone();
    assert_eq!(
        (design["joined"].clone(), design["member_count"].clone()),
        (json!(false), json!(1))
    );
    // Not joined yet: the room is known but its messages are for members.
    assert_eq!(
        bob.get(&format!("/api/v1/rooms/{room}/messages"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    assert_eq!(
        bob.post(&format!("/api/v1/rooms/{room}/join"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        names(&bob.get("/api/v1/rooms").await.body),
        ["Design", "general"]
    );
    assert_eq!(
        bob.say(room, "hello design").await.status,
        StatusCode::CREATED
    );

    assert_eq!(
        bob.post(&format!("/api/v1/rooms/{room}/leave"), json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(names(&bob.get("/api/v1/rooms").await.body), ["general"]);
    // Right after leaving, sending is refused again (nothing remembers the
    // membership he had a moment ago).
    assert_eq!(
        bob.say(room, "still here?").await.status,
        StatusCode::FORBIDDEN
    );

    // Public names are unique, ignoring case.
    let dup = bob
        .post("/api/v1/rooms", json!({"name": "design", "kind": "public"}))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn unread_counts_follow_the_read_marker() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    for i in 0..3 {
        alice.say(1, &format!("m{i}")).await;
    }
    let general = |rooms: Value| rooms["rooms"][0].clone();
    assert_eq!(general(bob.get("/api/v1/rooms").await.body)["unread"], 3);
    bob.post("/api/v1/rooms/1/read", json!({"seq": 2})).await;
    let g = general(bob.get("/api/v1/rooms").await.body);
    assert_eq!(
        (g["unread"].clone(), g["last_read_seq"].clone()),
        (json!(1), json!(2))
    );
    // The marker never moves back, and never past the end.
    bob.post("/api/v1/rooms/1/read", json!({"seq": 1})).await;
    bob.post("/api/v1/rooms/1/read", json!({"seq": 99})).await;
    assert_eq!(
        general(bob.get("/api/v1/rooms").await.body)["last_read_seq"],
        3
    );
}

#[tokio::test]
async fn direct_rooms_are_reused_not_duplicated() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = alice.post("/api/v1/dms", json!({"username": "bob"})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let b = bob.post("/api/v1/dms", json!({"username": "ALICE"})).await;
    assert_eq!(a.body["room"]["id"], b.body["room"]["id"]);
    assert_eq!(a.body["room"]["kind"], "direct");

    let rooms = alice.get("/api/v1/rooms").await.body;
    let dm = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "direct")
        .unwrap()
        .clone();
    assert_eq!(dm["peer"], "bob");
    assert_eq!(
        alice
            .post("/api/v1/dms", json!({"username": "nobody"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// Every room route, as a non-member probing `room`: all must say 404 and
/// reveal nothing, exactly like a room that does not exist.
async fn probe_every_route(
    outsider: &Client,
    room: i64,
    member_name: &str,
) -> Vec<(String, StatusCode, Value)> {
    let base = format!("/api/v1/rooms/{room}");
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, base.clone(), None),
        (Method::GET, format!("{base}/messages"), None),
        (Method::GET, format!("{base}/messages?before=5"), None),
        (Method::GET, format!("{base}/messages?after=0"), None),
        (
            Method::POST,
            format!("{base}/messages"),
            Some(json!({"body": "let me in", "client_id": "probe-1"})),
        ),
        (Method::POST, format!("{base}/join"), Some(json!({}))),
        (Method::POST, format!("{base}/leave"), Some(json!({}))),
        (Method::GET, format!("{base}/members"), None),
        (
            Method::POST,
            format!("{base}/members"),
            Some(json!({"username": "mallory"})),
        ),
        (
            Method::DELETE,
            format!("{base}/members/{member_name}"),
            None,
        ),
        (
            Method::POST,
            format!("{base}/read"),
            Some(json!({"seq": 1})),
        ),
    ];
    let mut out = Vec::new();
    for (method, path, body) in calls {
        let r = outsider.send(method.clone(), &path, body, &[]).await;
        out.push((format!("{method} {path}"), r.status, r.body));
    }
    out
}

#[tokio::test]
async fn a_non_member_gets_404_for_a_private_room_and_a_dm_on_every_route() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    app.user("bob").await;
    let mallory = app.user("mallory").await;
    let private = create(&alice, "secret plans", "private", &["bob"]).await;
    let dm = alice
        .post("/api/v1/dms", json!({"username": "bob"}))
        .await
        .body["room"]["id"]
        .as_i64()
        .unwrap();
    alice.say(private, "the plan").await;
    alice.say(dm, "psst").await;

    let missing = probe_every_route(&mallory, 999_999, "alice").await;
    for room in [private, dm] {
        let probed = probe_every_route(&mallory, room, "alice").await;
        for ((call, status, body), (_, _, missing_body)) in probed.iter().zip(&missing) {
            assert_eq!(
                *status,
                StatusCode::NOT_FOUND,
                "{call} gave {status}: {body}"
            );
            assert_eq!(body, missing_body, "{call} must look like a missing room");
        }
    }
    // Nor does it show in the outsider's lists.
    assert_eq!(names(&mallory.get("/api/v1/rooms").await.body), ["general"]);
    let dir = mallory.get("/api/v1/public-rooms").await.body;
    assert!(dir["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["kind"] == "public"));
    // Nothing the probes tried happened.
    let history = alice.all_messages(private).await;
    assert_eq!(history.len(), 1);
    let members = alice
        .get(&format!("/api/v1/rooms/{private}/members"))
        .await
        .body;
    assert_eq!(members["members"].as_array().unwrap().len(), 2);
    // While the members themselves are served.
    assert_eq!(
        alice
            .get(&format!("/api/v1/rooms/{dm}/messages"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn members_of_a_private_room_can_add_people_and_the_owner_can_remove_them() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let room = create(&alice, "ops", "private", &["bob"]).await;

    assert_eq!(
        carol.get(&format!("/api/v1/rooms/{room}")).await.status,
        StatusCode::NOT_FOUND
    );
    let added = bob
        .post(
            &format!("/api/v1/rooms/{room}/members"),
            json!({"username": "carol"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    assert_eq!(
        carol.get(&format!("/api/v1/rooms/{room}")).await.status,
        StatusCode::OK
    );
    assert_eq!(carol.say(room, "hi ops").await.status, StatusCode::CREATED);

    // A plain member cannot remove others; the owner can.
    let r = bob
        .delete(&format!("/api/v1/rooms/{room}/members/carol"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = alice
        .delete(&format!("/api/v1/rooms/{room}/members/carol"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        carol
            .get(&format!("/api/v1/rooms/{room}/messages"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        carol.say(room, "am I out?").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn private_rooms_may_share_names_so_a_name_never_reveals_one() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = create(&alice, "secret", "private", &[]).await;
    let b = create(&bob, "secret", "private", &[]).await;
    assert_ne!(a, b);
}
