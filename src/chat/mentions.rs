//! Mentions and notification levels: who a message mentions (members only;
//! the whole room only for those allowed), each user's mentions inbox and
//! per-room counts, how much of each room they want to hear about, and a
//! do-not-disturb with an end time.

use super::Chat;
use crate::domain::{
    mentioned_names, MentionEntry, Mentions, MessageBody, NotificationLevel, Role, RoomId,
    RoomKind, RoomSummary, Timestamp, User,
};
use crate::error::{Error, Result};
use crate::storage::RoomAccess;

pub const INBOX_PAGE: u32 = 50;
/// The longest do-not-disturb: a year.
const LONGEST_QUIET_MS: i64 = 366 * 24 * 3600 * 1000;

impl Chat {
    /// Who `body` mentions: members of the room named by `@username`
    /// (never the author), and the whole room for `@room`/`@here` when the
    /// author is its owner, or the room lets members do it. Costs nothing
    /// for a message without an `@`.
    pub(super) async fn mentions_in(
        &self,
        author: &User,
        room: RoomId,
        access: RoomAccess,
        role: Role,
        body: &MessageBody,
    ) -> Result<Mentions> {
        let names = mentioned_names(body.as_str());
        if names.is_empty() {
            return Ok(Mentions::default());
        }
        let (everyone, people): (Vec<String>, Vec<String>) =
            names.into_iter().partition(|n| n == "room" || n == "here");
        let room_wide = !everyone.is_empty()
            && (role == Role::Owner
                || access.kind == RoomKind::Direct
                || self.store.members_may_mention_room(room).await?);
        let people = if people.is_empty() {
            Vec::new()
        } else {
            self.store
                .members_named(room, people)
                .await?
                .into_iter()
                .filter(|m| m.user_id != author.id)
                .map(|m| (m.user_id, m.username))
                .collect()
        };
        Ok(Mentions {
            people,
            room: room_wide,
        })
    }

    /// The messages that mention `user`, newest first, in rooms they are in.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn mentions_inbox(
        &self,
        user: &User,
        before: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<MentionEntry>> {
        let limit = limit
            .unwrap_or(INBOX_PAGE)
            .clamp(1, super::messages::MAX_PAGE);
        Ok(self.store.mentions_of(user.id, before, limit).await?)
    }

    /// The room list with each room's unread mentions and my level there.
    pub(super) async fn with_mentions_and_levels(
        &self,
        user: &User,
        mut rooms: Vec<RoomSummary>,
    ) -> Result<Vec<RoomSummary>> {
        let counts = self.store.mention_counts(user.id).await?;
        let levels = self.store.notification_levels(user.id).await?;
        for room in &mut rooms {
            let id = room.room.id;
            room.mentions = counts.iter().find(|c| c.0 == id).map_or(0, |c| c.1);
            room.notification_level = levels
                .iter()
                .find(|l| l.0 == id)
                .map_or_else(NotificationLevel::default, |l| l.1);
        }
        Ok(rooms)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn set_notification_level(
        &self,
        user: &User,
        room: RoomId,
        level: NotificationLevel,
    ) -> Result<()> {
        self.member_access(user, room).await?;
        Ok(self
            .store
            .set_notification_level(room, user.id, level)
            .await?)
    }

    /// Whether plain members may mention the whole room; the owner's call.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn set_room_mentions(&self, user: &User, room: RoomId, members: bool) -> Result<()> {
        let (_, role) = self.member_access(user, room).await?;
        if role != Role::Owner {
            return Err(Error::Forbidden(
                "Only the room's owner can choose who may mention everyone.".into(),
            ));
        }
        Ok(self
            .store
            .set_members_may_mention_room(room, members)
            .await?)
    }

    /// Until when `user` is not to be disturbed; `None` once it has passed.
    pub async fn do_not_disturb(&self, user: &User) -> Result<Option<Timestamp>> {
        let until = self.store.do_not_disturb(user.id).await?;
        Ok(until.filter(|t| *t > Timestamp::now()))
    }

    /// Turns do-not-disturb on until `until` (within a year), or off.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn set_do_not_disturb(&self, user: &User, until: Option<Timestamp>) -> Result<()> {
        if let Some(t) = until {
            let now = Timestamp::now();
            if t <= now {
                return Err(Error::invalid(
                    "time_passed",
                    "That end time has already passed; choose a time in the future.",
                ));
            }
            if t.0 - now.0 > LONGEST_QUIET_MS {
                return Err(Error::invalid(
                    "time_too_far",
                    "Do not disturb can last at most a year.",
                ));
            }
        }
        Ok(self.store.set_do_not_disturb(user.id, until).await?)
    }
}
