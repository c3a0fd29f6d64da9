//! Attachments: uploads within limits, who may download, how files are
//! served, hostile names and images, and files leaving with their message.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::files_support::{
    declared_too_large, message_with_files, png, png_bomb, stored_files, streamed_too_large, upload,
};
use crate::helpers::{spawn_app, spawn_app_with, Client};

const GENERAL: i64 = 1;

fn file_id(r: &crate::helpers::Answer) -> String {
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["file"]["id"].as_str().unwrap().to_owned()
}

async fn private_room(owner: &Client, members: &[&str]) -> i64 {
    let r = owner
        .post(
            "/api/v1/rooms",
            json!({"name": "secret", "kind": "private", "members": members}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["room"]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn an_image_is_sent_with_its_size_and_preview_and_a_member_downloads_it() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let picture = png(800, 600);
    let id = file_id(&upload(&alice, "holiday.png", picture.clone()).await);

    let sent = message_with_files(&alice, GENERAL, "look", &[&id]).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);

    let history = bob.all_messages(GENERAL).await;
    let file = &history.last().unwrap()["files"][0];
    assert_eq!(file["id"], json!(id));
    assert_eq!(file["name"], "holiday.png");
    assert_eq!(file["mime"], "image/png");
    assert_eq!(
        (file["width"].as_u64(), file["height"].as_u64()),
        (Some(800), Some(600))
    );
    let preview = &file["preview"];
    assert_eq!(
        (preview["width"].as_u64(), preview["height"].as_u64()),
        (Some(480), Some(360))
    );

    let (status, headers, body) = bob.bytes(&format!("/api/v1/files/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, picture, "the member gets the very bytes sent");
    assert_eq!(headers["content-type"], "image/png");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline"));

    let (status, headers, body) = bob.bytes(&format!("/api/v1/files/{id}/preview")).await;
    assert_eq!(status, StatusCode::OK);
    let thumb = image::load_from_memory(&body).expect("the preview is an image");
    assert_eq!((thumb.width(), thumb.height()), (480, 360));
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn svg_html_and_a_fake_image_are_never_served_inline_and_every_download_has_the_safety_headers(
) {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>";
    let cases: Vec<(&str, Vec<u8>, &str, bool)> = vec![
        ("drawing.svg", svg.to_vec(), "image/svg+xml", false),
        ("page.html", html.to_vec(), "text/html", false),
        // HTML bytes that claim to be a PNG, by name and by Content-Type.
        ("cat.png", html.to_vec(), "image/png", false),
        ("notes.txt", b"just some text".to_vec(), "text/plain", false),
        ("real.png", png(4, 4), "application/octet-stream", true),
    ];
    let mut ids = Vec::new();
    for (name, bytes, claimed, _) in &cases {
        let r = alice
            .raw(
                Method::POST,
                &format!("/api/v1/uploads?name={name}"),
                bytes.clone(),
                &[("content-type", claimed)],
            )
            .await;
        ids.push(file_id(&r));
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let sent = message_with_files(&alice, GENERAL, "", &refs).await;
    assert_eq!(
        sent.status,
        StatusCode::CREATED,
        "a message of files alone: {}",
        sent.text
    );

    for ((name, _, _, inline), id) in cases.iter().zip(&ids) {
        let (status, h, _) = alice.bytes(&format!("/api/v1/files/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{name}");
        assert_eq!(
            h["content-security-policy"], "sandbox; default-src 'none'",
            "{name}"
        );
        let disposition = h["content-disposition"].to_str().unwrap();
        if *inline {
            assert!(disposition.starts_with("inline"), "{name}: {disposition}");
            assert_eq!(h["content-type"], "image/png");
        } else {
            assert!(
                disposition.starts_with("attachment"),
                "{name}: {disposition}"
            );
            assert_eq!(h["content-type"], "application/octet-stream", "{name}");
        }
    }
}

#[tokio::test]
async fn a_hostile_file_name_is_shown_and_offered_safely() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let long = format!("{}.txt", "x".repeat(10_000));
    for raw in [
        "../../etc/passwd",
        "a\0b.txt",
        "evil\r\nSet-Cookie: stolen=1.txt",
        long.as_str(),
        "invoice\u{202E}fdp.exe",
        "",
    ] {
        let r = upload(&alice, raw, b"hello".to_vec()).await;
        let name = r.body["file"]["name"].as_str().unwrap().to_owned();
        assert!(
            !name.is_empty() && name.chars().count() <= 120,
            "{raw:?} -> {name:?}"
        );
        assert!(
            !name.contains(['/', '\\', '\0', '\r', '\n', '\u{202E}']),
            "{name:?}"
        );
        assert!(!name.starts_with('.'), "{name:?}");
        let id = file_id(&r);
        let (status, h, _) = alice.bytes(&format!("/api/v1/files/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(h.get("set-cookie").is_none(), "no header was injected");
        let disposition = h["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename="),
            "{disposition}"
        );
        assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
    }
}

#[tokio::test]
async fn a_file_is_404_to_a_non_member_to_no_session_and_to_a_malformed_id() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let carol = app.user("carol").await;
    let bob = app.user("bob").await;
    let room = private_room(&alice, &["carol"]).await;
    let id = file_id(&upload(&alice, "plan.txt", b"the plan".to_vec()).await);

    // Before it is sent only its uploader sees it.
    assert_eq!(
        carol.bytes(&format!("/api/v1/files/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    // Nobody else can attach it to a message of theirs.
    let stolen = message_with_files(&bob, GENERAL, "mine now", &[&id]).await;
    assert_eq!(stolen.status, StatusCode::BAD_REQUEST, "{}", stolen.text);
    assert_eq!(stolen.error_code(), "upload_unknown");

    let sent = message_with_files(&alice, room, "", &[&id]).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    assert_eq!(
        carol.bytes(&format!("/api/v1/files/{id}")).await.0,
        StatusCode::OK
    );
    let outsider = bob.get(&format!("/api/v1/files/{id}")).await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);
    assert!(!outsider.text.contains("plan"));
    assert_eq!(
        bob.bytes(&format!("/api/v1/files/{id}/preview")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.client()
            .get(&format!("/api/v1/files/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for bad in ["../../natter.db", "0123", &id.to_uppercase()] {
        assert_eq!(
            alice.get(&format!("/api/v1/files/{bad}")).await.status,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
    // A file sent once cannot be sent again with another message.
    let again = message_with_files(&alice, room, "again", &[&id]).await;
    assert_eq!(again.error_code(), "upload_unknown");
    // Once carol leaves, the file is gone for her too.
    let left = carol
        .post(&format!("/api/v1/rooms/{room}/leave"), json!({}))
        .await;
    assert!(left.status.is_success(), "{}", left.text);
    assert_eq!(
        carol.bytes(&format!("/api/v1/files/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_413_when_declared_and_when_streamed() {
    let app = spawn_app_with(|c| c.max_upload_bytes = 64 * 1024).await;
    let (_, token) = app.user_with_token("alice").await;
    let declared = declared_too_large(&app.base, &token, 64 * 1024 + 1).await;
    assert!(declared.starts_with("HTTP/1.1 413"), "{declared}");
    assert!(declared.contains("file_too_large"), "{declared}");
    // No Content-Length: the body streams past the limit and is cut off
    // there, answered while the client is still sending.
    let streamed = streamed_too_large(&app.base, &token, 64 * 1024).await;
    assert!(streamed.starts_with("HTTP/1.1 413"), "{streamed}");
    assert!(
        stored_files(&app.data_dir()).is_empty(),
        "nothing of a refused upload is kept"
    );
}

#[tokio::test]
async fn uploads_past_the_quota_are_refused_with_413() {
    let app = spawn_app_with(|c| {
        c.max_upload_bytes = 3000;
        c.upload_quota_bytes = 5000;
    })
    .await;
    let alice = app.user("alice").await;
    file_id(&upload(&alice, "a.bin", vec![1; 3000]).await);
    let over = upload(&alice, "b.bin", vec![2; 2500]).await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.text);
    assert_eq!(over.error_code(), "quota_exceeded");
    file_id(&upload(&alice, "c.bin", vec![3; 2000]).await);
    // The quota is the user's: bob still has all of his.
    let bob = app.user("bob").await;
    file_id(&upload(&bob, "d.bin", vec![4; 3000]).await);
}

#[tokio::test]
async fn an_image_bomb_is_kept_without_a_preview_and_memory_stays_bounded() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let r = upload(&alice, "bomb.png", png_bomb(50_000, 50_000)).await;
    let id = file_id(&r);
    assert_eq!(r.body["file"]["mime"], "image/png");
    assert!(r.body["file"].get("preview").is_none(), "{}", r.text);
    assert!(r.body["file"].get("width").is_none(), "{}", r.text);
    assert_eq!(
        alice.bytes(&format!("/api/v1/files/{id}/preview")).await.0,
        StatusCode::NOT_FOUND
    );
    // Decoded, 50,000² pixels would take 2.5 GB at least.
    let peak_kib = peak_rss_kib();
    assert!(peak_kib < 1 << 20, "peak memory {peak_kib} KiB");
    assert_eq!(
        alice.say(GENERAL, "still here").await.status,
        StatusCode::CREATED
    );
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_deleted_message_takes_its_files_with_it() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let image = file_id(&upload(&alice, "a.png", png(64, 64)).await);
    let text = file_id(&upload(&alice, "b.txt", b"bytes".to_vec()).await);
    let sent = message_with_files(&alice, GENERAL, "two files", &[&image, &text]).await;
    let seq = sent.body["message"]["seq"].as_i64().unwrap();
    assert_eq!(
        stored_files(&app.data_dir()).len(),
        3,
        "two files and a preview"
    );

    let r = alice
        .delete(&format!("/api/v1/rooms/{GENERAL}/messages/{seq}"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    for id in [&image, &text] {
        assert_eq!(
            bob.bytes(&format!("/api/v1/files/{id}")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            alice.bytes(&format!("/api/v1/files/{id}")).await.0,
            StatusCode::NOT_FOUND
        );
    }
    assert!(
        stored_files(&app.data_dir()).is_empty(),
        "the bytes are gone from the disk"
    );
    let history = bob.all_messages(GENERAL).await;
    let gone: &Value = history.iter().find(|m| m["seq"] == json!(seq)).unwrap();
    assert!(gone.get("files").is_none(), "{gone}");
}

#[tokio::test]
async fn a_retried_send_with_files_returns_the_original_message() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let id = file_id(&upload(&alice, "a.txt", b"once".to_vec()).await);
    let body = json!({"body": "x", "client_id": "retry-with-file-1", "files": [id]});
    let first = alice.post("/api/v1/rooms/1/messages", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = alice.post("/api/v1/rooms/1/messages", body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(
        again.body["message"]["files"],
        first.body["message"]["files"]
    );
}

#[tokio::test]
async fn an_upload_never_sent_is_swept_away() {
    let app = spawn_app_with(|c| c.orphan_upload_age = std::time::Duration::from_secs(1)).await;
    let alice = app.user("alice").await;
    let kept = file_id(&upload(&alice, "kept.txt", b"sent".to_vec()).await);
    message_with_files(&alice, GENERAL, "", &[&kept]).await;
    let orphan = file_id(&upload(&alice, "orphan.txt", b"never sent".to_vec()).await);
    // The sweep runs every second here: wait until it has taken the orphan.
    loop {
        let (status, _, _) = alice.bytes(&format!("/api/v1/files/{orphan}")).await;
        if status == StatusCode::NOT_FOUND && stored_files(&app.data_dir()).len() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        alice.bytes(&format!("/api/v1/files/{kept}")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn files_sent_over_the_socket_reach_the_room_with_the_message() {
    let app = spawn_app().await;
    let (alice, token) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let id = file_id(&upload(&alice, "a.png", png(40, 30)).await);
    let mut bob = crate::ws::connect(&app.base, &bob_token).await;
    bob.send(json!({"type": "subscribe", "rooms": {"1": 0}}))
        .await;
    bob.until("subscribed").await;
    let mut ws = crate::ws::connect(&app.base, &token).await;
    ws.send(json!({"type": "send", "room_id": 1, "client_id": "ws-file-1", "files": [id]}))
        .await;
    let (ack, _) = ws.until("ack").await;
    assert_eq!(ack["message"]["files"][0]["id"], json!(id));
    let (created, _) = bob.until("message.created").await;
    let file = &created["message"]["files"][0];
    assert_eq!(file["id"], json!(id));
    assert_eq!(
        (file["width"].as_u64(), file["height"].as_u64()),
        (Some(40), Some(30))
    );
}
