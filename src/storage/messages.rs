//! Messages and a room's event log: sends, history pages, edits, deletions,
//! threads and the replay behind gap-free resume.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{
    ClientId, Mentions, Message, MessageBody, MessageId, MessageJson, PastRoomEvent, Posted,
    RoomEvent, RoomId, Seq, Timestamp, UserId,
};

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room: RoomId,
    pub author: UserId,
    /// The author's username, so the insert need not look it up.
    pub author_name: String,
    /// The author is a bot; and the name a webhook asked to show.
    pub author_bot: bool,
    #[allow(clippy::box_collection)] // as in `Message`
    pub sent_as: Option<Box<String>>,
    pub client_id: ClientId,
    pub body: MessageBody,
    /// Uploads of the author's to attach, in order (see `record_upload`).
    pub files: Vec<crate::files::FileKey>,
    /// For a reply: its thread, checked again in the insert's transaction.
    pub thread: Option<crate::domain::ThreadPlace>,
    /// Who it mentions (members only, already checked).
    pub mentions: crate::domain::Mentions,
    /// The limits this send must pass, checked in its own transaction.
    pub limits: SendLimits,
}

impl NewMessage {
    /// The message this send becomes with its id and seq, sent at `now`
    /// into a room whose timer is `disappear_after` seconds (0: none).
    /// Every send path of every backend builds it here, so all store the same.
    pub fn compose(
        &self,
        id: MessageId,
        seq: Seq,
        now: Timestamp,
        disappear_after: u32,
    ) -> Message {
        Message {
            id,
            room_id: self.room,
            seq,
            author_id: self.author,
            author: self.author_name.clone(),
            client_id: self.client_id.as_str().to_owned(),
            body: self.body.as_str().to_owned(),
            created_at: now,
            edited_at: None,
            deleted: false,
            thread_root: self.thread.map(|t| t.root),
            also_in_room: self.thread.is_some_and(|t| t.also_in_room),
            thread: None,
            mentions: self.mentions.people.iter().map(|p| p.1.clone()).collect(),
            mentions_room: self.mentions.room,
            expires_at: (disappear_after > 0)
                .then(|| Timestamp(now.millis() + i64::from(disappear_after) * 1000)),
            expired: false,
            files: Vec::new(),
            bot: self.author_bot,
            sent_as: self.sent_as.clone(),
        }
    }
}

/// Send limits that must hold across every node, so the store, which all
/// nodes share, decides them: inside the send's transaction, after the
/// idempotency check (a retry of a stored send is never refused) and
/// before anything is written. A refusal is `StoreError::Limited`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SendLimits {
    /// The room is in slow mode for this author: one message per interval
    /// (per room and member).
    pub slow_mode: Option<std::time::Duration>,
}

/// Which slice of a room's history to read; `limit` is already capped.
#[derive(Debug, Clone, Copy)]
pub enum HistoryPage {
    /// The newest `limit` messages.
    Newest { limit: u32 },
    /// The `limit` messages just before `seq`.
    Before { seq: Seq, limit: u32 },
    /// The `limit` messages just after `seq`.
    After { seq: Seq, limit: u32 },
    /// The tutorial's positional read: skip `offset` messages from the start.
    FromPosition { offset: u64, limit: u32 },
}

/// A room's events after a cursor, and its newest seq as of that read.
#[derive(Debug, Clone)]
pub struct Replay {
    pub events: Vec<RoomEvent>,
    pub last_seq: Seq,
}

#[async_trait]
pub trait Messages: Send + Sync {
    /// Stores the message with the room's next seq, or returns the message
    /// stored before under the same (author, client id). Returns only once the
    /// transaction has committed.
    async fn post_message(&self, message: NewMessage) -> StoreResult<Posted>;
    async fn messages(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<Message>>;
    /// The same page as `messages`, as each message's stored JSON.
    async fn history(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<MessageJson>>;
    async fn message_at(&self, room: RoomId, seq: Seq) -> StoreResult<Option<Message>>;
    /// Blanks the message at `seq` and logs `message.deleted`. `NotFound`
    /// when there is no such message or it is already deleted.
    async fn delete_message(&self, room: RoomId, seq: Seq) -> StoreResult<()>;
    /// The room's events after `after`, oldest first, at most `limit`:
    /// message creations (in their current state) and later changes; and
    /// the room's newest seq, read in the same transaction.
    async fn events_after(&self, room: RoomId, after: Seq, limit: u32) -> StoreResult<Replay>;
    /// A page of the replies to the message at `first`, oldest first.
    async fn thread_replies(
        &self,
        room: RoomId,
        first: Seq,
        page: HistoryPage,
    ) -> StoreResult<Vec<MessageJson>>;
    /// Changes the text of the author's own, not deleted, message at `seq`
    /// and, in the same transaction, who it mentions now (its JSON and the
    /// inbox rows; a mention that stays keeps its place); logs a
    /// `message.edited` event with the room's next seq. `NotFound` when
    /// there is no such message of that author.
    async fn edit_message(
        &self,
        room: RoomId,
        seq: Seq,
        author: UserId,
        body: MessageBody,
        mentions: Mentions,
    ) -> StoreResult<Message>;
    /// The room changes (settings, roles, timer, pins) with a seq in
    /// `first..=last`, oldest first, at most a page's worth (the newest).
    async fn room_changes_between(
        &self,
        room: RoomId,
        first: Seq,
        last: Seq,
    ) -> StoreResult<Vec<PastRoomEvent>>;
}
