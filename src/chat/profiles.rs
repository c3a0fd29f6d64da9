//! Profiles (issue 17): my display name and avatar, and the one place the
//! other people in an answer get theirs (`with_profiles`, `authors_of`).
//! Avatars are public within the server: any signed-in user may load one.

use std::collections::{BTreeSet, HashMap};

use bytes::Bytes;
use futures_util::Stream;

use super::Chat;
use crate::domain::{
    AvatarFiles, MessageJson, PersonProfile, Profile, ProfileName, Profiled, Timestamp, User,
};
use crate::error::{Error, Result};
use crate::files::{self, ContentKind, FileKey, Preview, StoredFile, UploadLimit};

/// The side of an avatar as the timeline and lists show it (large screens).
pub const AVATAR_SIDE: u32 = 256;
/// The side of the small avatar (`?size=64`).
pub const AVATAR_SMALL_SIDE: u32 = 64;
/// The largest picture taken for an avatar (less if uploads are smaller).
const AVATAR_MAX_BYTES: u64 = 10 << 20;

/// An avatar file to serve.
pub struct AvatarDownload {
    pub mime: String,
    /// Never changes under its key: the key is its entity tag.
    pub key: FileKey,
    pub file: StoredFile,
}

impl Chat {
    /// My profile as others see it.
    pub async fn profile(&self, user: &User) -> Result<PersonProfile> {
        Ok(self.store.profile_of(user.id).await?)
    }

    /// Sets my display name (`None` removes it); my room-mates hear of it.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn set_display_name(&self, user: &User, name: Option<&str>) -> Result<PersonProfile> {
        let name = name.map(ProfileName::parse).transpose()?;
        Ok(self
            .store
            .set_display_name(
                user.id,
                name.map(ProfileName::into_string),
                Timestamp::now(),
            )
            .await?)
    }

    /// Takes a picture in as my avatar: streamed to the file store within
    /// the size limit, checked to be an image by its content, decoded
    /// within the image limits (a bomb is refused before its pixels are
    /// allocated) off the async runtime, turned the way its EXIF says,
    /// cropped to its centre square and re-encoded at two sizes (so no
    /// metadata survives). The original is not kept.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn set_avatar<S, E>(
        &self,
        user: &User,
        body: S,
        declared: Option<u64>,
    ) -> Result<PersonProfile>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let files = self
            .files
            .as_ref()
            .ok_or_else(|| Error::Unavailable("This server does not take files.".into()))?;
        let limit = UploadLimit::per_file(files.settings.max_upload_bytes.min(AVATAR_MAX_BYTES));
        let up = files::receive(&*files.store, body, declared, limit).await?;
        let made = if up.kind.is_image() {
            self.avatar_images(&up.key).await
        } else {
            Err(Error::from(files::PreviewError::NotAnImage))
        };
        let _ = files.store.delete(&up.key).await;
        let (big, small) = made?;
        let mime = big.mime.to_owned();
        let key = files::put_bytes(&*files.store, big.bytes).await?;
        let small_key = match files::put_bytes(&*files.store, small.bytes).await {
            Ok(k) => k,
            Err(e) => {
                let _ = files.store.delete(&key).await;
                return Err(e.into());
            }
        };
        let avatar = AvatarFiles {
            key: key.to_string(),
            small_key: small_key.to_string(),
            mime,
        };
        match self
            .store
            .set_avatar(user.id, Some(avatar), Timestamp::now())
            .await
        {
            Ok(profile) => {
                self.drop_replaced_files().await;
                Ok(profile)
            }
            Err(e) => {
                let _ = files.store.delete(&key).await;
                let _ = files.store.delete(&small_key).await;
                Err(e.into())
            }
        }
    }

    /// The two sizes of an avatar, from the stored original.
    async fn avatar_images(
        &self,
        key: &FileKey,
    ) -> Result<(files::PreviewImage, files::PreviewImage)> {
        let files = self.files.as_ref().expect("checked by the caller");
        let big = files
            .workers
            .preview(&*files.store, key, Preview::Avatar { side: AVATAR_SIDE })
            .await?
            .preview;
        // From the big one: a 256-pixel decode costs little.
        let small = files
            .workers
            .run(
                big.bytes.clone(),
                Preview::Avatar {
                    side: AVATAR_SMALL_SIDE,
                },
            )
            .await?
            .preview;
        Ok((big, small))
    }

    /// Removes my avatar: initials are shown again.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn remove_avatar(&self, user: &User) -> Result<PersonProfile> {
        let profile = self
            .store
            .set_avatar(user.id, None, Timestamp::now())
            .await?;
        self.drop_replaced_files().await;
        Ok(profile)
    }

    /// Deletes the bytes of replaced avatars (queued in their commit); a
    /// failure leaves them queued for the next round.
    async fn drop_replaced_files(&self) {
        if let Err(e) = self.delete_expired_files().await {
            tracing::warn!(error = %e, "a replaced avatar's files stay until the next round");
        }
    }

    /// Opens an avatar (the small one if `small`) for any signed-in user
    /// (avatars are public within the server). A key that is no current
    /// avatar is a 404.
    pub async fn open_avatar(&self, key: &str, small: bool) -> Result<AvatarDownload> {
        let missing = || Error::not_found("No such avatar.");
        let files = self.files.as_ref().ok_or_else(missing)?;
        let key = FileKey::parse(key).ok_or_else(missing)?;
        let (stored, mime) = self
            .store
            .avatar_file(key.to_string(), small)
            .await?
            .ok_or_else(missing)?;
        let key = FileKey::parse(&stored).ok_or_else(missing)?;
        let file = files.store.open(&key).await.map_err(|e| match e {
            files::FileError::NotFound => missing(),
            other => other.into(),
        })?;
        // Only what `avatar_images` made: JPEG or PNG.
        let mime = ContentKind::from_stored(&mime).served_type().to_owned();
        Ok(AvatarDownload { mime, key, file })
    }

    /// Fills in each person's display name and avatar: the one place user
    /// objects of an answer get them.
    pub async fn with_profiles<T: Profiled>(&self, mut people: Vec<T>) -> Result<Vec<T>> {
        let names: Vec<String> = people.iter().map(|p| p.username().to_owned()).collect();
        let found = self.profiles_by_key(names).await?;
        for person in &mut people {
            if let Some(profile) = found.get(&person.username().to_ascii_lowercase()) {
                person.set_profile(profile.clone());
            }
        }
        Ok(people)
    }

    /// Direct rooms name their other person: with their profile.
    pub(super) async fn with_peer_profiles(
        &self,
        mut rooms: Vec<crate::domain::RoomSummary>,
    ) -> Result<Vec<crate::domain::RoomSummary>> {
        let peers: Vec<String> = rooms.iter().filter_map(|r| r.peer.clone()).collect();
        let found = self.profiles_by_key(peers).await?;
        for room in &mut rooms {
            if let Some(peer) = &room.peer {
                room.peer_profile = found.get(&peer.to_ascii_lowercase()).cloned();
            }
        }
        Ok(rooms)
    }

    /// The profiles of the authors of `messages` who set a display name or
    /// an avatar: messages are stored encoded once, so a profile change
    /// must not rewrite them; their authors' profiles travel beside them.
    pub async fn authors_of<'a>(
        &self,
        messages: impl IntoIterator<Item = &'a MessageJson>,
    ) -> Result<Vec<PersonProfile>> {
        #[derive(serde::Deserialize)]
        struct Author<'s> {
            #[serde(borrow)]
            author: std::borrow::Cow<'s, str>,
        }
        let names: BTreeSet<String> = messages
            .into_iter()
            .filter_map(|m| serde_json::from_str::<Author<'_>>(m.as_str()).ok())
            .map(|a| a.author.into_owned())
            .collect();
        self.authors_named(names).await
    }

    /// The profiles of the people named who set a display name or avatar.
    pub async fn authors_named(
        &self,
        names: impl IntoIterator<Item = String>,
    ) -> Result<Vec<PersonProfile>> {
        let names: BTreeSet<String> = names.into_iter().collect();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .profiles_named(names.into_iter().collect())
            .await?)
    }

    async fn profiles_by_key(&self, names: Vec<String>) -> Result<HashMap<String, Profile>> {
        Ok(self
            .authors_named(names)
            .await?
            .into_iter()
            .map(|p| (p.username.to_ascii_lowercase(), p.profile))
            .collect())
    }
}
