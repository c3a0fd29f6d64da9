//! Group conversations (group DMs, issue 16): a private room of 3 to 8
//! people, named by them, opened again (not made twice) when the same set of
//! people asks for it. Being a private room, every read path already checks
//! membership; members may add people up to the bound.

use super::Chat;
use crate::domain::{Room, RoomId, RoomSummary, Timestamp, User, UserId};
use crate::error::{Error, Result};

/// The fewest people in a group conversation (two are a direct message).
pub const GROUP_MIN: usize = 3;
/// The most people in a group conversation (more make a private room).
pub const GROUP_MAX: usize = 8;

impl Chat {
    /// The group conversation of `user` and `usernames`, made on first use
    /// and reused after; returns whether it was made now.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn open_group(&self, user: &User, usernames: &[String]) -> Result<(Room, bool)> {
        // Bounded before any lookup: a long list is refused, not walked.
        if usernames.len() > GROUP_MAX * 2 {
            return Err(too_many());
        }
        let mut others: Vec<(UserId, String)> = Vec::new();
        for name in usernames {
            let other = self.user_named(name.trim().trim_start_matches('@')).await?;
            if other.id != user.id && !others.iter().any(|o| o.0 == other.id) {
                others.push((other.id, other.username));
            }
        }
        let count = others.len() + 1;
        if count < GROUP_MIN {
            return Err(Error::invalid(
                "group_too_small",
                "A group conversation has at least 3 people (you and 2 others); for one other person, start a direct message.",
            ));
        }
        if count > GROUP_MAX {
            return Err(too_many());
        }
        let mut names: Vec<&str> = others.iter().map(|o| o.1.as_str()).collect();
        names.push(&user.username);
        names.sort_by_key(|n| n.to_lowercase());
        let name = names.join(", ");
        let ids = others.iter().map(|o| o.0).collect();
        Ok(self
            .store
            .open_group(user.id, ids, name, Timestamp::now())
            .await?)
    }

    /// Marks the group conversations in a room list.
    pub(super) async fn with_groups(
        &self,
        user: &User,
        mut rooms: Vec<RoomSummary>,
    ) -> Result<Vec<RoomSummary>> {
        let groups = self.store.groups_of(user.id).await?;
        for room in &mut rooms {
            room.group = groups.contains(&room.room.id);
        }
        Ok(rooms)
    }

    /// Refuses adding someone to a group conversation that is full.
    pub(super) async fn refuse_full_group(&self, room: RoomId) -> Result<()> {
        match self.store.group_size(room).await? {
            Some(n) if n as usize >= GROUP_MAX => Err(too_many()),
            _ => Ok(()),
        }
    }
}

fn too_many() -> Error {
    Error::invalid(
        "group_too_large",
        format!(
            "A group conversation has at most {GROUP_MAX} people; make a private room for more."
        ),
    )
}
