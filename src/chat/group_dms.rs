//! Group conversations (group DMs, issue 16): a private room of 3 to 8
//! people, named by them, opened again (not made twice) when the same set of
//! people asks for it. Being a private room, every read path already checks
//! membership; members may add people up to the bound.

use super::Chat;
use crate::domain::{
    Reactor, Room, RoomCare, RoomId, RoomName, RoomSummary, Timestamp, User, UserId, ROOM_NAME_MAX,
};
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
        let name = RoomName::parse(&group_name(&names))?.as_str().to_owned();
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

    /// A group named after its people stays named after them: when someone
    /// joins or leaves, a name that was the old set's becomes the new set's
    /// (one `room.updated` event, by `by`); a name someone chose stays.
    pub(super) async fn follow_group_name(
        &self,
        room: RoomId,
        by: &User,
        joined: Option<&str>,
        left: Option<&str>,
    ) -> Result<()> {
        if self.store.group_size(room).await?.is_none() {
            return Ok(());
        }
        let Some((current, _)) = self.store.room_for(room, by.id).await? else {
            return Ok(());
        };
        let members = self.store.members(room).await?;
        let mut now: Vec<&str> = members.iter().map(|m| m.username.as_str()).collect();
        let mut before: Vec<&str> = now.iter().copied().filter(|n| Some(*n) != joined).collect();
        before.extend(left);
        for names in [&mut now, &mut before] {
            names.sort_by_key(|n| n.to_lowercase());
        }
        let was_derived = current.name.as_deref() == Some(group_name(&before).as_str());
        let name = RoomName::parse(&group_name(&now))?;
        if !was_derived || now.is_empty() || current.name.as_deref() == Some(name.as_str()) {
            return Ok(());
        }
        let who = Reactor {
            user_id: by.id,
            username: by.username.clone(),
        };
        let change = RoomCare::Rename {
            key: name.key(),
            name: name.as_str().to_owned(),
        };
        self.store.care_for_room(room, change, who).await?;
        Ok(())
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

/// "ann, ben, cat"; when that is longer than a room name may be, as many
/// names as fit and how many more: "ann, ben +6".
fn group_name(names: &[&str]) -> String {
    let all = names.join(", ");
    if all.chars().count() <= ROOM_NAME_MAX {
        return all;
    }
    let mut shown = String::new();
    for (i, name) in names.iter().enumerate() {
        let next = if shown.is_empty() {
            (*name).to_owned()
        } else {
            format!("{shown}, {name}")
        };
        let more = format!(" +{}", names.len() - i - 1);
        if next.chars().count() + more.len() > ROOM_NAME_MAX {
            return format!("{shown} +{}", names.len() - i);
        }
        shown = next;
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_named_by_its_members_within_a_room_names_length() {
        assert_eq!(group_name(&["ann", "ben", "cat"]), "ann, ben, cat");
        let long: Vec<String> = (0..8).map(|i| format!("{i}{}", "x".repeat(20))).collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        let name = group_name(&long);
        assert!(name.chars().count() <= ROOM_NAME_MAX, "{name}");
        assert_eq!(name, format!("{}, {} +6", long[0], long[1]));
    }
}
