//! Reports: a member who can read a message tells the admins about it,
//! with a reason; admins list open reports and resolve or dismiss them,
//! each close audited. And following `natter admin`'s changes on a running
//! server.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::Chat;
use crate::domain::{Report, ReportReason, ReportState, RoomId, Seq, User};
use crate::error::{Error, Result};
use crate::storage::{AuditEntry, NewReport, ReportFiled, StoreError};

/// Open reports one member may have at once: a member cannot flood the
/// admins' list.
pub const MAX_OPEN_REPORTS: u32 = 50;
const REPORTS_PAGE: u32 = 200;
/// How often a running server looks for `natter admin`'s changes.
const OUTSIDE_EVERY: Duration = Duration::from_millis(250);

impl Chat {
    /// Files a report of the message at `seq`; returns its id and whether
    /// it is new (a second report of the same message while the first is
    /// open is the same report).
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn report_message(
        &self,
        user: &User,
        room: RoomId,
        seq: Seq,
        reason: &str,
    ) -> Result<(i64, bool)> {
        // Only what the reporter can read can be reported (404 otherwise).
        self.member_access(user, room).await?;
        let reason = ReportReason::parse(reason)?;
        let filed = self
            .store
            .report_message(NewReport {
                room,
                seq,
                reporter: user.id,
                reason: reason.as_str().to_owned(),
                max_open: MAX_OPEN_REPORTS,
            })
            .await
            .map_err(|e| match e {
                StoreError::NotFound => Error::not_found("Message not found."),
                other => other.into(),
            })?;
        match filed {
            ReportFiled::Filed(id) => {
                tracing::info!(report = id, user = %user.id, room = %room, "message reported");
                Ok((id, true))
            }
            ReportFiled::AlreadyOpen(id) => Ok((id, false)),
            ReportFiled::TooMany => Err(Error::TooMany {
                code: "too_many_reports",
                message: format!(
                    "You have {MAX_OPEN_REPORTS} open reports; wait for the admins to look at them."
                ),
            }),
        }
    }

    /// Reports in `state`, newest first (admins only).
    pub async fn reports(&self, admin: &User, state: ReportState) -> Result<Vec<Report>> {
        self.require_admin(admin).await?;
        Ok(self.store.reports(state, REPORTS_PAGE).await?)
    }

    /// Resolves or dismisses an open report, with its audit record.
    pub async fn close_report(
        &self,
        admin: &User,
        id: i64,
        outcome: ReportState,
    ) -> Result<Report> {
        self.require_admin(admin).await?;
        let action = match outcome {
            ReportState::Resolved => "report.resolve",
            ReportState::Dismissed => "report.dismiss",
            ReportState::Open => {
                return Err(Error::invalid(
                    "report_state",
                    "A report can be resolved or dismissed.",
                ))
            }
        };
        let entry = AuditEntry {
            actor: admin.id,
            action,
            target: format!("report {id}"),
            room: None,
        };
        self.store
            .close_report(id, outcome, admin.id, entry)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => Error::not_found("There is no open report of that id."),
                other => other.into(),
            })
    }

    /// Applies what `natter admin` changes in the database while this
    /// server runs (a deactivation ends sessions: their sockets close and
    /// cached sessions are forgotten). Starts past every change made
    /// before: a starting server has nothing cached. Holds the chat weakly.
    pub async fn follow_outside_changes(self: &Arc<Self>) -> Result<()> {
        let mut seen = self.store.latest_outside_change().await?;
        let chat: Weak<Chat> = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(OUTSIDE_EVERY).await;
                let Some(chat) = chat.upgrade() else { return };
                match chat.store.latest_outside_change().await {
                    Ok(latest) if latest > seen => {
                        match chat.store.apply_outside_changes(seen).await {
                            Ok(applied) => seen = applied,
                            Err(e) => {
                                tracing::warn!(error = %e, "cannot apply natter admin's changes; trying again");
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot look for natter admin's changes"),
                }
            }
        });
        Ok(())
    }
}
