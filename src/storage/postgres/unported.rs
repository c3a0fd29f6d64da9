//! The one area not on PostgreSQL yet: outgoing webhooks. Each method
//! answers "unavailable" with a sentence naming the area, so a server on
//! PostgreSQL starts and says its hooks are not delivered; the port follows
//! `storage/sqlite/outhooks.rs` (and `tests/store/outhooks.rs` then runs on
//! both backends).

use super::PgStore;
use crate::domain::{DeliveryAttempt, RoomId, Seq, Timestamp};
use crate::storage::{DeliveryProgress, NewOutHook, OutHook, OutHooks, StoreError, StoreResult};

fn unported() -> StoreError {
    StoreError::Unavailable("outgoing webhooks are not on PostgreSQL yet".into())
}

#[async_trait::async_trait]
impl OutHooks for PgStore {
    async fn create_out_hook(&self, _: NewOutHook, _: u32) -> StoreResult<OutHook> {
        Err(unported())
    }
    async fn out_hooks_of_room(&self, _: RoomId) -> StoreResult<Vec<OutHook>> {
        Err(unported())
    }
    async fn out_hook(&self, _: i64) -> StoreResult<Option<OutHook>> {
        Err(unported())
    }
    async fn active_out_hooks(&self) -> StoreResult<Vec<OutHook>> {
        Err(unported())
    }
    async fn delete_out_hook(&self, _: i64) -> StoreResult<bool> {
        Err(unported())
    }
    async fn set_out_hook_paused(
        &self,
        _: i64,
        _: Option<(Timestamp, String)>,
    ) -> StoreResult<bool> {
        Err(unported())
    }
    async fn out_hook_cursors(&self, _: i64) -> StoreResult<Vec<(RoomId, Seq)>> {
        Err(unported())
    }
    async fn save_delivery_progress(&self, _: i64, _: DeliveryProgress, _: u32) -> StoreResult<()> {
        Err(unported())
    }
    async fn delivery_log(&self, _: i64, _: u32) -> StoreResult<Vec<DeliveryAttempt>> {
        Err(unported())
    }
}
