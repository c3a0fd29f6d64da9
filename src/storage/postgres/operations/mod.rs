//! PostgreSQL's side of `Operations` (see storage/operations.rs): reports,
//! and applying changes `natter admin` recorded for running servers. The
//! command-line work itself (create-user, export, import) acts on a SQLite
//! file only: `natter admin` refuses a postgres:// URL with a sentence.

mod outside;
mod reports;

use async_trait::async_trait;

use super::PgStore;
use crate::domain::{Report, ReportState, Timestamp, UserId};
use crate::storage::{AuditEntry, NewReport, Operations, ReportFiled, StoreResult};

#[async_trait]
impl Operations for PgStore {
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
        self.readers.read(outside::latest).await
    }

    async fn apply_outside_changes(&self, after: i64) -> StoreResult<i64> {
        self.writer
            .write(move |c, ev| outside::apply(c, ev, after, Timestamp::now()))
            .await
    }
}
