//! Starting the attachments of an app: the local-disk file store under the
//! data directory, the preview workers, and the orphan sweep on a timer.

use std::sync::{Arc, Weak};
use std::time::Duration;

use anyhow::Context;

use crate::chat::{Attachments, Chat, FileSettings};
use crate::config::Config;
use crate::files::{ImageLimits, ImageWorkers, LocalDiskStore};

/// Files live in `<data dir>/files`.
pub fn keep_files(chat: &mut Chat, config: &Config) -> anyhow::Result<()> {
    let root = config.data_dir.join("files");
    let store = LocalDiskStore::open(&root)
        .with_context(|| format!("cannot use {} for files", root.display()))?;
    chat.keep_files(Attachments {
        store: Arc::new(store),
        workers: ImageWorkers::new(ImageLimits::default()),
        settings: FileSettings {
            max_upload_bytes: config.max_upload_bytes,
            quota_bytes: config.upload_quota_bytes,
            orphan_age: config.orphan_upload_age,
        },
    });
    Ok(())
}

/// Sweeps every `orphan_age` (at most hourly). Holds the chat weakly, so
/// the task ends with the app that started it.
pub fn sweep_orphans_now_and_then(chat: &Arc<Chat>, orphan_age: Duration) {
    let chat: Weak<Chat> = Arc::downgrade(chat);
    let every = orphan_age.clamp(Duration::from_secs(1), Duration::from_hours(1));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(chat) = chat.upgrade() else { return };
            match chat.sweep_orphan_files().await {
                Ok(report) if report.removed > 0 => {
                    tracing::info!(removed = report.removed, "removed orphaned uploads");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the orphan sweep failed"),
            }
        }
    });
}
