use super::*;
use crate::error::Error;
use crate::files::{child, read_all, LocalDiskStore};
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const MIB: u64 = 1 << 20;

fn store() -> (tempfile::TempDir, LocalDiskStore) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = LocalDiskStore::open(dir.path()).expect("a store");
    (dir, store)
}

/// A body of `n` chunks of `size` bytes that counts how many were read.
fn counted_body(
    n: usize,
    size: usize,
) -> (
    Arc<AtomicUsize>,
    impl Stream<Item = Result<Bytes, Infallible>> + Send,
) {
    let read = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&read);
    let body = futures_util::stream::iter(0..n).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        #[allow(clippy::cast_possible_truncation)]
        Ok(Bytes::from(vec![i as u8; size]))
    });
    (read, body)
}

async fn nothing_kept(store: &LocalDiskStore, dir: &tempfile::TempDir) {
    assert!(store.list(None, 10).await.expect("listed").is_empty());
    let partials = std::fs::read_dir(dir.path().join("tmp"))
        .expect("tmp")
        .count();
    assert_eq!(partials, 0, "no partial file is left");
}

#[tokio::test]
async fn a_declared_size_over_the_limit_is_refused_before_a_byte_is_read() {
    let (dir, store) = store();
    let (read, body) = counted_body(100, 1 << 20);
    let limit = UploadLimit::per_file(25 * MIB);
    let refused = receive(&store, body, Some(100 * MIB), limit).await;
    assert!(matches!(refused, Err(UploadError::TooLarge(l)) if l == limit));
    assert_eq!(read.load(Ordering::SeqCst), 0);
    nothing_kept(&store, &dir).await;
}

#[tokio::test]
async fn a_body_that_streams_past_the_limit_is_cut_off_at_once_and_nothing_kept() {
    let (dir, store) = store();
    // No Content-Length (chunked): 1,000 chunks of 64 KiB against 1 MiB.
    let (read, body) = counted_body(1000, 64 << 10);
    let refused = receive(&store, body, None, UploadLimit::per_file(MIB)).await;
    assert!(matches!(refused, Err(UploadError::TooLarge(_))));
    // 16 chunks make the limit; the 17th passes it and is the last read.
    assert_eq!(read.load(Ordering::SeqCst), 17);
    nothing_kept(&store, &dir).await;
}

#[tokio::test]
async fn a_file_of_exactly_the_limit_is_taken() {
    let (_dir, store) = store();
    let (_, body) = counted_body(16, 64 << 10);
    let up = receive(&store, body, Some(MIB), UploadLimit::per_file(MIB))
        .await
        .expect("taken");
    assert_eq!(up.size, MIB);
}

#[tokio::test]
async fn size_and_sha256_are_those_of_the_bytes() {
    let (_dir, store) = store();
    let body =
        futures_util::stream::iter(["a", "b", "c"].map(|s| Ok::<_, Infallible>(Bytes::from(s))));
    let up = receive(&store, body, Some(3), UploadLimit::per_file(MIB))
        .await
        .expect("taken");
    assert_eq!(up.size, 3);
    assert_eq!(
        up.sha256_hex(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let back = read_all(&store, &up.key, MIB).await.expect("read");
    assert_eq!(back.as_deref(), Some(&b"abc"[..]));
}

#[tokio::test]
async fn an_axum_body_is_taken_and_its_kind_comes_from_its_bytes() {
    let (_dir, store) = store();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.resize(20_000, 0);
    // Whatever name or Content-Type the client gave, the bytes decide.
    let body = axum::body::Body::from(png.clone());
    let up = receive(
        &store,
        body.into_data_stream(),
        Some(20_000),
        UploadLimit::per_file(MIB),
    )
    .await
    .expect("taken");
    assert_eq!(up.kind.mime, "image/png");
    assert_eq!(up.size, 20_000);
}

#[tokio::test]
async fn a_quota_smaller_than_the_file_limit_is_the_one_that_refuses() {
    let (dir, store) = store();
    let limit = UploadLimit::per_file(25 * MIB).within_quota(MIB);
    assert_eq!(limit.kind, LimitKind::Quota);
    let (_, body) = counted_body(32, 64 << 10);
    let refused = receive(&store, body, None, limit)
        .await
        .expect_err("refused");
    let error = Error::from(refused);
    assert_eq!(error.code(), "quota_exceeded");
    assert!(matches!(error, Error::TooLarge { .. }), "413");
    assert!(error.to_string().contains("1 MiB"), "{error}");
    nothing_kept(&store, &dir).await;
    // A roomy quota leaves the per-file limit in charge.
    assert_eq!(
        UploadLimit::per_file(25 * MIB).within_quota(1 << 40),
        UploadLimit::per_file(25 * MIB)
    );
}

#[tokio::test]
async fn the_file_limit_refusal_says_the_limit_in_words() {
    let (_dir, store) = store();
    let (_, body) = counted_body(1, 10);
    let refused = receive(
        &store,
        body,
        Some(26 * MIB),
        UploadLimit::per_file(25 * MIB),
    )
    .await
    .expect_err("refused");
    let error = Error::from(refused);
    assert_eq!(error.code(), "file_too_large");
    assert_eq!(
        error.to_string(),
        "The file is larger than the limit of 25 MiB."
    );
}

#[tokio::test]
async fn a_client_that_breaks_off_keeps_nothing_and_is_told_to_send_again() {
    let (dir, store) = store();
    let body = futures_util::stream::iter(vec![
        Ok(Bytes::from(vec![0u8; 300_000])),
        Err(std::io::Error::other("connection reset")),
    ]);
    let refused = receive(&store, body, Some(600_000), UploadLimit::per_file(MIB))
        .await
        .expect_err("refused");
    assert!(matches!(refused, UploadError::Incomplete(_)));
    assert_eq!(Error::from(refused).code(), "upload_incomplete");
    nothing_kept(&store, &dir).await;
}

#[tokio::test]
async fn a_body_shorter_than_it_declared_keeps_nothing() {
    let (dir, store) = store();
    let (_, body) = counted_body(2, 1000);
    let refused = receive(&store, body, Some(5000), UploadLimit::per_file(MIB)).await;
    assert!(matches!(refused, Err(UploadError::Incomplete(_))));
    nothing_kept(&store, &dir).await;
}

#[test]
fn sizes_are_written_for_people() {
    assert_eq!(Size(300).to_string(), "300 bytes");
    assert_eq!(Size(1536).to_string(), "1.5 KiB");
    assert_eq!(Size(25 * MIB).to_string(), "25 MiB");
    assert_eq!(Size(3 << 30).to_string(), "3 GiB");
}

const PROBE: &str = "files::upload::tests::upload_memory_probe";

/// Child part of the memory test: streams 64 MiB through `receive`.
#[test]
#[ignore = "run in a child process by a_large_upload_is_never_held_in_memory"]
fn upload_memory_probe() {
    let root = child::role().expect("started as a child");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let store = LocalDiskStore::open(&root).expect("a store");
    child::reset_peak_rss();
    let before = child::peak_rss_kib();
    let (_, body) = counted_body(1024, 64 << 10);
    let up = runtime
        .block_on(receive(&store, body, None, UploadLimit::per_file(1 << 30)))
        .expect("taken");
    assert_eq!(up.size, 64 * MIB);
    println!("grew_kib={}", child::peak_rss_kib() - before);
}

#[test]
fn a_large_upload_is_never_held_in_memory() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = child::run(PROBE, dir.path().to_str().expect("UTF-8"));
    // 64 MiB went through; the write buffer is 1 MiB.
    assert!(child::reported(&out, "grew_kib") < 16 << 10);
}
