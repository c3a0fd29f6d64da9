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
use crate::domain::{Report, ReportState, Timestamp, UserId};
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
        self.writer
            .write(move |c, ev| outside::apply(c, ev, after, Timestamp::now()))
            .await
    }
}
