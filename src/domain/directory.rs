//! What the directory tells about people and rooms: finding someone to
//! talk to, and the facts a room introduces itself with.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Room, UserId};

/// Someone found in the user directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Person {
    pub user_id: UserId,
    pub username: String,
    /// Display name and avatar (`Chat::with_profiles` fills them in).
    #[serde(flatten)]
    pub profile: super::Profile,
}

/// Facts about a room beyond its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomAbout {
    pub member_count: i64,
    /// Who made it; `None` for rooms the server made (`general`) and for
    /// direct conversations.
    pub created_by: Option<Person>,
}

/// A room as `GET /api/v1/rooms/{id}` shows it: the record, how many are in
/// it and who made it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomDetails {
    #[serde(flatten)]
    pub room: Room,
    pub member_count: i64,
    pub created_by: Option<Person>,
}
