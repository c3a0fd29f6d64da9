//! Search: finds what a reader can read now, and nothing else; follows
//! edits and deletions; no query a person types breaks it.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::files_support::{message_with_files, upload};
use crate::helpers::{spawn_app, Answer, Client};

const GENERAL: i64 = 1;

async fn search(c: &Client, query: &str) -> Answer {
    let q: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let r = c.get(&format!("/api/v1/search?q={q}")).await;
    assert_eq!(r.status, StatusCode::OK, "{query:?}: {}", r.text);
    r
}

/// The bodies found, in the order given.
async fn found(c: &Client, query: &str) -> Vec<String> {
    bodies(&search(c, query).await)
}

fn bodies(r: &Answer) -> Vec<String> {
    r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["message"]["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn room(owner: &Client, name: &str, kind: &str, members: &[&str]) -> i64 {
    let r = owner
        .post(
            "/api/v1/rooms",
            json!({"name": name, "kind": kind, "members": members}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["room"]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_search_finds_matching_messages_newest_first_with_the_words_marked() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice.say(GENERAL, "We deploy on Friday").await;
    alice.say(GENERAL, "lunch at noon").await;
    alice
        .say(GENERAL, "The deployment went fine, café is open")
        .await;

    let r = search(&alice, "deploy*").await;
    assert_eq!(
        bodies(&r),
        [
            "The deployment went fine, café is open",
            "We deploy on Friday"
        ]
    );
    let marked: Vec<&str> = r.body["results"][1]["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["hit"] == json!(true))
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(marked, ["deploy"]);
    assert_eq!(r.body["results"][0]["message"]["room_id"], json!(GENERAL));
    // Diacritics are folded both ways.
    assert_eq!(found(&alice, "cafe").await.len(), 1);
    assert_eq!(found(&alice, "\"went fine\"").await.len(), 1);
    assert_eq!(
        found(&alice, "deploy* -friday").await,
        ["The deployment went fine, café is open"]
    );
}

#[tokio::test]
async fn results_come_a_page_at_a_time_in_either_order() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for i in 0..7 {
        alice.say(GENERAL, &format!("report number {i}")).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/search?q=report&limit=3".to_owned();
    loop {
        let r = alice.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        seen.extend(bodies(&r));
        match r.body["next"].as_str() {
            Some(next) => path = format!("/api/v1/search?q=report&limit=3&cursor={next}"),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).rev().map(|i| format!("report number {i}")).collect();
    assert_eq!(seen, expected);
    let best = alice
        .get("/api/v1/search?q=report&order=best&limit=10")
        .await;
    assert_eq!(bodies(&best).len(), 7);
    let bad = alice.get("/api/v1/search?q=report&cursor=zzz").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn private_rooms_dms_and_rooms_left_are_searched_only_by_their_members() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let private = room(&alice, "plans", "private", &["bob"]).await;
    alice.say(private, "the secret pineapple plan").await;
    let dm = alice.post("/api/v1/dms", json!({"username": "bob"})).await;
    let dm = dm.body["room"]["id"].as_i64().unwrap();
    alice.say(dm, "pineapple between us").await;
    let public = room(&alice, "open", "public", &[]).await;
    carol
        .post(&format!("/api/v1/rooms/{public}/join"), json!({}))
        .await;
    alice.say(public, "pineapple for everyone").await;

    assert_eq!(
        found(&bob, "pineapple").await.len(),
        2,
        "bob: the private room and the DM"
    );
    assert_eq!(found(&carol, "pineapple").await, ["pineapple for everyone"]);
    // A filter naming a room carol is not in finds nothing, and says nothing.
    assert!(found(&carol, "pineapple in:plans").await.is_empty());
    let r = carol
        .get(&format!("/api/v1/search?q=pineapple&room={private}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(bodies(&r).is_empty());

    // After leaving, carol finds nothing of the room any more.
    carol
        .post(&format!("/api/v1/rooms/{public}/leave"), json!({}))
        .await;
    assert!(found(&carol, "pineapple").await.is_empty());
    assert!(found(&carol, "").await.is_empty());
}

#[tokio::test]
async fn edits_and_deletions_are_reflected_at_once() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let sent = alice.say(GENERAL, "meeting on tuesday").await;
    let seq = sent.body["message"]["seq"].as_i64().unwrap();
    assert_eq!(found(&alice, "tuesday").await.len(), 1);

    alice.edit(GENERAL, seq, "meeting on wednesday").await;
    assert!(
        found(&alice, "tuesday").await.is_empty(),
        "the old words are gone"
    );
    assert_eq!(found(&alice, "wednesday").await, ["meeting on wednesday"]);

    let r = alice
        .delete(&format!("/api/v1/rooms/{GENERAL}/messages/{seq}"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(found(&alice, "wednesday").await.is_empty());
    assert!(found(&alice, "meeting").await.is_empty());
}

#[tokio::test]
async fn filters_narrow_by_room_author_date_and_files() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let design = room(&alice, "design", "public", &[]).await;
    bob.post(&format!("/api/v1/rooms/{design}/join"), json!({}))
        .await;
    alice.say(GENERAL, "budget draft").await;
    bob.say(design, "budget review").await;
    let id = upload(&alice, "budget.txt", b"numbers".to_vec()).await.body["file"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    message_with_files(&alice, design, "budget attached", &[&id]).await;

    assert_eq!(
        found(&alice, "budget in:#design from:bob").await,
        ["budget review"]
    );
    assert_eq!(found(&alice, "budget has:file").await, ["budget attached"]);
    assert_eq!(
        found(&alice, "from:@alice in:design").await,
        ["budget attached"]
    );
    let by_room = alice
        .get(&format!("/api/v1/search?q=budget&room={GENERAL}"))
        .await;
    assert_eq!(bodies(&by_room), ["budget draft"]);
    let by_author = alice
        .get("/api/v1/search?q=budget&author=bob&has_file=false")
        .await;
    assert_eq!(bodies(&by_author), ["budget review"]);
    assert!(found(&alice, "budget before:2000-01-01").await.is_empty());
    assert_eq!(found(&alice, "budget after:2000-01-01").await.len(), 3);
    let bad = alice.get("/api/v1/search?q=budget&before=someday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.error_code(), "date_invalid");
}

#[tokio::test]
async fn no_query_a_person_types_is_an_error() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice
        .say(GENERAL, "hello (world) \"quoted\" a*b NEAR/3 x:y")
        .await;
    let long = "(".repeat(5000);
    for q in [
        "\"",
        "\"unclosed",
        "*",
        "-",
        "--",
        "OR",
        "a OR",
        "OR b",
        "(((",
        ")",
        "NOT",
        "AND AND",
        "NEAR(a b)",
        "col:word",
        "^start",
        "{a b}",
        "a:*",
        "'",
        "\\",
        "\u{0}",
        "🙂",
        "in:",
        "from:",
        "before:",
        "has:",
        "-\"\"",
        "* * *",
        long.as_str(),
        "hello)",
        "\"quoted\"",
    ] {
        let r = search(&alice, q).await;
        assert!(r.body["results"].is_array(), "{q:?}: {}", r.text);
    }
    assert_eq!(found(&alice, "hello)").await.len(), 1);
}

#[tokio::test]
async fn the_api_document_lists_search_and_files() {
    let app = spawn_app().await;
    let doc: Value = app.client().get("/api/v1/openapi.json").await.body;
    for path in [
        "/api/v1/search",
        "/api/v1/uploads",
        "/api/v1/files/{id}",
        "/api/v1/files/{id}/preview",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
}
