//! The per-user send rate on SQLite: a bucket per user in this store's
//! memory. One SQLite database has exactly one natter (the data directory
//! lock, `lock_data_dir`), so this process's memory is shared by every
//! send the database will ever take, just as the file is; a table would
//! add a write to the single writer's path (and the fsync that waits for
//! it) on every send to learn nothing more.

use async_trait::async_trait;

use super::SqliteStore;
use crate::domain::{Rate, UserId};
use crate::storage::{SendRates, StoreError, StoreResult, SENDS_PER_USER};

#[async_trait]
impl SendRates for SqliteStore {
    async fn take_send(&self, user: UserId, rate: Rate) -> StoreResult<()> {
        self.send_rates
            .take(&user, |u| *u, rate)
            .map_err(|retry_after| StoreError::Limited {
                limit: SENDS_PER_USER,
                retry_after,
            })
    }
}
