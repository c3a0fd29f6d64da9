//! A search as the store runs it: the parsed query's match expression and
//! filters, with names still as typed (the store resolves them within what
//! the reader can see).

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Message, MessageId, Timestamp, UserId};
use crate::search::SearchQuery;

#[async_trait]
pub trait Search: Send + Sync {
    /// A page of messages that `reader` can read now matching `search`,
    /// newest or best first. Scoped to the reader's memberships in the query.
    async fn search_messages(
        &self,
        reader: UserId,
        search: MessageSearch,
    ) -> StoreResult<Vec<Message>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchOrder {
    #[default]
    Newest,
    /// Best match first (BM25), newest among equals.
    Best,
}

#[derive(Debug, Clone, Default)]
pub struct MessageSearch {
    /// The words, as parsed; each backend renders them in its own query
    /// language (`fts5_match`, `tsquery`). No words: the filters alone.
    pub query: SearchQuery,
    /// Lower-cased room names (any of them); empty: every room.
    pub room_names: Vec<String>,
    /// Room ids (any of them); empty: every room.
    pub room_ids: Vec<i64>,
    /// Lower-cased usernames (any of them); empty: anyone.
    pub author_names: Vec<String>,
    pub before: Option<Timestamp>,
    pub after: Option<Timestamp>,
    pub has_file: bool,
    pub order: SearchOrder,
    /// Newest order: continue below this message id.
    pub below: Option<MessageId>,
    /// Best order: skip this many.
    pub offset: u32,
    pub limit: u32,
}
