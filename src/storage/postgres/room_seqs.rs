//! The newest seq of several rooms, from their counter rows.

use async_trait::async_trait;

use super::PgStore;
use crate::domain::{RoomId, Seq};
use crate::storage::{RoomSeqs, StoreResult};

#[async_trait]
impl RoomSeqs for PgStore {
    async fn last_seqs(&self, rooms: Vec<RoomId>) -> StoreResult<Vec<(RoomId, Seq)>> {
        self.readers
            .read(move |c| {
                let ids: Vec<i64> = rooms.iter().map(|r| r.0).collect();
                let rows = c.query("SELECT id, last_seq FROM rooms WHERE id = ANY($1)", &[&ids])?;
                rows.iter()
                    .map(|r| Ok((RoomId(r.try_get(0)?), Seq(r.try_get(1)?))))
                    .collect()
            })
            .await
    }
}
