//! Threads and mentions: replies with their own seq, the parent's summary,
//! a thread read by members only, mentions of members only, the mentions
//! inbox, notification levels and do-not-disturb; and each new event kind
//! replayed on resume in seq order.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Client};
use crate::ws::connect;

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

async fn reply(c: &Client, room: i64, to: i64, body: &str, also: bool) -> Value {
    let r = c
        .post(
            &format!("/api/v1/rooms/{room}/messages/{to}/replies"),
            json!({"body": body, "client_id": format!("r-{}", body.replace(' ', "-")), "also_in_room": also}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["message"].clone()
}

fn seqs_of(messages: &Value) -> Vec<i64> {
    messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_reply_has_its_own_seq_and_the_parent_counts_replies_and_repliers() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let root = alice.say(1, "lunch?").await.body["message"]["seq"]
        .as_i64()
        .unwrap();
    let first = reply(&bob, 1, root, "yes", false).await;
    assert_eq!(first["thread_root"], root);
    assert!(first["seq"].as_i64().unwrap() > root);
    // A reply to a reply goes to the first message's thread.
    let second = reply(&alice, 1, first["seq"].as_i64().unwrap(), "noon", false).await;
    assert_eq!(second["thread_root"], root);

    let thread = alice
        .get(&format!("/api/v1/rooms/1/messages/{root}/thread"))
        .await;
    assert_eq!(thread.status, StatusCode::OK, "{}", thread.text);
    assert_eq!(thread.body["root"]["thread"]["reply_count"], 2);
    assert_eq!(
        thread.body["root"]["thread"]["people"],
        json!(["alice", "bob"])
    );
    assert_eq!(
        seqs_of(&thread.body["replies"]),
        [
            first["seq"].as_i64().unwrap(),
            second["seq"].as_i64().unwrap()
        ]
    );
    // Asking by a reply's seq gives the same thread.
    let by_reply = bob
        .get(&format!(
            "/api/v1/rooms/1/messages/{}/thread",
            second["seq"]
        ))
        .await;
    assert_eq!(by_reply.body["root"]["seq"], root);

    // The timeline shows the parent with its summary, not the replies.
    let timeline = alice.get("/api/v1/rooms/1/messages").await;
    let messages = timeline.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["thread"]["reply_count"], 2);
    assert!(messages[0]["thread"]["last_reply_at"].is_string());
}

#[tokio::test]
async fn a_reply_also_sent_to_the_room_shows_in_the_timeline() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice.say(1, "question").await;
    reply(&alice, 1, 1, "quiet answer", false).await;
    reply(&alice, 1, 1, "loud answer", true).await;
    let timeline = alice.get("/api/v1/rooms/1/messages").await;
    let bodies: Vec<&str> = timeline.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["question", "loud answer"]);
}

#[tokio::test]
async fn a_thread_pages_back_through_its_replies() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice.say(1, "root").await;
    for i in 0..5 {
        reply(&alice, 1, 1, &format!("r{i}"), false).await;
    }
    let newest = alice.get("/api/v1/rooms/1/messages/1/thread?limit=2").await;
    assert_eq!(newest.body["has_more"], true);
    let page = seqs_of(&newest.body["replies"]);
    assert_eq!(page.len(), 2);
    let older = alice
        .get(&format!(
            "/api/v1/rooms/1/messages/1/thread?limit=10&before={}",
            page[0]
        ))
        .await;
    assert_eq!(older.body["has_more"], false);
    assert_eq!(seqs_of(&older.body["replies"]).len(), 3);
}

#[tokio::test]
async fn a_non_member_gets_404_for_a_thread_and_cannot_reply() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let mallory = app.user("mallory").await;
    let room = create(&alice, "secret", "private", &[]).await;
    alice.say(room, "plan").await;
    let read = mallory
        .get(&format!("/api/v1/rooms/{room}/messages/1/thread"))
        .await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert!(!read.text.contains("plan"));
    let write = mallory
        .post(
            &format!("/api/v1/rooms/{room}/messages/1/replies"),
            json!({"body": "hi", "client_id": "m-1"}),
        )
        .await;
    assert_eq!(write.status, StatusCode::NOT_FOUND);
    // A missing message is 404 for members too, and nothing is stored.
    let missing = alice
        .post(
            &format!("/api/v1/rooms/{room}/messages/99/replies"),
            json!({"body": "hi", "client_id": "a-1"}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(alice.all_messages(room).await.len(), 1);
}

#[tokio::test]
async fn only_members_of_the_room_count_as_mentioned() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let _bob = app.user("bob").await;
    let _carol = app.user("carol").await;
    let room = create(&alice, "pair", "private", &["bob"]).await;
    let m = alice
        .say(
            room,
            "hey @Bob and @carol, mail me at a@alice.example, @nobody",
        )
        .await
        .body["message"]
        .clone();
    assert_eq!(m["mentions"], json!(["bob"]));
    assert!(m.get("mentions_room").is_none());
}

#[tokio::test]
async fn the_whole_room_is_mentioned_by_the_owner_or_by_members_when_allowed() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = create(&alice, "team", "private", &["bob"]).await;
    let by_member = bob.say(room, "@room look").await.body["message"].clone();
    assert!(by_member.get("mentions_room").is_none());
    let by_owner = alice.say(room, "@here look").await.body["message"].clone();
    assert_eq!(by_owner["mentions_room"], true);
    let refused = bob
        .put(
            &format!("/api/v1/rooms/{room}/room-mentions"),
            json!({"members": true}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let allowed = alice
        .put(
            &format!("/api/v1/rooms/{room}/room-mentions"),
            json!({"members": true}),
        )
        .await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    let now = bob.say(room, "@room again").await.body["message"].clone();
    assert_eq!(now["mentions_room"], true);
}

#[tokio::test]
async fn the_inbox_lists_mentions_newest_first_and_forgets_a_room_that_was_left() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let room = create(&alice, "project", "public", &["bob"]).await;
    alice.say(1, "hello @bob in general").await;
    alice.say(room, "@bob in the project").await;
    alice.say(room, "no mention").await;
    bob.say(room, "I mention @bob myself").await;

    let inbox = bob.get("/api/v1/mentions").await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.text);
    let bodies: Vec<&str> = inbox.body["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"]["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["@bob in the project", "hello @bob in general"]);

    // Unread mention counts per room, beside the unread counts.
    let rooms = bob.get("/api/v1/rooms").await;
    let project = rooms.body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == room)
        .unwrap()
        .clone();
    assert_eq!(project["mentions"], 1);
    assert_eq!(project["notification_level"], "mentions");

    let left = bob
        .post(&format!("/api/v1/rooms/{room}/leave"), json!({}))
        .await;
    assert!(left.status.is_success(), "bob leaves: {}", left.text);
    let after = bob.get("/api/v1/mentions").await;
    let bodies: Vec<&str> = after.body["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"]["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["hello @bob in general"]);
}

#[tokio::test]
async fn reading_a_room_clears_its_mention_count() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let seq = alice.say(1, "@bob ping").await.body["message"]["seq"].clone();
    let count = |rooms: &Value| rooms["rooms"][0]["mentions"].clone();
    assert_eq!(count(&bob.get("/api/v1/rooms").await.body), 1);
    bob.post("/api/v1/rooms/1/read", json!({"seq": seq})).await;
    assert_eq!(count(&bob.get("/api/v1/rooms").await.body), 0);
}

#[tokio::test]
async fn a_notification_level_is_kept_per_room_and_bad_levels_change_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let set = alice
        .put("/api/v1/rooms/1/notifications", json!({"level": "nothing"}))
        .await;
    assert_eq!(set.status, StatusCode::NO_CONTENT);
    let bad = alice
        .put("/api/v1/rooms/1/notifications", json!({"level": "loud"}))
        .await;
    assert!(bad.status.is_client_error());
    let rooms = alice.get("/api/v1/rooms").await;
    assert_eq!(rooms.body["rooms"][0]["notification_level"], "nothing");
    let mallory = app.user("mallory").await;
    let secret = create(&alice, "secret", "private", &[]).await;
    let other = mallory
        .put(
            &format!("/api/v1/rooms/{secret}/notifications"),
            json!({"level": "all"}),
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn do_not_disturb_keeps_a_future_end_time_and_refuses_a_past_one() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let off = alice.get("/api/v1/me/do-not-disturb").await;
    assert_eq!(off.body["until"], Value::Null);
    let past = alice
        .put(
            "/api/v1/me/do-not-disturb",
            json!({"until": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(past.status, StatusCode::BAD_REQUEST);
    let until = "2099-01-01T00:00:00Z";
    let far = alice
        .put("/api/v1/me/do-not-disturb", json!({"until": until}))
        .await;
    assert_eq!(far.status, StatusCode::BAD_REQUEST, "more than a year");
    let soon = time::OffsetDateTime::now_utc() + time::Duration::hours(2);
    let soon = soon
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let on = alice
        .put("/api/v1/me/do-not-disturb", json!({"until": soon}))
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
    assert!(alice.get("/api/v1/me/do-not-disturb").await.body["until"].is_string());
    alice
        .put("/api/v1/me/do-not-disturb", json!({"until": null}))
        .await;
    assert_eq!(
        alice.get("/api/v1/me/do-not-disturb").await.body["until"],
        Value::Null
    );
}

#[tokio::test]
async fn replies_and_thread_updates_replay_on_resume_in_seq_order() {
    let app = spawn_app().await;
    let (alice, token) = app.user_with_token("alice").await;
    let mut ws = connect(&app.base, &token).await;
    ws.subscribe(1, 0).await;
    alice.say(1, "root").await;
    // A reply over the socket's send command.
    ws.send(json!({"type": "send", "room_id": 1, "client_id": "ws-r1", "body": "by socket", "reply_to": 1}))
        .await;
    let (ack, _) = ws.until("ack").await;
    assert_eq!(ack["message"]["thread_root"], 1);
    reply(&alice, 1, 1, "by http", false).await;

    let mut late = connect(&app.base, &token).await;
    let replay = late.subscribe(1, 0).await;
    let kinds: Vec<(i64, &str)> = replay
        .iter()
        .map(|e| (e["seq"].as_i64().unwrap(), e["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            (1, "message.created"),
            (2, "message.created"),
            (3, "thread.updated"),
            (4, "message.created"),
            (5, "thread.updated"),
        ]
    );
    assert_eq!(replay[4]["root_seq"], 1);
    assert_eq!(replay[4]["thread"]["reply_count"], 2);
    assert_eq!(replay[3]["message"]["thread_root"], 1);
    // Resuming from the middle gives exactly what came after.
    let mut resumed = connect(&app.base, &token).await;
    let rest = resumed.subscribe(1, 3).await;
    let seqs: Vec<i64> = rest.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [4, 5]);
}
