//! Messages: send (idempotent by client id) and read history by seq.

use super::rooms::GENERAL;
use super::Chat;
use crate::domain::{
    ClientId, Message, MessageBody, MessageJson, Posted, Role, RoomEvent, RoomId, Seq, ThreadPlace,
    User,
};
use crate::error::{Error, Result};
use crate::storage::{HistoryPage, NewMessage, SendLimits, StoreError};

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;

/// A history read as a client asks for it.
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryRequest {
    pub before: Option<Seq>,
    pub after: Option<Seq>,
    pub limit: Option<u32>,
}

impl HistoryRequest {
    fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
    }

    /// The page to read: one row more than asked for, which tells whether
    /// there is more without a second query (see `trim`).
    pub(super) fn page(&self) -> Result<HistoryPage> {
        let limit = self.limit() + 1;
        Ok(match (self.before, self.after) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "cursor_invalid",
                    "Give either before or after, not both.",
                ))
            }
            (Some(seq), None) => HistoryPage::Before { seq, limit },
            (None, Some(seq)) => HistoryPage::After { seq, limit },
            (None, None) => HistoryPage::Newest { limit },
        })
    }

    /// Drops `page`'s extra row from `rows` (oldest first), at the end away
    /// from the cursor; returns whether there was one (more lies beyond).
    pub(super) fn trim<T>(&self, page: HistoryPage, rows: &mut Vec<T>) -> bool {
        let limit = self.limit() as usize;
        let has_more = rows.len() > limit;
        if has_more {
            match page {
                HistoryPage::After { .. } => rows.truncate(limit),
                _ => {
                    rows.remove(0);
                }
            }
        }
        has_more
    }
}

/// A page of history, oldest first, and whether more lies beyond it in the
/// direction it was read.
#[derive(Debug, Clone)]
pub struct HistorySlice {
    pub messages: Vec<MessageJson>,
    pub has_more: bool,
    /// The reactions on these messages.
    pub reactions: Vec<crate::domain::ReactionGroup>,
    /// The room changes among them (see `room_history`).
    pub changes: Vec<crate::domain::PastRoomEvent>,
}

impl Chat {
    /// Stores a message in a room the user is in. Returns once it is
    /// committed; a retry with the same client id returns the original.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn post_message(
        &self,
        user: &User,
        room: RoomId,
        client_id: &str,
        body: &str,
    ) -> Result<Posted> {
        let client_id = ClientId::parse(client_id)?;
        self.post(user, room, client_id, body, None, Vec::new())
            .await
    }

    /// The tutorial's send: into `general`, with a server-made client id.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn post_to_general(&self, user: &User, body: &str) -> Result<Posted> {
        self.post(user, GENERAL, ClientId::generate(), body, None, Vec::new())
            .await
    }

    pub(super) async fn post(
        &self,
        user: &User,
        room: RoomId,
        client_id: ClientId,
        body: &str,
        thread: Option<ThreadPlace>,
        files: Vec<crate::files::FileKey>,
    ) -> Result<Posted> {
        self.post_as(user, room, client_id, body, (thread, files), None)
            .await
    }

    /// `post`, with the name an incoming webhook asked to show (`sent_as`).
    pub(super) async fn post_as(
        &self,
        user: &User,
        room: RoomId,
        client_id: ClientId,
        body: &str,
        (thread, files): (Option<ThreadPlace>, Vec<crate::files::FileKey>),
        sent_as: Option<String>,
    ) -> Result<Posted> {
        let started = std::time::Instant::now();
        let (access, role) = self.member_access(user, room).await?;
        let body =
            MessageBody::parse_caption(body, self.policy.max_message_chars, !files.is_empty())?;
        super::room_care::refuse_if_archived(access)?;
        if let Some(rate) = self.limits.sends_per_user {
            // The store keeps the buckets, so a user sending through
            // several nodes gets the rate once, not once per node.
            self.store
                .take_send(user.id, rate)
                .await
                .map_err(|e| self.limits.store_refusal(e))?;
        }
        // Decided by the store, in the send's transaction: every node
        // shares it, so slow mode holds however many nodes there are.
        let limits = SendLimits {
            slow_mode: (access.slow_mode_secs > 0 && role != Role::Owner)
                .then(|| std::time::Duration::from_secs(u64::from(access.slow_mode_secs))),
        };
        let mentions = self.mentions_in(user, room, access, role, &body).await?;
        let has_files = !files.is_empty();
        let posted = self
            .store
            .post_message(NewMessage {
                room,
                author: user.id,
                author_name: user.username.clone(),
                author_bot: user.bot,
                sent_as: sent_as.map(Box::new),
                client_id,
                body,
                thread,
                mentions,
                files,
                limits,
            })
            .await
            .map_err(|e| match e {
                StoreError::Limited { .. } => self.limits.store_refusal(e),
                // The room was checked above: a missing row is an upload.
                StoreError::NotFound if has_files => Error::invalid(
                    "upload_unknown",
                    "A file of this message is not an upload of yours waiting to be sent; upload it again.",
                ),
                other => message_error(other),
            })?;
        if posted.message.room_id != room {
            return Err(Error::conflict(
                "client_id_reused",
                "That client_id was already used for a message in another room.",
            ));
        }
        if let Some(at) = posted.message.expires_at {
            self.expiry.stored(at);
        }
        self.send_ack.record(started.elapsed());
        Ok(posted)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn history(
        &self,
        user: &User,
        room: RoomId,
        request: HistoryRequest,
    ) -> Result<HistorySlice> {
        self.member_access(user, room).await?;
        let page = request.page()?;
        let mut messages = self.store.history(room, page).await?;
        let has_more = request.trim(page, &mut messages);
        let reactions = self.page_reactions(room, &messages).await?;
        let changes = self.page_changes(room, page, &messages, has_more).await?;
        Ok(HistorySlice {
            messages,
            has_more,
            reactions,
            changes,
        })
    }

    /// The tutorial's `/messages?current=N`: `general` from position N on,
    /// at most `MAX_PAGE` at a time (the tutorial's page asks again with its
    /// new count, so it catches up over a few polls).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn general_from_position(&self, offset: u64) -> Result<Vec<Message>> {
        Ok(self
            .store
            .messages(
                GENERAL,
                HistoryPage::FromPosition {
                    offset,
                    limit: MAX_PAGE * 5,
                },
            )
            .await?)
    }
}

impl Chat {
    /// Changes the text of one's own message.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn edit_message(
        &self,
        user: &User,
        room: RoomId,
        seq: Seq,
        body: &str,
    ) -> Result<Message> {
        let (access, role) = self.member_access(user, room).await?;
        let body = MessageBody::parse(body, self.policy.max_message_chars)?;
        super::room_care::refuse_if_archived(access)?;
        let message = self.live_message(room, seq).await?;
        if message.author_id != user.id {
            return Err(Error::Forbidden(
                "You can only edit your own messages.".into(),
            ));
        }
        // An edit may add or take back a mention: the inbox follows the text.
        let mentions = self.mentions_in(user, room, access, role, &body).await?;
        self.store
            .edit_message(room, seq, user.id, body, mentions)
            .await
            .map_err(message_error)
    }

    /// Deletes a message: its author may, and so may the room's owner.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn delete_message(&self, user: &User, room: RoomId, seq: Seq) -> Result<()> {
        let (access, role) = self.member_access(user, room).await?;
        super::room_care::refuse_if_archived(access)?;
        let message = self.live_message(room, seq).await?;
        let someone_elses = message.author_id != user.id;
        if someone_elses && !self.moderates(user, role).await? {
            return Err(Error::Forbidden(
                "You can only delete your own messages.".into(),
            ));
        }
        let files = self.files_to_remove(room, seq).await?;
        if someone_elses {
            // A moderator's delete is audited in its own transaction.
            let target = format!("message {seq} by {}", message.author);
            let change = crate::storage::AuditedChange::DeleteMessage { room, seq };
            self.audited(user, "message.delete", target, Some(room), change)
                .await
                .map_err(|e| match e {
                    Error::NotFound(_) => Error::not_found("Message not found."),
                    other => other,
                })?;
        } else {
            self.store
                .delete_message(room, seq)
                .await
                .map_err(message_error)?;
        }
        self.remove_files(files).await;
        Ok(())
    }

    /// The message at `seq`, unless it is missing or deleted.
    pub(super) async fn live_message(&self, room: RoomId, seq: Seq) -> Result<Message> {
        let message = self
            .store
            .message_at(room, seq)
            .await?
            .filter(|m| !m.deleted);
        message.ok_or_else(|| Error::not_found("Message not found."))
    }

    /// Whether `user` may listen to `room`: the check of `replay`, for a
    /// resume that has nothing to replay.
    pub async fn check_listener(&self, user: &User, room: RoomId) -> Result<()> {
        self.member_access(user, room).await.map(|_| ())
    }

    /// A member's catch-up: the room's events after `after` (at most
    /// `limit`), and the room's newest seq as of the check.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn replay(
        &self,
        user: &User,
        room: RoomId,
        after: Seq,
        limit: u32,
    ) -> Result<(Vec<RoomEvent>, Seq)> {
        self.member_access(user, room).await?;
        if after.0 < 0 {
            return Err(Error::invalid(
                "cursor_invalid",
                "A seq cursor cannot be negative.",
            ));
        }
        let replay = self.store.events_after(room, after, limit).await?;
        Ok((replay.events, replay.last_seq))
    }
}

/// A message that vanished between the check and the write reads as missing.
fn message_error(e: StoreError) -> Error {
    match e {
        StoreError::NotFound => Error::not_found("Message not found."),
        other => other.into(),
    }
}
