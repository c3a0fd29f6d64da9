//! People's statuses (issue 16): set one's own, read one's own, and read
//! those of a room's members (as its member list is read: members, or
//! anyone for a public room).

use super::Chat;
use crate::domain::{MemberStatus, RoomId, Timestamp, User, UserStatus};
use crate::error::Result;

impl Chat {
    /// Sets my status; one with neither text nor emoji clears it.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn set_status(
        &self,
        user: &User,
        text: &str,
        emoji: Option<&str>,
        until: Option<Timestamp>,
    ) -> Result<Option<UserStatus>> {
        let status = UserStatus::parse(text, emoji, until, Timestamp::now())?;
        self.store.set_status(user.id, status.clone()).await?;
        Ok(status)
    }

    pub async fn status(&self, user: &User) -> Result<Option<UserStatus>> {
        Ok(self.store.status_of(user.id, Timestamp::now()).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn member_statuses(&self, user: &User, room: RoomId) -> Result<Vec<MemberStatus>> {
        self.visible_room(user, room).await?;
        Ok(self.store.member_statuses(room, Timestamp::now()).await?)
    }
}
