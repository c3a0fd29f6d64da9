//! Signed-in devices: each session of a user as they see it in their list.

use serde::Serialize;
use utoipa::ToSchema;

use super::Timestamp;

/// One signed-in session (a browser or a client).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Device {
    /// Names the session for ending it; not its token (16 hex digits of
    /// the token's hash, which cannot sign anyone in).
    pub id: String,
    /// The browser or client, as its `User-Agent` said (at most 200 characters).
    pub user_agent: Option<String>,
    /// The address it was last seen from.
    pub ip: Option<String>,
    pub signed_in_at: Timestamp,
    /// Its last request, to within a few minutes.
    pub last_seen_at: Timestamp,
    /// The session this list was asked for with.
    pub current: bool,
}
