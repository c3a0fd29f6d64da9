//! Finding people and rooms: the user directory (anyone can be found by the
//! start of their name, as anyone can be messaged by name) and a room's
//! details for whoever may see the room.

use super::Chat;
use crate::domain::{Person, RoomDetails, RoomId, User, USERNAME_MAX};
use crate::error::Result;

const DEFAULT_PEOPLE: u32 = 20;
const MAX_PEOPLE: u32 = 50;

impl Chat {
    /// People whose name starts with `query` (case ignored; a leading `@`
    /// is allowed), by name, at most `limit` (1–50, 20 by default). A query
    /// no username could start with finds nobody.
    pub async fn find_people(&self, query: &str, limit: Option<u32>) -> Result<Vec<Person>> {
        let prefix = query.trim();
        let prefix = prefix.strip_prefix('@').unwrap_or(prefix);
        let possible = prefix.len() <= USERNAME_MAX
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !possible {
            return Ok(Vec::new());
        }
        let limit = limit.unwrap_or(DEFAULT_PEOPLE).clamp(1, MAX_PEOPLE);
        let people = self
            .store
            .users_starting_with(&prefix.to_ascii_lowercase(), limit)
            .await?;
        self.with_profiles(people).await
    }

    /// A room with how many are in it and who made it: any public room, or
    /// a room the user is in (anything else is 404, as for `room`).
    pub async fn room_details(&self, user: &User, id: RoomId) -> Result<RoomDetails> {
        let (room, _) = self.visible_room(user, id).await?;
        let about = self.store.room_about(id).await?;
        Ok(RoomDetails {
            room,
            member_count: about.member_count,
            created_by: about.created_by,
        })
    }
}
