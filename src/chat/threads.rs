//! Threads: reply to a message (the reply is a message of the room, with
//! its own seq, naming its thread's first message) and read a thread.

use super::{Chat, HistoryRequest};
use crate::domain::{ClientId, Message, MessageJson, Posted, RoomId, Seq, ThreadPlace, User};
use crate::error::{Error, Result};

/// A page of a thread: its first message and replies, oldest first.
#[derive(Debug, Clone)]
pub struct ThreadSlice {
    pub root: Message,
    pub replies: Vec<MessageJson>,
    /// Whether more replies lie beyond this page in the direction read.
    pub has_more: bool,
}

impl Chat {
    /// Replies to the message at `parent`; a reply to a reply joins the
    /// thread of the first message. `also_in_room` shows the reply in the
    /// room's timeline too. Idempotent by client id like any send.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn post_reply(
        &self,
        user: &User,
        room: RoomId,
        parent: Seq,
        client_id: &str,
        body: &str,
        also_in_room: bool,
    ) -> Result<Posted> {
        let client_id = ClientId::parse(client_id)?;
        self.member_access(user, room).await?;
        let parent = self.live_message(room, parent).await?;
        let place = ThreadPlace {
            root: parent.thread_root.unwrap_or(parent.seq),
            also_in_room,
        };
        let posted = self
            .post(user, room, client_id, body, Some(place), Vec::new())
            .await?;
        if posted.message.thread_root != Some(place.root) {
            return Err(Error::conflict(
                "client_id_reused",
                "That client_id was already used for another message.",
            ));
        }
        Ok(posted)
    }

    /// The thread the message at `seq` belongs to (or starts): members only.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn thread(
        &self,
        user: &User,
        room: RoomId,
        seq: Seq,
        request: HistoryRequest,
    ) -> Result<ThreadSlice> {
        self.member_access(user, room).await?;
        let not_found = || Error::not_found("Message not found.");
        let mut first = self
            .store
            .message_at(room, seq)
            .await?
            .ok_or_else(not_found)?;
        if let Some(root_seq) = first.thread_root {
            first = self
                .store
                .message_at(room, root_seq)
                .await?
                .ok_or_else(not_found)?;
        }
        let page = request.page()?;
        let mut replies = self.store.thread_replies(room, first.seq, page).await?;
        let has_more = request.trim(page, &mut replies);
        Ok(ThreadSlice {
            root: first,
            replies,
            has_more,
        })
    }
}
