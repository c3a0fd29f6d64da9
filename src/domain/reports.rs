//! Reports: a member tells the admins that a message is out of line, with a
//! reason; an admin resolves (acted on it) or dismisses it.

use serde::Serialize;
use utoipa::ToSchema;

use super::{RoomId, Seq, Timestamp};
use crate::error::{Error, Result};

/// A reason is at most this many characters.
pub const REPORT_REASON_MAX: usize = 500;

/// Why a member reports a message: not blank, at most
/// [`REPORT_REASON_MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportReason(String);

impl ReportReason {
    pub fn parse(raw: &str) -> Result<Self> {
        let reason = raw.trim();
        if reason.is_empty() {
            return Err(Error::invalid(
                "reason_empty",
                "Say why you report this message.",
            ));
        }
        let chars = reason.chars().count();
        if chars > REPORT_REASON_MAX {
            return Err(Error::TooLarge {
                code: "reason_too_long",
                message: format!(
                    "The reason is too long: {chars} characters, the limit is {REPORT_REASON_MAX}."
                ),
            });
        }
        Ok(Self(reason.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Open,
    /// An admin acted on it.
    Resolved,
    /// An admin found nothing to do.
    Dismissed,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
            Self::Dismissed => "dismissed",
        }
    }

    pub fn from_db(text: &str) -> Self {
        match text {
            "resolved" => Self::Resolved,
            "dismissed" => Self::Dismissed,
            _ => Self::Open,
        }
    }
}

/// A report as admins see it: the message (as it is now), who reported it
/// and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub id: i64,
    pub room_id: RoomId,
    /// The room's name (`None` for a direct room).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_name: Option<String>,
    pub seq: Seq,
    /// Who wrote the message.
    pub author: String,
    /// The message's text now (empty once deleted).
    pub body: String,
    pub message_deleted: bool,
    pub reporter: String,
    pub reason: String,
    pub created_at: Timestamp,
    pub state: ReportState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
}
