//! "Expired means gone" for files: when a message disappears (its timer or
//! the server's retention), its upload rows go in the same transaction and
//! its keys are queued; the bytes are deleted here, after the commit. A
//! crash or a failing disk in between leaves the keys queued, and the next
//! round (or the next start-up) deletes them.

use super::Chat;
use crate::error::Result;

/// Keys taken from the queue at a time.
const BATCH: u32 = 500;

impl Chat {
    /// Deletes the bytes of every queued file of an expired message;
    /// returns how many were stored. Stops at the first file the store
    /// cannot delete (it stays queued for the next round).
    pub(super) async fn delete_expired_files(&self) -> Result<usize> {
        let mut deleted = 0;
        loop {
            let keys = self.store.pending_file_deletions(BATCH).await?;
            if keys.is_empty() {
                return Ok(deleted);
            }
            let full = keys.len() == BATCH as usize;
            let mut done = Vec::with_capacity(keys.len());
            let mut failed = false;
            for key in keys {
                // Without a file store no bytes were ever kept.
                let gone = match &self.files {
                    Some(files) => files.store.delete(&key).await,
                    None => Ok(false),
                };
                match gone {
                    Ok(was_there) => {
                        deleted += usize::from(was_there);
                        done.push(key);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "an expired message's file stays until the next round");
                        failed = true;
                        break;
                    }
                }
            }
            self.store.file_deletions_done(done).await?;
            if failed || !full {
                return Ok(deleted);
            }
        }
    }
}
