//! Range requests on downloads: a part of a file (206), a range past its
//! end (416), `If-Range` and `If-None-Match` with the file's `ETag`, and
//! the same membership rule as a whole download.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::files_support::{message_with_files, upload};
use crate::helpers::{spawn_app, Answer, Client};

/// A 1000-byte file posted in a room only `owner` is in; its path.
async fn posted_file(owner: &Client) -> (String, Vec<u8>) {
    let bytes: Vec<u8> = (0..1000u32)
        .map(|i| b'a' + u8::try_from(i % 26).unwrap())
        .collect();
    let up = upload(owner, "song.bin", bytes.clone()).await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.text);
    let id = up.body["file"]["id"].as_str().unwrap().to_owned();
    let room = owner
        .post(
            "/api/v1/rooms",
            json!({"name": "band", "kind": "private", "members": []}),
        )
        .await;
    let room = room.body["room"]["id"].as_i64().unwrap();
    let sent = message_with_files(owner, room, "the demo", &[&id]).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    (format!("/api/v1/files/{id}"), bytes)
}

async fn get(c: &Client, path: &str, headers: &[(&str, &str)]) -> Answer {
    c.raw(Method::GET, path, Vec::new(), headers).await
}

fn header<'a>(r: &'a Answer, name: &str) -> &'a str {
    r.headers
        .get(name)
        .map_or("", |v| v.to_str().unwrap_or_default())
}

#[tokio::test]
async fn a_range_of_a_file_comes_as_206_with_its_place_in_the_file_and_the_safety_headers() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let (path, bytes) = posted_file(&alice).await;

    let whole = get(&alice, &path, &[]).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(header(&whole, "accept-ranges"), "bytes");
    let etag = header(&whole, "etag").to_owned();
    assert!(etag.starts_with('"') && etag.len() > 2, "{etag}");

    for (range, from, to) in [
        ("bytes=100-199", 100, 199),
        ("bytes=990-", 990, 999),
        ("bytes=-10", 990, 999),
    ] {
        let r = get(&alice, &path, &[("range", range)]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            header(&r, "content-range"),
            format!("bytes {from}-{to}/1000")
        );
        assert_eq!(header(&r, "content-length"), (to - from + 1).to_string());
        assert_eq!(r.text.as_bytes(), &bytes[from..=to], "{range}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff");
        assert_eq!(
            header(&r, "content-security-policy"),
            "sandbox; default-src 'none'"
        );
        assert!(header(&r, "content-disposition").starts_with("attachment"));
        assert_eq!(header(&r, "etag"), etag);
    }
}

#[tokio::test]
async fn a_range_past_the_end_is_416_with_the_files_length() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let (path, _) = posted_file(&alice).await;
    let r = get(&alice, &path, &[("range", "bytes=1000-")]).await;
    assert_eq!(r.status, StatusCode::RANGE_NOT_SATISFIABLE, "{}", r.text);
    assert_eq!(header(&r, "content-range"), "bytes */1000");
    assert_eq!(r.error_code(), "range_not_satisfiable");
    assert!(r.error_message().ends_with('.'), "{}", r.text);
    // Several ranges at once: the whole file, as if none was asked.
    let r = get(&alice, &path, &[("range", "bytes=0-1,5-6")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text.len(), 1000);
}

#[tokio::test]
async fn a_resumed_download_gets_its_range_only_while_the_etag_still_names_the_file() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let (path, bytes) = posted_file(&alice).await;
    let etag = header(&get(&alice, &path, &[]).await, "etag").to_owned();

    let resumed = get(
        &alice,
        &path,
        &[("range", "bytes=500-"), ("if-range", &etag)],
    )
    .await;
    assert_eq!(resumed.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(resumed.text.as_bytes(), &bytes[500..]);
    let stale = get(
        &alice,
        &path,
        &[("range", "bytes=500-"), ("if-range", "\"other\"")],
    )
    .await;
    assert_eq!(stale.status, StatusCode::OK);
    assert_eq!(stale.text.as_bytes(), &bytes[..]);
    let cached = get(&alice, &path, &[("if-none-match", &etag)]).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert!(cached.text.is_empty());
}

#[tokio::test]
async fn a_range_or_an_etag_tells_a_non_member_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let mallory = app.user("mallory").await;
    let (path, _) = posted_file(&alice).await;
    let etag = header(&get(&alice, &path, &[]).await, "etag").to_owned();
    for headers in [
        vec![("range", "bytes=0-9")],
        vec![("range", "bytes=5000-")],
        vec![("if-none-match", etag.as_str())],
    ] {
        let r = get(&mallory, &path, &headers).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{headers:?}");
        assert!(r.headers.get("content-range").is_none());
        let anonymous = get(&app.client(), &path, &headers).await;
        assert_eq!(anonymous.status, StatusCode::NOT_FOUND, "{headers:?}");
    }
}
