//! Messages: send (idempotent by client id) and read history by seq.

use super::rooms::GENERAL;
use super::Chat;
use crate::domain::{ClientId, Message, MessageBody, Posted, RoomId, Seq, User};
use crate::error::{Error, Result};
use crate::storage::{HistoryPage, NewMessage};

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;

/// A history read as a client asks for it.
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryRequest {
    pub before: Option<Seq>,
    pub after: Option<Seq>,
    pub limit: Option<u32>,
}

/// A page of history, oldest first, and whether more lies beyond it in the
/// direction it was read.
#[derive(Debug, Clone)]
pub struct HistorySlice {
    pub messages: Vec<Message>,
    pub has_more: bool,
}

impl Chat {
    /// Stores a message in a room the user is in. Returns once it is
    /// committed; a retry with the same client id returns the original.
    pub async fn post_message(
        &self,
        user: &User,
        room: RoomId,
        client_id: &str,
        body: &str,
    ) -> Result<Posted> {
        let client_id = ClientId::parse(client_id)?;
        self.post(user, room, client_id, body).await
    }

    /// The tutorial's send: into `general`, with a server-made client id.
    pub async fn post_to_general(&self, user: &User, body: &str) -> Result<Posted> {
        self.post(user, GENERAL, ClientId::generate(), body).await
    }

    async fn post(
        &self,
        user: &User,
        room: RoomId,
        client_id: ClientId,
        body: &str,
    ) -> Result<Posted> {
        self.member_room(user, room).await?;
        let body = MessageBody::parse(body, self.policy.max_message_chars)?;
        let posted = self
            .store
            .post_message(NewMessage {
                room,
                author: user.id,
                client_id,
                body,
            })
            .await?;
        if posted.message.room_id != room {
            return Err(Error::conflict(
                "client_id_reused",
                "That client_id was already used for a message in another room.",
            ));
        }
        Ok(posted)
    }

    pub async fn history(
        &self,
        user: &User,
        room: RoomId,
        request: HistoryRequest,
    ) -> Result<HistorySlice> {
        self.member_room(user, room).await?;
        let limit = request.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        // One extra row tells whether there is more without a second query.
        let page = match (request.before, request.after) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "cursor_invalid",
                    "Give either before or after, not both.",
                ));
            }
            (Some(seq), None) => HistoryPage::Before {
                seq,
                limit: limit + 1,
            },
            (None, Some(seq)) => HistoryPage::After {
                seq,
                limit: limit + 1,
            },
            (None, None) => HistoryPage::Newest { limit: limit + 1 },
        };
        let mut messages = self.store.messages(room, page).await?;
        let has_more = messages.len() > limit as usize;
        if has_more {
            match page {
                HistoryPage::After { .. } => messages.truncate(limit as usize),
                _ => {
                    messages.remove(0);
                }
            }
        }
        Ok(HistorySlice { messages, has_more })
    }

    /// The tutorial's `/messages?current=N`: `general` from position N on,
    /// at most `MAX_PAGE` at a time (the tutorial's page asks again with its
    /// new count, so it catches up over a few polls).
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
