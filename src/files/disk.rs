//! `LocalDiskStore`: files on the local disk under `<root>/ab/cd/<key>`.
//!
//! A file is written to `<root>/tmp/<random>.part`, flushed with `fsync`,
//! then renamed to its key and the directory flushed, so after a crash a
//! key names either nothing or the whole file. Two levels of 256 shard
//! directories keep each directory small (a million files is ~15 a
//! directory). Only one natter uses a data directory at a time (its lock
//! file), so leftover `.part` files found at `open` are from a crash and go.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use futures_util::StreamExt;
use tokio::io::{AsyncWriteExt, BufWriter};

use super::{ByteStream, FileEntry, FileError, FileKey, FileStore, StoredFile};

/// Bytes gathered before each write to the disk: few system calls for
/// large files, while an upload holds at most this much in memory.
const WRITE_BUFFER: usize = 1 << 20;
/// Bytes per chunk when a file is read back.
const READ_CHUNK: usize = 64 << 10;
const PARTIAL_DIR: &str = "tmp";

#[derive(Debug, Clone)]
pub struct LocalDiskStore {
    root: PathBuf,
}

impl LocalDiskStore {
    /// Opens (creating if needed) a store in `root`, and removes what a
    /// crash may have left half-written.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        let partials = root.join(PARTIAL_DIR);
        std::fs::create_dir_all(&partials)?;
        for entry in std::fs::read_dir(&partials)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().ends_with(".part") {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(Self { root })
    }

    fn path_of(&self, key: &FileKey) -> PathBuf {
        let k = key.as_str();
        self.root.join(&k[0..2]).join(&k[2..4]).join(k)
    }
}

/// Removes a partial file unless the write completed: runs when `put`
/// fails and also when its future is dropped half-way (a client gone).
struct Partial {
    path: Option<PathBuf>,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            // Blocking, but a single unlink; and it must run even when
            // the task is being dropped.
            let _ = std::fs::remove_file(path);
        }
    }
}

#[async_trait]
impl FileStore for LocalDiskStore {
    async fn put(&self, mut bytes: ByteStream<'_>) -> Result<FileKey, FileError> {
        let key = FileKey::random();
        let part_path = self
            .root
            .join(PARTIAL_DIR)
            .join(format!("{}.part", FileKey::random()));
        let file = tokio::fs::File::create(&part_path).await?;
        let mut partial = Partial {
            path: Some(part_path.clone()),
        };
        let mut out = BufWriter::with_capacity(WRITE_BUFFER, file);
        while let Some(chunk) = bytes.next().await {
            let chunk = chunk.map_err(FileError::Aborted)?;
            out.write_all(&chunk).await?;
        }
        out.flush().await?;
        let file = out.into_inner();
        file.sync_all().await?;
        drop(file);
        let dest = self.path_of(&key);
        tokio::task::spawn_blocking(move || settle(&part_path, &dest))
            .await
            .map_err(io::Error::other)??;
        partial.path = None;
        Ok(key)
    }

    async fn open(&self, key: &FileKey) -> Result<StoredFile, FileError> {
        self.open_from(key, 0).await
    }

    async fn open_from(&self, key: &FileKey, offset: u64) -> Result<StoredFile, FileError> {
        let mut file = match tokio::fs::File::open(self.path_of(key)).await {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(FileError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let len = file.metadata().await?.len();
        let offset = offset.min(len);
        if offset > 0 {
            tokio::io::AsyncSeekExt::seek(&mut file, io::SeekFrom::Start(offset)).await?;
        }
        let bytes = tokio_util::io::ReaderStream::with_capacity(file, READ_CHUNK);
        Ok(StoredFile {
            len: len - offset,
            bytes: Box::pin(bytes),
        })
    }

    async fn delete(&self, key: &FileKey) -> Result<bool, FileError> {
        match tokio::fs::remove_file(self.path_of(key)).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn list(
        &self,
        after: Option<&FileKey>,
        limit: usize,
    ) -> Result<Vec<FileEntry>, FileError> {
        let root = self.root.clone();
        let after = after.cloned();
        Ok(
            tokio::task::spawn_blocking(move || list_after(&root, after.as_ref(), limit))
                .await
                .map_err(io::Error::other)??,
        )
    }
}

/// Moves a flushed partial file to its key and makes the move durable.
fn settle(part: &Path, dest: &Path) -> io::Result<()> {
    let shard = dest.parent().expect("a key path has a shard directory");
    if !shard.is_dir() {
        std::fs::create_dir_all(shard)?;
        // The new directories' own entries must reach the disk too.
        let top = shard.parent().expect("a shard has a parent");
        sync_dir(top)?;
        sync_dir(top.parent().expect("the store has a root"))?;
    }
    std::fs::rename(part, dest)?;
    sync_dir(shard)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// The names in `dir` that are shard names (two hex digits) or keys, sorted.
fn sorted_names(dir: &Path, is_wanted: impl Fn(&str) -> bool) -> io::Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(names),
        Err(e) => return Err(e),
    };
    for entry in entries {
        if let Ok(name) = entry?.file_name().into_string() {
            if is_wanted(&name) {
                names.insert(name);
            }
        }
    }
    Ok(names)
}

fn is_shard(name: &str) -> bool {
    name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Walks the shards in key order, reading only those at or after `after`.
fn list_after(root: &Path, after: Option<&FileKey>, limit: usize) -> io::Result<Vec<FileEntry>> {
    let after = after.map_or("", FileKey::as_str);
    let mut found = Vec::new();
    for top in sorted_names(root, is_shard)? {
        if *top < after[..after.len().min(2)] {
            continue;
        }
        for low in sorted_names(&root.join(&top), is_shard)? {
            let shard = format!("{top}{low}");
            if *shard < after[..after.len().min(4)] {
                continue;
            }
            let dir = root.join(&top).join(&low);
            for name in sorted_names(&dir, |n| FileKey::parse(n).is_some())? {
                if *name <= *after {
                    continue;
                }
                let stored_at = match std::fs::metadata(dir.join(&name)) {
                    Ok(meta) => meta.modified()?,
                    // Deleted while we looked: not there, so not listed.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                let key = FileKey::parse(&name).expect("filtered by parse");
                found.push(FileEntry { key, stored_at });
                if found.len() == limit {
                    return Ok(found);
                }
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
#[path = "disk_tests.rs"]
mod tests;
