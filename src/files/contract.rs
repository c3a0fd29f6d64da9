//! What every `FileStore` must do, as one test any implementation runs:
//! the local disk now, and the store all nodes share once it is built
//! (issue 17: "every node must serve every file"). Callers rely on exactly
//! these behaviours and nothing else (no paths), which is what lets a
//! shared store replace the local one without touching them. An in-memory
//! store passes it too, as a second implementation proving the point.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;

use super::{
    put_bytes, read_all, ByteStream, FileEntry, FileError, FileKey, FileStore, LocalDiskStore,
    StoredFile,
};

/// Runs the contract against `store`, which must start empty.
pub async fn check(store: &dyn FileStore) {
    // Put, then read back whole, with the length.
    let parts: Vec<std::io::Result<Bytes>> =
        (0..5u8).map(|i| Ok(Bytes::from(vec![i; 70_000]))).collect();
    let big = store
        .put(Box::pin(futures_util::stream::iter(parts)))
        .await
        .expect("stored");
    let back = read_all(store, &big, u64::MAX)
        .await
        .expect("read")
        .expect("whole");
    assert_eq!(back.len(), 350_000);
    assert_eq!(back[69_999..70_001], [0, 1]);

    // Open from an offset: the rest, with its length.
    let small = put_bytes(store, b"0123456789".to_vec())
        .await
        .expect("stored");
    let from = store.open_from(&small, 4).await.expect("opened");
    assert_eq!(from.len, 6);
    assert_eq!(collect(from).await, b"456789");

    // A stream that breaks stores nothing.
    let broken: Vec<std::io::Result<Bytes>> = vec![
        Ok(Bytes::from_static(b"half")),
        Err(std::io::Error::other("the client went away")),
    ];
    let refused = store
        .put(Box::pin(futures_util::stream::iter(broken)))
        .await;
    assert!(matches!(refused, Err(FileError::Aborted(_))), "{refused:?}");

    // Listing: every key once, in key order, paged.
    let mut all = Vec::new();
    let mut after: Option<FileKey> = None;
    loop {
        let page = store.list(after.as_ref(), 1).await.expect("listed");
        let Some(last) = page.last() else { break };
        after = Some(last.key.clone());
        all.extend(page.into_iter().map(|e| e.key));
    }
    let mut expected = vec![big.clone(), small.clone()];
    expected.sort();
    assert_eq!(all, expected, "the broken upload left nothing");

    // Delete: gone for readers, and a second delete is no error.
    assert!(store.delete(&small).await.expect("deleted"));
    assert!(matches!(store.open(&small).await, Err(FileError::NotFound)));
    assert!(!store.delete(&small).await.expect("no error"));
    assert!(matches!(
        store.open(&FileKey::random()).await,
        Err(FileError::NotFound)
    ));
}

async fn collect(file: StoredFile) -> Vec<u8> {
    let mut out = Vec::new();
    let mut bytes = file.bytes;
    while let Some(chunk) = bytes.next().await {
        out.extend_from_slice(&chunk.expect("a chunk"));
    }
    out
}

/// Files in memory: the smallest store there is.
#[derive(Default)]
struct MemoryStore(Mutex<BTreeMap<FileKey, Bytes>>);

#[async_trait]
impl FileStore for MemoryStore {
    async fn put(&self, mut bytes: ByteStream<'_>) -> Result<FileKey, FileError> {
        let mut all = Vec::new();
        while let Some(chunk) = bytes.next().await {
            all.extend_from_slice(&chunk.map_err(FileError::Aborted)?);
        }
        let key = FileKey::random();
        self.0.lock().expect("lock").insert(key.clone(), all.into());
        Ok(key)
    }

    async fn open(&self, key: &FileKey) -> Result<StoredFile, FileError> {
        let bytes = self.0.lock().expect("lock").get(key).cloned();
        let bytes = bytes.ok_or(FileError::NotFound)?;
        Ok(StoredFile {
            len: bytes.len() as u64,
            bytes: Box::pin(futures_util::stream::once(async move { Ok(bytes) })),
        })
    }

    async fn delete(&self, key: &FileKey) -> Result<bool, FileError> {
        Ok(self.0.lock().expect("lock").remove(key).is_some())
    }

    async fn list(
        &self,
        after: Option<&FileKey>,
        limit: usize,
    ) -> Result<Vec<FileEntry>, FileError> {
        let files = self.0.lock().expect("lock");
        Ok(files
            .keys()
            .filter(|k| after.is_none_or(|a| *k > a))
            .take(limit)
            .map(|key| FileEntry {
                key: key.clone(),
                stored_at: SystemTime::now(),
            })
            .collect())
    }
}

#[tokio::test]
async fn the_local_disk_store_keeps_the_file_store_contract() {
    let dir = tempfile::tempdir().expect("a temp dir");
    check(&LocalDiskStore::open(dir.path()).expect("a store")).await;
}

#[tokio::test]
async fn a_store_without_paths_keeps_the_same_contract() {
    check(&MemoryStore::default()).await;
}
