//! SQLite's side of `Operations` (see storage/operations.rs): reports,
//! and changes `natter admin` made for a running server to apply; and the
//! command-line work itself (`cli`, `export`, `import`), which acts on the
//! database file with the same functions the server's writes use.

pub mod cli;
pub mod export;
pub mod import;
mod import_messages;
mod outside;
mod reports;

use async_trait::async_trait;

use super::SqliteStore;
use crate::domain::{Event, Report, ReportState, RoomChange, RoomEvent, Timestamp, UserId};
use crate::storage::{AuditEntry, NewReport, Operations, ReportFiled, StoreResult};

#[async_trait]
impl Operations for SqliteStore {
    async fn report_message(&self, report: NewReport) -> StoreResult<ReportFiled> {
        self.writer
            .write(move |c, _| reports::file(c, &report, Timestamp::now()))
            .await
    }

    async fn reports(&self, state: ReportState, limit: u32) -> StoreResult<Vec<Report>> {
        self.readers
            .read(move |c| reports::list(c, state, limit))
            .await
    }

    async fn close_report(
        &self,
        id: i64,
        outcome: ReportState,
        by: UserId,
        entry: AuditEntry,
    ) -> StoreResult<Report> {
        self.writer
            .write(move |c, _| reports::close(c, id, outcome, by, &entry, Timestamp::now()))
            .await
    }

    async fn latest_outside_change(&self) -> StoreResult<i64> {
        self.readers.read_quick(outside::latest).await
    }

    async fn apply_outside_changes(&self, after: i64) -> StoreResult<i64> {
        let (last, messages) = self
            .writer
            .write(move |c, ev| {
                let before = ev.len();
                let last = outside::apply(c, ev, after, Timestamp::now())?;
                Ok((last, new_messages(&ev[before..])))
            })
            .await?;
        // Messages a command stored (an import) wait for the search index
        // like sends do: without this the index would take them only once
        // enough sends followed, and a search would miss them until then.
        self.search_queue.stored_many(messages, &self.writer);
        Ok(last)
    }
}

fn new_messages(events: &[Event]) -> u64 {
    let created = events.iter().filter(|e| {
        matches!(
            e,
            Event::Room(RoomEvent {
                change: RoomChange::MessageCreated { .. },
                ..
            })
        )
    });
    u64::try_from(created.count()).unwrap_or(u64::MAX)
}
