//! The store's side of operating a server: members' reports of messages,
//! and applying what `natter admin` changed in the database while the
//! server runs (see `sqlite/operations/outside.rs`).

use async_trait::async_trait;

use super::{AuditEntry, StoreResult};
use crate::domain::{Report, ReportState, RoomId, Seq, UserId};

/// A report as it is filed.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub room: RoomId,
    pub seq: Seq,
    pub reporter: UserId,
    pub reason: String,
    /// The most open reports one member may have at once.
    pub max_open: u32,
}

/// What filing a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFiled {
    /// A new report, with its id.
    Filed(i64),
    /// The reporter already has an open report of this message (its id).
    AlreadyOpen(i64),
    /// The reporter has `max_open` open reports already.
    TooMany,
}

#[async_trait]
pub trait Operations: Send + Sync {
    /// Files a report of a live message (`NotFound`: no such message, or
    /// deleted).
    async fn report_message(&self, report: NewReport) -> StoreResult<ReportFiled>;
    /// Reports in `state`, newest first, at most `limit`.
    async fn reports(&self, state: ReportState, limit: u32) -> StoreResult<Vec<Report>>;
    /// Closes an open report as `outcome` (resolved or dismissed) and
    /// appends `entry` to the audit log, in one transaction. `NotFound`
    /// when there is no open report of that id.
    async fn close_report(
        &self,
        id: i64,
        outcome: ReportState,
        by: UserId,
        entry: AuditEntry,
    ) -> StoreResult<Report>;
    /// The newest change `natter admin` recorded (0: none).
    async fn latest_outside_change(&self) -> StoreResult<i64>;
    /// Publishes the events of the changes after `after` (in order, as if
    /// this server had committed them), marks them applied and forgets
    /// ones older than a day. Returns the newest id applied.
    async fn apply_outside_changes(&self, after: i64) -> StoreResult<i64>;
}
