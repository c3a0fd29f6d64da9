//! Profiles (issue 17): avatars made square from a picture (and refused
//! when not one, or a bomb), display names checked, both shown wherever a
//! user is, and a change told live to room-mates only.

use std::io::Cursor;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::files_support::{png, png_bomb, stored_files, upload};
use crate::helpers::{spawn_app, Answer, Client};
use crate::ws::connect;

const GENERAL: i64 = 1;

async fn put_avatar(c: &Client, bytes: Vec<u8>) -> Answer {
    c.raw(
        Method::PUT,
        "/api/v1/me/avatar",
        bytes,
        &[("content-type", "application/octet-stream")],
    )
    .await
}

async fn set_name(c: &Client, name: Value) -> Answer {
    c.send(
        Method::PATCH,
        "/api/v1/me/profile",
        Some(json!({ "display_name": name })),
        &[],
    )
    .await
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([x.to_le_bytes()[0], 40, 200]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("JPEG");
    out.into_inner()
}

/// The size of the image at `url`, loaded by `c`, and its headers.
async fn image_at(c: &Client, url: &str) -> ((u32, u32), reqwest::header::HeaderMap) {
    let (status, headers, bytes) = c.bytes(url).await;
    assert_eq!(status, StatusCode::OK, "{url}");
    let img = image::load_from_memory(&bytes).expect("an image");
    ((img.width(), img.height()), headers)
}

#[tokio::test]
async fn a_png_and_a_jpeg_become_square_avatars_that_any_signed_in_user_sees() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    let r = put_avatar(&alice, png(300, 200)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let first = r.body["user"]["avatar_url"].as_str().unwrap().to_owned();
    let (size, headers) = image_at(&bob, &first).await;
    assert_eq!(size, (256, 256));
    let cache = headers["cache-control"].to_str().unwrap();
    assert!(cache.contains("immutable"), "{cache}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (small, _) = image_at(&bob, &format!("{first}?size=64")).await;
    assert_eq!(small, (64, 64));

    let r = put_avatar(&alice, jpeg(120, 500)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let second = r.body["user"]["avatar_url"].as_str().unwrap().to_owned();
    assert_ne!(second, first, "a new picture is a new address");
    assert_eq!(image_at(&bob, &second).await.0, (256, 256));
    assert_eq!(bob.bytes(&first).await.0, StatusCode::NOT_FOUND);
    // Public within the server, not to the world.
    assert_eq!(
        app.client().bytes(&second).await.0,
        StatusCode::UNAUTHORIZED
    );

    let r = alice.delete("/api/v1/me/avatar").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["user"]["avatar_url"], Value::Null);
    assert_eq!(bob.bytes(&second).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_svg_or_a_fake_image_is_refused_with_a_sentence_and_nothing_changes() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#;
    let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
    fake.extend_from_slice(b"not really a picture at all");
    for bytes in [svg.to_vec(), b"hello, I am text".to_vec(), fake] {
        let r = put_avatar(&alice, bytes).await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{} {}",
            r.status,
            r.text
        );
        assert!(!r.error_message().is_empty(), "{}", r.text);
    }
    let me = alice.get("/api/v1/me/profile").await;
    assert_eq!(me.body["user"]["avatar_url"], Value::Null, "{}", me.text);
}

#[tokio::test]
async fn an_image_bomb_is_refused_as_an_avatar_and_memory_stays_bounded() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let r = put_avatar(&alice, png_bomb(50_000, 50_000)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert_eq!(r.error_code(), "image_too_large");
    // Decoded, 50,000² pixels would take 7.5 GB.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    assert!(peak_kib < 1 << 20, "peak memory {peak_kib} KiB");
    assert_eq!(
        alice.get("/api/v1/me/profile").await.body["user"]["avatar_url"],
        Value::Null
    );
}

#[tokio::test]
async fn a_display_name_is_trimmed_checked_and_kept_as_plain_text() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let r = set_name(&alice, json!("  Ada <b>L</b>  ")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["user"]["display_name"], "Ada <b>L</b>");

    for bad in [
        json!(""),
        json!("   "),
        json!("x".repeat(65)),
        json!("two\nlines"),
        json!("admin\u{202E}nimda"),
    ] {
        let r = set_name(&alice, bad.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text);
        assert!(r.error_message().ends_with('.'), "{}", r.text);
    }
    let kept = alice.get("/api/v1/me/profile").await;
    assert_eq!(kept.body["user"]["display_name"], "Ada <b>L</b>");
    // Absent leaves it; only `null` removes it.
    let same = alice
        .send(Method::PATCH, "/api/v1/me/profile", Some(json!({})), &[])
        .await;
    assert_eq!(
        same.body["user"]["display_name"], "Ada <b>L</b>",
        "{}",
        same.text
    );

    let r = set_name(&alice, Value::Null).await;
    assert_eq!(r.body["user"]["display_name"], Value::Null, "{}", r.text);
}

#[tokio::test]
async fn display_names_and_avatars_appear_in_history_members_mentions_and_the_directory() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    set_name(&bob, json!("Bob Builder")).await;
    let avatar = put_avatar(&bob, png(64, 64)).await.body["user"]["avatar_url"].clone();
    assert!(avatar.is_string());
    assert_eq!(
        bob.say(GENERAL, "hi @alice").await.status,
        StatusCode::CREATED
    );
    alice.say(GENERAL, "hello").await;

    let bob_in = |list: &Value| -> Value {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["username"] == "bob")
            .cloned()
            .unwrap_or(Value::Null)
    };
    let history = alice.get("/api/v1/rooms/1/messages").await.body;
    let author = bob_in(&history["authors"]);
    assert_eq!(author["display_name"], "Bob Builder", "{history}");
    assert_eq!(author["avatar_url"], avatar);
    // Only those who set something are listed.
    assert!(bob_in(&history["authors"]).is_object());
    assert!(history["authors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["username"] != "alice"));

    let members = alice.get("/api/v1/rooms/1/members").await.body;
    let member = bob_in(&members["members"]);
    assert_eq!(member["display_name"], "Bob Builder", "{members}");
    assert_eq!(member["avatar_url"], avatar);
    let me_there = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["username"] == "alice")
        .unwrap()
        .clone();
    assert_eq!(me_there["display_name"], Value::Null);
    assert_eq!(me_there["avatar_url"], Value::Null);

    let inbox = alice.get("/api/v1/mentions").await.body;
    assert_eq!(inbox["mentions"][0]["message"]["author"], "bob", "{inbox}");
    assert_eq!(bob_in(&inbox["authors"])["display_name"], "Bob Builder");

    let found = alice.get("/api/v1/users?q=bo").await.body;
    assert_eq!(bob_in(&found["users"])["avatar_url"], avatar, "{found}");
}

#[tokio::test]
async fn a_profile_or_status_change_reaches_a_room_mate_live_and_not_a_listener_of_other_rooms() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let (carol, carol_token) = app.user_with_token("carol").await;
    // Everyone is in general (and cannot be taken out of it), so carol
    // listens only to a room of her own, which alice is not in: that is
    // what she hears of, and alice's change is not about it.
    let r = carol
        .post(
            "/api/v1/rooms",
            json!({"name": "carols", "kind": "private"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let own_room = r.body["room"]["id"].as_i64().unwrap();
    let mut bob = connect(&app.base, &bob_token).await;
    bob.subscribe(GENERAL, 0).await;
    let mut stranger = connect(&app.base, &carol_token).await;
    stranger.subscribe(own_room, 0).await;

    set_name(&alice, json!("Alice A.")).await;
    let (changed, _) = bob.until("profile.changed").await;
    assert_eq!(changed["user"]["username"], "alice");
    assert_eq!(changed["user"]["display_name"], "Alice A.");
    assert!(changed.get("seq").is_none(), "not room history: {changed}");

    let r = alice
        .put("/api/v1/me/status", json!({"text": "lunch", "emoji": "🍕"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (status, _) = bob.until("status.changed").await;
    assert_eq!(status["username"], "alice");
    assert_eq!(status["status"]["emoji"], "🍕");

    let heard = stranger.drain().await;
    assert!(
        heard
            .iter()
            .all(|f| f["type"] != "profile.changed" && f["type"] != "status.changed"),
        "{heard:?}"
    );
}

#[tokio::test]
async fn the_orphan_sweep_keeps_avatars_and_a_replaced_avatar_leaves_no_files_behind() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.orphan_upload_age = std::time::Duration::from_secs(1);
    })
    .await;
    let alice = app.user("alice").await;
    put_avatar(&alice, png(50, 50)).await;
    let url = put_avatar(&alice, jpeg(80, 60)).await.body["user"]["avatar_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let orphan = upload(&alice, "orphan.txt", b"never sent".to_vec()).await;
    let orphan = orphan.body["file"]["id"].as_str().unwrap().to_owned();
    // The sweep runs every second here: wait until it has taken the orphan
    // (the avatar, older, was looked at too), and one round more.
    while alice.bytes(&format!("/api/v1/files/{orphan}")).await.0 != StatusCode::NOT_FOUND {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // What is left is the avatar at its two sizes, and nothing else.
    assert_eq!(image_at(&alice, &url).await.0, (256, 256));
    assert_eq!(
        image_at(&alice, &format!("{url}?size=64")).await.0,
        (64, 64)
    );
    assert_eq!(stored_files(&app.data_dir()).len(), 2);
}
