//! The room changes a history page shows between its messages (topic,
//! rename, archive, roles, the timer, pins), so a page read after a reload
//! tells the same story as the lines the timeline showed live.

use serde::Deserialize;

use super::Chat;
use crate::domain::{MessageJson, PastRoomEvent, RoomId, Seq};
use crate::error::Result;
use crate::storage::HistoryPage;

/// Just the seq of a stored message's JSON.
#[derive(Deserialize)]
struct SeqOf {
    seq: Seq,
}

fn seq_of(message: &MessageJson) -> Option<Seq> {
    serde_json::from_str::<SeqOf>(message.as_str())
        .ok()
        .map(|m| m.seq)
}

impl Chat {
    /// The room changes that belong to this page: from just after the
    /// previous page (or the room's start) up to the next page (or now), so
    /// pages read one after another show each change once.
    pub(super) async fn page_changes(
        &self,
        room: RoomId,
        page: HistoryPage,
        messages: &[MessageJson],
        has_more: bool,
    ) -> Result<Vec<PastRoomEvent>> {
        let oldest = messages.first().and_then(seq_of);
        let newest = messages.last().and_then(seq_of);
        let (first, last) = match page {
            HistoryPage::After { seq, .. } => (
                Seq(seq.0 + 1),
                newest.filter(|_| has_more).unwrap_or(Seq(i64::MAX)),
            ),
            HistoryPage::Before { seq, .. } => (
                oldest.filter(|_| has_more).unwrap_or(Seq(1)),
                Seq(seq.0 - 1),
            ),
            HistoryPage::Newest { .. } => {
                (oldest.filter(|_| has_more).unwrap_or(Seq(1)), Seq(i64::MAX))
            }
            HistoryPage::FromPosition { .. } => return Ok(Vec::new()),
        };
        if first > last {
            return Ok(Vec::new());
        }
        Ok(self.store.room_changes_between(room, first, last).await?)
    }
}
