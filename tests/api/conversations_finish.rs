//! Conversations, finished (issue 16): an edit re-reads its mentions, a
//! thread counts only the replies still there, role changes are room events,
//! a history page brings back the room changes among its messages, and group
//! conversations of 3 to 8 people.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Client};
use crate::room_care::{patch, put, room};
use crate::ws::connect;

async fn inbox_bodies(c: &Client) -> Vec<String> {
    c.get("/api/v1/mentions").await.body["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"]["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn mention_count(c: &Client, room: i64) -> i64 {
    c.get("/api/v1/rooms").await.body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == room)
        .map_or(-1, |r| r["mentions"].as_i64().unwrap())
}

async fn reply(c: &Client, room: i64, to: i64, body: &str) -> i64 {
    let r = c
        .post(
            &format!("/api/v1/rooms/{room}/messages/{to}/replies"),
            json!({"body": body, "client_id": format!("r-{body}")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["message"]["seq"].as_i64().unwrap()
}

async fn set_role(c: &Client, room: i64, who: &str, role: &str) -> StatusCode {
    c.send(
        Method::PUT,
        &format!("/api/v1/rooms/{room}/members/{who}/role"),
        Some(json!({ "role": role })),
        &[],
    )
    .await
    .status
}

async fn open_group(c: &Client, usernames: &[&str]) -> (StatusCode, Value) {
    let r = c
        .post("/api/v1/groups", json!({ "usernames": usernames }))
        .await;
    (r.status, r.body)
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_edit_that_adds_a_mention_reaches_the_inbox_and_one_that_takes_it_back_leaves_it() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    alice.say(1, "see you at noon").await;
    assert!(inbox_bodies(&bob).await.is_empty());

    let edited = alice.edit(1, 1, "see you at noon @bob").await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(inbox_bodies(&bob).await, ["see you at noon @bob"]);
    assert_eq!(mention_count(&bob, 1).await, 1);
    let page = bob.get("/api/v1/rooms/1/messages").await;
    assert_eq!(page.body["messages"][0]["mentions"], json!(["bob"]));

    alice.edit(1, 1, "see you at noon").await;
    assert!(inbox_bodies(&bob).await.is_empty());
    assert_eq!(mention_count(&bob, 1).await, 0);
    let page = bob.get("/api/v1/rooms/1/messages").await;
    assert!(page.body["messages"][0].get("mentions").is_none());
}

#[tokio::test]
async fn a_mention_kept_through_an_edit_keeps_its_place_in_the_inbox() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    alice.say(1, "@bob first").await;
    alice.say(1, "@bob second").await;
    alice.edit(1, 1, "@bob first, edited").await;
    assert_eq!(
        inbox_bodies(&bob).await,
        ["@bob second", "@bob first, edited"]
    );
}

#[tokio::test]
async fn a_deleted_reply_no_longer_counts_in_its_thread() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.user_with_token("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let root = alice.say(1, "lunch?").await.body["message"]["seq"]
        .as_i64()
        .unwrap();
    let yes = reply(&bob, 1, root, "yes").await;
    let no = reply(&carol, 1, root, "no").await;
    let mut ws = connect(&app.base, &alice_token).await;
    // Up to date: root, two replies and their two thread.updated.
    assert!(ws.subscribe(1, 5).await.is_empty());

    assert_eq!(
        carol
            .delete(&format!("/api/v1/rooms/1/messages/{no}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let thread = alice
        .get(&format!("/api/v1/rooms/1/messages/{root}/thread"))
        .await;
    let summary = &thread.body["root"]["thread"];
    assert_eq!(summary["reply_count"], 1);
    assert_eq!(summary["people"], json!(["bob"]));
    assert_eq!(summary["last_reply_seq"], yes);
    let (updated, _) = ws.until("thread.updated").await;
    assert_eq!(updated["thread"]["reply_count"], 1);

    bob.delete(&format!("/api/v1/rooms/1/messages/{yes}")).await;
    let timeline = alice.get("/api/v1/rooms/1/messages").await;
    assert!(
        timeline.body["messages"][0].get("thread").is_none(),
        "a thread with no replies left shows none: {}",
        timeline.body
    );
}

#[tokio::test]
async fn making_and_unmaking_a_co_owner_are_room_events_replayed_on_resume() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let id = room(&alice, "team", "public", &["bob"]).await;
    alice.say(id, "hello").await;
    assert_eq!(
        set_role(&alice, id, "bob", "owner").await,
        StatusCode::NO_CONTENT
    );
    // Asking again changes nothing and logs nothing.
    assert_eq!(
        set_role(&alice, id, "bob", "owner").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        set_role(&alice, id, "bob", "member").await,
        StatusCode::NO_CONTENT
    );

    let mut ws = connect(&app.base, &bob_token).await;
    let replay = ws.subscribe(id, 0).await;
    assert_eq!(
        types(&replay),
        [
            "message.created",
            "member.role_changed",
            "member.role_changed"
        ]
    );
    let seqs: Vec<i64> = replay.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(replay[1]["username"], "bob");
    assert_eq!(replay[1]["role"], "owner");
    assert_eq!(replay[1]["by_username"], "alice");
    assert_eq!(replay[2]["role"], "member");
}

#[tokio::test]
async fn a_history_page_brings_back_the_room_changes_among_its_messages_once() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let dave = app.user("dave").await;
    let id = room(&alice, "plans", "private", &["bob"]).await;
    alice.say(id, "one").await; // seq 1
    let settings = format!("/api/v1/rooms/{id}/settings");
    patch(&alice, &settings, json!({"topic": "offsite"})).await; // 2
    alice.say(id, "two").await; // 3
    set_role(&alice, id, "bob", "owner").await; // 4
    put(&alice, &format!("/api/v1/rooms/{id}/messages/3/pin")).await; // 5

    let all = bob.get(&format!("/api/v1/rooms/{id}/messages")).await;
    let changes = all.body["changes"].as_array().unwrap();
    assert_eq!(
        types(changes),
        ["room.updated", "member.role_changed", "message.pinned"]
    );
    assert_eq!(changes[0]["seq"], 2);
    assert_eq!(changes[0]["topic"], "offsite");
    assert!(changes[0]["created_at"].is_string());

    // Page by page, each change comes once, with the page it sits in.
    let newest = bob
        .get(&format!("/api/v1/rooms/{id}/messages?limit=1"))
        .await;
    assert_eq!(newest.body["messages"][0]["body"], "two");
    let seqs = |v: &Value| -> Vec<i64> {
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["seq"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(seqs(&newest.body), [4, 5]);
    let older = bob
        .get(&format!("/api/v1/rooms/{id}/messages?before=3&limit=1"))
        .await;
    assert_eq!(older.body["messages"][0]["body"], "one");
    assert_eq!(seqs(&older.body), [2]);
    let newer = bob
        .get(&format!("/api/v1/rooms/{id}/messages?after=1"))
        .await;
    assert_eq!(seqs(&newer.body), [2, 4, 5]);

    assert_eq!(
        dave.get(&format!("/api/v1/rooms/{id}/messages"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn three_people_open_a_group_conversation_and_the_same_set_finds_it_again() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;

    let (status, made) = open_group(&alice, &["@Bob", "carol", "bob", "alice"]).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["room"]["id"].as_i64().unwrap();
    assert_eq!(made["room"]["kind"], "private");
    assert_eq!(made["room"]["name"], "alice, bob, carol");

    let (status, again) = open_group(&carol, &["alice", "bob"]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["room"]["id"], id);

    let listed = bob.get("/api/v1/rooms").await.body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .expect("bob has the group in his list");
    assert_eq!(listed["group"], true);
    let general = &bob.get("/api/v1/rooms").await.body["rooms"];
    assert!(general
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"] != id)
        .all(|r| r.get("group").is_none()));

    assert_eq!(bob.say(id, "hi both").await.status, StatusCode::CREATED);
    assert_eq!(
        dave.get(&format!("/api/v1/rooms/{id}/messages"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Dave opening a group with the same two others gets his own.
    let (status, his) = open_group(&dave, &["bob", "carol"]).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(his["room"]["id"], id);
}

#[tokio::test]
async fn a_group_conversation_has_three_to_eight_people() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let mut names = Vec::new();
    for i in 0..8 {
        let name = format!("p{i}");
        app.user(&name).await;
        names.push(name);
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();

    let r = alice
        .post("/api/v1/groups", json!({"usernames": ["p0", "alice"]}))
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::BAD_REQUEST, "group_too_small")
    );
    assert!(r.error_message().contains("direct message"));
    let r = alice
        .post("/api/v1/groups", json!({ "usernames": names }))
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::BAD_REQUEST, "group_too_large")
    );
    let r = alice
        .post("/api/v1/groups", json!({"usernames": ["p0", "nobody"]}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let rooms_before = alice.get("/api/v1/rooms").await.body["rooms"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rooms_before, 1, "nothing was made");

    // Seven others is the most; adding an eighth is refused.
    let (status, made) = open_group(&alice, &names[..7]).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = made["room"]["id"].as_i64().unwrap();
    let r = alice
        .post(
            &format!("/api/v1/rooms/{id}/members"),
            json!({"username": "p7"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::BAD_REQUEST, "group_too_large")
    );
}

#[tokio::test]
async fn someone_added_to_a_group_makes_it_a_new_set_of_people() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for name in ["bob", "carol", "dave"] {
        app.user(name).await;
    }
    let (_, made) = open_group(&alice, &["bob", "carol"]).await;
    let id = made["room"]["id"].as_i64().unwrap();
    let r = alice
        .post(
            &format!("/api/v1/rooms/{id}/members"),
            json!({"username": "dave"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let (status, four) = open_group(&alice, &["bob", "carol", "dave"]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(four["room"]["id"], id);
    let (status, three) = open_group(&alice, &["bob", "carol"]).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(three["room"]["id"], id);
}

#[tokio::test]
async fn a_reply_that_disappears_leaves_its_thread_too() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.user_with_token("alice").await;
    let id = room(&alice, "brief", "private", &[]).await;
    alice.say(id, "root").await;
    let timer = alice
        .put(
            &format!("/api/v1/rooms/{id}/disappearing"),
            json!({"seconds": 1}),
        )
        .await;
    assert_eq!(timer.status, StatusCode::OK, "{}", timer.text);
    let mut ws = connect(&app.base, &alice_token).await;
    ws.subscribe(id, 2).await;
    reply(&alice, id, 1, "gone-soon").await;

    let (expired, _) = ws.until("messages.expired").await;
    let (updated, _) = ws.until("thread.updated").await;
    assert!(updated["seq"].as_i64() > expired["seq"].as_i64());
    assert_eq!(updated["thread"]["reply_count"], 0);
}
