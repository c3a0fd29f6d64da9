//! Reactions: one emoji per (user, message, emoji), idempotent, live and
//! replayed as room events, shown with history, members only.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app, Answer, Client};
use crate::ws::{connect, next_event};

fn react_path(room: i64, seq: i64, emoji: &str) -> String {
    let emoji: String = form_urlencoded::byte_serialize(emoji.as_bytes()).collect();
    format!("/api/v1/rooms/{room}/messages/{seq}/reactions/{emoji}")
}

async fn react(c: &Client, room: i64, seq: i64, emoji: &str) -> Answer {
    c.send(Method::PUT, &react_path(room, seq, emoji), None, &[])
        .await
}

async fn unreact(c: &Client, room: i64, seq: i64, emoji: &str) -> Answer {
    c.delete(&react_path(room, seq, emoji)).await
}

async fn private_room(owner: &Client, name: &str, members: &[&str]) -> i64 {
    let r = owner
        .post(
            "/api/v1/rooms",
            json!({"name": name, "kind": "private", "members": members}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["room"]["id"].as_i64().unwrap()
}

/// `emoji -> usernames` for the message at `seq`, as the history page shows it.
async fn shown_reactions(c: &Client, room: i64, seq: i64) -> Vec<(String, Vec<String>)> {
    let r = c.get(&format!("/api/v1/rooms/{room}/messages")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["reactions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["message_seq"] == seq)
        .map(|g| {
            assert_eq!(g["count"], g["users"].as_array().unwrap().len());
            let users = g["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_owned())
                .collect();
            (g["emoji"].as_str().unwrap().to_owned(), users)
        })
        .collect()
}

fn pairs(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    list.iter()
        .map(|(e, users)| {
            (
                (*e).to_owned(),
                users.iter().map(|u| (*u).to_owned()).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn members_react_and_the_history_shows_each_emoji_with_who_reacted() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    alice.say(1, "lunch?").await;

    assert_eq!(
        react(&alice, 1, 1, "👍").await.body,
        json!({"changed": true})
    );
    assert_eq!(react(&bob, 1, 1, "👍").await.body, json!({"changed": true}));
    assert_eq!(react(&bob, 1, 1, "🎉").await.body, json!({"changed": true}));

    assert_eq!(
        shown_reactions(&alice, 1, 1).await,
        pairs(&[("👍", &["alice", "bob"]), ("🎉", &["bob"])])
    );
    let one = bob.get("/api/v1/rooms/1/messages/1/reactions").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["reactions"][0]["count"], 2);

    assert_eq!(
        unreact(&alice, 1, 1, "👍").await.body,
        json!({"changed": true})
    );
    assert_eq!(
        shown_reactions(&bob, 1, 1).await,
        pairs(&[("👍", &["bob"]), ("🎉", &["bob"])])
    );
}

#[tokio::test]
async fn repeating_an_add_or_a_remove_changes_nothing_and_logs_no_second_event() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice.say(1, "hello").await;

    assert_eq!(react(&alice, 1, 1, "👍").await.body["changed"], true);
    assert_eq!(react(&alice, 1, 1, "👍").await.body["changed"], false);
    assert_eq!(unreact(&alice, 1, 1, "👍").await.body["changed"], true);
    assert_eq!(unreact(&alice, 1, 1, "👍").await.body["changed"], false);

    let r = alice.get("/api/v1/rooms/1/events?after=1").await;
    let kinds: Vec<&str> = r.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["reaction.added", "reaction.removed"]);
    assert_eq!(r.body["last_seq"], 3);
    assert!(shown_reactions(&alice, 1, 1).await.is_empty());
}

#[tokio::test]
async fn a_reaction_must_be_exactly_one_emoji() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice.say(1, "hello").await;
    for bad in ["ok", "👍👍", "<b>x</b>", ":no_such_code:", &"🎉".repeat(30)] {
        let r = react(&alice, 1, 1, bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text);
        assert_eq!(r.error_code(), "emoji_invalid");
        assert!(r.error_message().contains("one emoji"));
    }
    assert!(shown_reactions(&alice, 1, 1).await.is_empty());
}

#[tokio::test]
async fn a_shortcode_reacts_with_its_emoji_and_skin_tones_are_their_own_reaction() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice.say(1, "hello").await;
    assert_eq!(react(&alice, 1, 1, ":tada:").await.status, StatusCode::OK);
    assert_eq!(react(&alice, 1, 1, "🎉").await.body["changed"], false);
    assert_eq!(react(&alice, 1, 1, "👍🏽").await.body["changed"], true);
    assert_eq!(
        shown_reactions(&alice, 1, 1).await,
        pairs(&[("🎉", &["alice"]), ("👍🏽", &["alice"])])
    );
}

#[tokio::test]
async fn a_non_member_gets_404_for_the_reactions_of_a_private_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let eve = app.user("eve").await;
    let room = private_room(&alice, "secret", &[]).await;
    alice.say(room, "the plan").await;
    react(&alice, room, 1, "👍").await;

    assert_eq!(
        react(&eve, room, 1, "👍").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        unreact(&eve, room, 1, "👍").await.status,
        StatusCode::NOT_FOUND
    );
    let r = eve
        .get(&format!("/api/v1/rooms/{room}/messages/1/reactions"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.text.contains("👍"));
    assert_eq!(shown_reactions(&alice, room, 1).await.len(), 1);
}

#[tokio::test]
async fn a_deleted_or_missing_message_takes_no_reactions_and_loses_its_own() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice.say(1, "oops").await;
    react(&alice, 1, 1, "👍").await;
    assert_eq!(
        react(&alice, 1, 99, "👍").await.status,
        StatusCode::NOT_FOUND
    );
    alice.delete("/api/v1/rooms/1/messages/1").await;
    assert_eq!(
        react(&alice, 1, 1, "🎉").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(shown_reactions(&alice, 1, 1).await.is_empty());
}

#[tokio::test]
async fn a_message_carries_at_most_twenty_different_emoji() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    alice.say(1, "vote").await;
    let set: Vec<&str> = vec![
        "😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃", "😉", "😊", "😇", "🥰", "😍",
        "🤩", "😘", "😗", "😚", "😙",
    ];
    for e in &set {
        assert_eq!(react(&alice, 1, 1, e).await.status, StatusCode::OK);
    }
    let r = react(&alice, 1, 1, "🎉").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "too_many_emoji");
    // One already there can still gain people.
    assert_eq!(react(&bob, 1, 1, "😀").await.body["changed"], true);
}

#[tokio::test]
async fn reaction_events_reach_others_live_and_replay_on_resume_in_seq_order() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (bob, bob_token) = app.user_with_token("bob").await;
    alice.say(1, "one").await;
    let mut live = connect(&app.base, &bob_token).await;
    live.subscribe(1, 1).await;

    react(&alice, 1, 1, "👍").await;
    let seen = next_event(&mut live).await;
    assert_eq!(seen["type"], "reaction.added");
    assert_eq!(
        (
            seen["seq"].clone(),
            seen["message_seq"].clone(),
            seen["emoji"].clone(),
            seen["username"].clone()
        ),
        (json!(2), json!(1), json!("👍"), json!("alice"))
    );
    live.close().await;

    // While Bob is away: more reactions, one taken back, and a message.
    react(&bob, 1, 1, "🎉").await;
    unreact(&alice, 1, 1, "👍").await;
    alice.say(1, "two").await;
    assert_eq!(react(&bob, 1, 5, "👀").await.status, StatusCode::OK);

    let mut back = connect(&app.base, &bob_token).await;
    let replay = back.subscribe(1, 2).await;
    let got: Vec<(i64, &str)> = replay
        .iter()
        .map(|e| (e["seq"].as_i64().unwrap(), e["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (3, "reaction.added"),
            (4, "reaction.removed"),
            (5, "message.created"),
            (6, "reaction.added"),
        ]
    );
    assert_eq!(replay[1]["emoji"], "👍");
    assert_eq!(replay[3]["message_seq"], 5);
}

#[tokio::test]
async fn the_emoji_set_is_served_with_names_and_shortcodes() {
    let app = spawn_app().await;
    let r = app.client().get("/api/v1/emoji").await;
    assert_eq!(r.status, StatusCode::OK);
    let all = r.body["emoji"].as_array().unwrap();
    assert!(all.len() > 1800);
    let tada = all.iter().find(|e| e["emoji"] == "🎉").unwrap();
    assert_eq!(tada["name"], "party popper");
    assert!(tada["shortcodes"]
        .as_array()
        .unwrap()
        .contains(&json!("tada")));
}
