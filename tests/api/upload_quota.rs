//! The upload quota under concurrent uploads: the check and the
//! reservation are one step, so two uploads at once never both take the
//! last of a quota.

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::files_support::upload;
use crate::helpers::spawn_app_with;

/// Starts an upload declaring `length` bytes and sends `first` of them.
async fn start_upload(base: &str, token: &str, length: usize, first: usize) -> TcpStream {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /api/v1/uploads?name=half.bin HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![7u8; first]).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

/// Sends the rest (the server may have answered and closed already) and
/// reads the answer: its status and body.
async fn finish_upload(mut stream: TcpStream, rest: usize) -> (u16, String) {
    let _ = stream.write_all(&vec![7u8; rest]).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    (status, text)
}

#[tokio::test]
async fn two_uploads_at_once_cannot_both_take_the_last_of_the_quota() {
    let app = spawn_app_with(|c| {
        c.max_upload_bytes = 3000;
        c.upload_quota_bytes = 5000;
    })
    .await;
    let (alice, token) = app.user_with_token("alice").await;
    // Both uploads are under way before either has all its bytes: each
    // alone fits the quota, both together do not.
    let first = start_upload(&app.base, &token, 3000, 1000).await;
    let second = start_upload(&app.base, &token, 3000, 1000).await;
    let (a, b) = tokio::join!(finish_upload(first, 2000), finish_upload(second, 2000));
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 413], "{}\n{}", a.1, b.1);
    let refused = if a.0 == 413 { &a.1 } else { &b.1 };
    assert!(refused.contains("quota_exceeded"), "{refused}");
    // The refused upload gave its reservation back: exactly what is left
    // of the quota still fits, and not a byte more.
    let more = upload(&alice, "rest.bin", vec![1; 2001]).await;
    assert_eq!(more.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", more.text);
    let rest = upload(&alice, "rest.bin", vec![1; 2000]).await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.text);
}

#[tokio::test]
async fn an_upload_broken_off_gives_its_share_of_the_quota_back() {
    let app = spawn_app_with(|c| {
        c.max_upload_bytes = 3000;
        c.upload_quota_bytes = 3000;
    })
    .await;
    let (alice, token) = app.user_with_token("alice").await;
    let broken = start_upload(&app.base, &token, 3000, 1000).await;
    drop(broken);
    // Once the server has noticed, the whole quota is free again; until
    // then an upload of all of it is refused, never half-kept.
    for _ in 0..500 {
        let r = upload(&alice, "whole.bin", vec![2; 3000]).await;
        if r.status == StatusCode::CREATED {
            return;
        }
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
        assert_eq!(r.error_code(), "quota_exceeded");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the broken-off upload never gave its reservation back");
}
