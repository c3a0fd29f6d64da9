//! Profiles (issue 17): display names and avatars. Each change announces
//! `Event::Person` to the rooms the person is in, from its transaction.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{AvatarFiles, PersonProfile, Timestamp, UserId};

#[async_trait]
pub trait Profiles: Send + Sync {
    /// Sets (or with `None` removes) the user's display name.
    async fn set_display_name(
        &self,
        user: UserId,
        name: Option<String>,
        now: Timestamp,
    ) -> StoreResult<PersonProfile>;
    /// Sets (or with `None` removes) the user's avatar. The files of the
    /// avatar it replaces are queued for deletion in the same transaction
    /// (`pending_file_deletions`).
    async fn set_avatar(
        &self,
        user: UserId,
        avatar: Option<AvatarFiles>,
        now: Timestamp,
    ) -> StoreResult<PersonProfile>;
    async fn profile_of(&self, user: UserId) -> StoreResult<PersonProfile>;
    /// The profiles of those named who have set a display name or an
    /// avatar (names compared as usernames are: without case).
    async fn profiles_named(&self, usernames: Vec<String>) -> StoreResult<Vec<PersonProfile>>;
    /// If `key` is a current avatar's (big) key: the file to serve (the
    /// small one if `small`) and its mime.
    async fn avatar_file(&self, key: String, small: bool) -> StoreResult<Option<(String, String)>>;
}
