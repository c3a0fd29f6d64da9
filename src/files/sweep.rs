//! The orphan sweep: removes stored files that nothing refers to any more
//! once they are old enough, whichever `FileStore` holds them. Orphans
//! come from uploads never attached to a message, from a crash between a
//! file's `put` and its row, and from a crash between deleting a message's
//! row and deleting its files (rows go first, then files).

use std::collections::HashSet;
use std::future::Future;
use std::time::{Duration, SystemTime};

use super::{FileKey, FileStore};
use crate::error::Result;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Files listed.
    pub seen: usize,
    /// Files old enough to be asked about.
    pub old: usize,
    /// Old files nothing refers to, now removed.
    pub removed: usize,
}

/// Pages through `store`, `batch` files at a time, and removes each file
/// stored more than `max_age` before `now` that `still_wanted` does not
/// return.
///
/// `still_wanted(keys)` is the database's side. In **one transaction** it
/// must delete the unattached upload rows among `keys` (those uploads have
/// expired) and return the keys it still refers to: attached to a message,
/// someone's avatar, or the preview of either. A key it has never heard of
/// is simply not returned. Attaching an upload must find its row in the
/// same transaction as the message insert; so an attach and a sweep never
/// both win: either the file is attached and kept, or the attach fails
/// with "upload expired" and the file goes.
pub async fn sweep_orphans<F, Fut>(
    store: &dyn FileStore,
    now: SystemTime,
    max_age: Duration,
    batch: usize,
    mut still_wanted: F,
) -> Result<SweepReport>
where
    F: FnMut(Vec<FileKey>) -> Fut,
    Fut: Future<Output = Result<HashSet<FileKey>>>,
{
    let batch = batch.max(1);
    let mut report = SweepReport::default();
    let mut after: Option<FileKey> = None;
    loop {
        let page = store.list(after.as_ref(), batch).await?;
        let Some(last) = page.last() else {
            return Ok(report);
        };
        after = Some(last.key.clone());
        report.seen += page.len();
        let old: Vec<FileKey> = page
            .into_iter()
            .filter(|f| now.duration_since(f.stored_at).unwrap_or_default() >= max_age)
            .map(|f| f.key)
            .collect();
        if old.is_empty() {
            continue;
        }
        report.old += old.len();
        let wanted = still_wanted(old.clone()).await?;
        for key in old.iter().filter(|k| !wanted.contains(*k)) {
            if store.delete(key).await? {
                report.removed += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::{put_bytes, FileError, LocalDiskStore};

    const HOUR: Duration = Duration::from_hours(1);

    #[tokio::test]
    async fn old_files_nothing_refers_to_go_and_everything_else_stays() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = LocalDiskStore::open(dir.path()).expect("a store");
        let mut attached = HashSet::new();
        let mut orphans = Vec::new();
        for i in 0..30u8 {
            let key = put_bytes(&store, vec![i; 10]).await.expect("stored");
            if i % 3 == 0 {
                attached.insert(key);
            } else {
                orphans.push(key);
            }
        }
        // Seen from two hours on, in pages smaller than the store.
        let later = SystemTime::now() + 2 * HOUR;
        let mut asked = 0;
        let report = sweep_orphans(&store, later, HOUR, 7, |keys| {
            asked += keys.len();
            let wanted = keys.into_iter().filter(|k| attached.contains(k)).collect();
            async move { Ok(wanted) }
        })
        .await
        .expect("a sweep");
        assert_eq!(
            report,
            SweepReport {
                seen: 30,
                old: 30,
                removed: 20
            }
        );
        assert_eq!(asked, 30, "every old file was asked about once");
        for key in &attached {
            assert!(store.open(key).await.is_ok(), "attached {key} kept");
        }
        for key in &orphans {
            assert!(matches!(store.open(key).await, Err(FileError::NotFound)));
        }
    }

    #[tokio::test]
    async fn a_file_younger_than_the_age_is_not_even_asked_about() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = LocalDiskStore::open(dir.path()).expect("a store");
        let fresh = put_bytes(&store, b"just uploaded".to_vec())
            .await
            .expect("stored");
        let report = sweep_orphans(&store, SystemTime::now(), HOUR, 100, |keys| async move {
            panic!("asked about {keys:?}")
        })
        .await
        .expect("a sweep");
        assert_eq!(report.removed, 0);
        assert!(store.open(&fresh).await.is_ok());
    }

    #[tokio::test]
    async fn when_the_database_cannot_answer_nothing_is_removed() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = LocalDiskStore::open(dir.path()).expect("a store");
        let key = put_bytes(&store, b"x".to_vec()).await.expect("stored");
        let later = SystemTime::now() + 2 * HOUR;
        let failed = sweep_orphans(&store, later, HOUR, 100, |_| async {
            Err(crate::error::Error::Unavailable("database locked".into()))
        })
        .await;
        assert!(failed.is_err());
        assert!(store.open(&key).await.is_ok());
    }
}
