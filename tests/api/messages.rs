//! Messages: idempotent sends, gap-free seqs, history pages.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_retry_with_the_same_client_id_gives_one_message() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let send = json!({"body": "only once", "client_id": "c0ffee-1"});
    let first = alice.post("/api/v1/rooms/1/messages", send.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let retry = alice.post("/api/v1/rooms/1/messages", send).await;
    assert_eq!(
        retry.status,
        StatusCode::OK,
        "a retry is answered with the original"
    );
    assert_eq!(retry.body["message"], first.body["message"]);

    let all = alice.all_messages(1).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["body"], "only once");
    assert_eq!(all[0]["client_id"], "c0ffee-1");

    // The same id from someone else is their own message.
    let bob = app.user("bob").await;
    let theirs = bob
        .post(
            "/api/v1/rooms/1/messages",
            json!({"body": "mine", "client_id": "c0ffee-1"}),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_stored_message_has_author_room_timestamp_and_seq() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let m = alice.say(1, "line one\nline two").await.body["message"].clone();
    assert_eq!(m["author"], "alice");
    assert_eq!(m["room_id"], 1);
    assert_eq!(m["seq"], 1);
    assert_eq!(m["body"], "line one\nline two");
    let at = m["created_at"].as_str().unwrap();
    assert!(
        at.len() >= 20 && at.ends_with('Z') && at.contains('T'),
        "RFC 3339 UTC: {at}"
    );
    assert_eq!(alice.say(1, "next").await.body["message"]["seq"], 2);
}

#[tokio::test]
async fn seq_has_no_gaps_under_20_concurrent_senders() {
    let app = spawn_app().await;
    let mut senders = Vec::new();
    for i in 0..20 {
        senders.push(app.user(&format!("sender{i}")).await);
    }
    let mut tasks = Vec::new();
    for (i, c) in senders.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for n in 0..25 {
                let r = c.say(1, &format!("{i}-{n}")).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
                acked.push(r.body["message"]["seq"].as_i64().unwrap());
            }
            acked
        }));
    }
    let mut acked: Vec<i64> = Vec::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    acked.sort_unstable();
    assert_eq!(
        acked,
        (1..=500).collect::<Vec<_>>(),
        "every seq handed out once, none skipped"
    );

    let reader = app.user("reader").await;
    let stored: Vec<i64> = reader
        .all_messages(1)
        .await
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(stored, (1..=500).collect::<Vec<_>>());
}

#[tokio::test]
async fn history_pages_newest_before_and_after_by_seq() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for i in 1..=120 {
        alice.say(1, &format!("m{i}")).await;
    }
    let seqs = |r: &crate::helpers::Answer| -> Vec<i64> {
        r.body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect()
    };
    let newest = alice.get("/api/v1/rooms/1/messages").await;
    assert_eq!(
        seqs(&newest),
        (71..=120).collect::<Vec<_>>(),
        "default page: newest 50, oldest first"
    );
    assert_eq!(newest.body["has_more"], true);
    let older = alice
        .get("/api/v1/rooms/1/messages?before=71&limit=50")
        .await;
    assert_eq!(seqs(&older), (21..=70).collect::<Vec<_>>());
    let oldest = alice
        .get("/api/v1/rooms/1/messages?before=21&limit=50")
        .await;
    assert_eq!(seqs(&oldest), (1..=20).collect::<Vec<_>>());
    assert_eq!(oldest.body["has_more"], false);
    let after = alice
        .get("/api/v1/rooms/1/messages?after=100&limit=10")
        .await;
    assert_eq!(seqs(&after), (101..=110).collect::<Vec<_>>());
    assert_eq!(after.body["has_more"], true);
    let capped = alice
        .get("/api/v1/rooms/1/messages?after=0&limit=100000")
        .await;
    assert_eq!(seqs(&capped).len(), 120);
    let all = alice
        .get("/api/v1/rooms/1/messages?after=0&limit=1000")
        .await;
    assert!(seqs(&all).len() <= 200);
}

#[tokio::test]
async fn the_limit_is_capped_at_200() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for i in 0..210 {
        alice.say(1, &format!("{i}")).await;
    }
    let page = alice.get("/api/v1/rooms/1/messages?limit=5000").await;
    assert_eq!(page.body["messages"].as_array().unwrap().len(), 200);
    assert_eq!(page.body["has_more"], true);
    let ids: HashSet<i64> = alice
        .all_messages(1)
        .await
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 210);
}

#[tokio::test]
async fn history_shows_a_message_as_it_is_after_an_edit_and_a_delete() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let sent = alice.say(1, "frist").await.body["message"].clone();
    alice.say(1, "second").await;
    assert_eq!(alice.edit(1, 1, "first").await.status, StatusCode::OK);
    let page = alice.get("/api/v1/rooms/1/messages").await.body;
    let edited = &page["messages"][0];
    assert_eq!(edited["body"], "first");
    assert!(edited["edited_at"].is_string(), "{edited}");
    // Everything else is the message as it was sent.
    for field in [
        "id",
        "seq",
        "author",
        "author_id",
        "client_id",
        "created_at",
    ] {
        assert_eq!(edited[field], sent[field], "{field}");
    }

    assert_eq!(
        alice.delete("/api/v1/rooms/1/messages/2").await.status,
        StatusCode::NO_CONTENT
    );
    let page = alice.get("/api/v1/rooms/1/messages").await.body;
    assert_eq!(page["messages"][1]["deleted"], true);
    assert_eq!(page["messages"][1]["body"], "");
    assert_eq!(page["messages"][0]["body"], "first");
    assert_eq!(page["has_more"], false);
}
