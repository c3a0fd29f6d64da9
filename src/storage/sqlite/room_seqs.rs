//! The newest seq of several rooms, from their counter rows.

use async_trait::async_trait;

use super::SqliteStore;
use crate::domain::{RoomId, Seq};
use crate::storage::{RoomSeqs, StoreResult};

#[async_trait]
impl RoomSeqs for SqliteStore {
    async fn last_seqs(&self, rooms: Vec<RoomId>) -> StoreResult<Vec<(RoomId, Seq)>> {
        self.readers
            .read(move |c| {
                let ids: Vec<i64> = rooms.iter().map(|r| r.0).collect();
                let ids = serde_json::to_string(&ids).map_err(|e| anyhow::anyhow!(e))?;
                let mut statement = c.prepare_cached(
                    "SELECT id, last_seq FROM rooms WHERE id IN (SELECT value FROM json_each(?1))",
                )?;
                let rows =
                    statement.query_map([ids], |r| Ok((RoomId(r.get(0)?), Seq(r.get(1)?))))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await
    }
}
