//! Search: what a reader types (never an error), narrowed by filters,
//! over the messages of the rooms they are in now, with highlighted
//! snippets, a page at a time.

use super::Chat;
use crate::domain::{Message, MessageId, RoomId, Timestamp, User};
use crate::error::{Error, Result};
use crate::search::{snippet, Fragment, SearchQuery};
use crate::storage::{MessageSearch, SearchOrder};

pub const DEFAULT_SEARCH_PAGE: u32 = 20;
pub const MAX_SEARCH_PAGE: u32 = 50;
/// Words of a message shown around its matches.
const SNIPPET_WORDS: usize = 24;

/// A search as a client asks for it: the typed text (which may hold
/// `in:`, `from:`, `before:`, `after:`, `has:file`) and filters picked in
/// the interface besides.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub text: String,
    pub room: Option<RoomId>,
    pub author: Option<String>,
    /// `YYYY-MM-DD`, UTC days as `before:` and `after:` read them.
    pub before: Option<String>,
    pub after: Option<String>,
    pub has_file: bool,
    pub best_first: bool,
    /// From the previous page's `next`.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct SearchHit {
    pub message: Message,
    pub snippet: Vec<Fragment>,
}

#[derive(Debug, Clone)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// Give it as `cursor` for the next page; `None` on the last.
    pub next: Option<String>,
}

impl Chat {
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn search(&self, user: &User, request: SearchRequest) -> Result<SearchPage> {
        let mut query = SearchQuery::parse(&request.text);
        if let Some(day) = &request.before {
            query.filters.before = Some(day_filter(day, "before")?);
        }
        if let Some(day) = &request.after {
            query.filters.after = Some(day_filter(day, "after")?);
        }
        if let Some(author) = &request.author {
            query
                .filters
                .authors
                .push(author.trim_start_matches('@').to_owned());
        }
        query.filters.has_file |= request.has_file;
        let empty = SearchPage {
            hits: Vec::new(),
            next: None,
        };
        if query.is_empty() && request.room.is_none() {
            return Ok(empty);
        }
        let limit = request
            .limit
            .unwrap_or(DEFAULT_SEARCH_PAGE)
            .clamp(1, MAX_SEARCH_PAGE);
        let order = if request.best_first && query.has_text() {
            SearchOrder::Best
        } else {
            SearchOrder::Newest
        };
        let (below, offset) = cursor(request.cursor.as_deref(), order)?;
        let search = MessageSearch {
            query: query.clone(),
            room_names: lower(&query.filters.rooms, '#'),
            room_ids: request.room.map(|r| r.0).into_iter().collect(),
            author_names: lower(&query.filters.authors, '@'),
            before: query.filters.before,
            after: query.filters.after,
            has_file: query.filters.has_file,
            order,
            below,
            offset,
            // One more tells whether there is a next page.
            limit: limit + 1,
        };
        let mut messages = self.store.search_messages(user.id, search).await?;
        let more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        let next = match (more, order, messages.last()) {
            (true, SearchOrder::Newest, Some(last)) => Some(last.id.0.to_string()),
            (true, SearchOrder::Best, Some(_)) => Some(format!("o{}", offset + limit)),
            _ => None,
        };
        let hits = messages
            .into_iter()
            .map(|message| SearchHit {
                snippet: snippet(&message.body, &query, SNIPPET_WORDS),
                message,
            })
            .collect();
        Ok(SearchPage { hits, next })
    }
}

/// A `YYYY-MM-DD` read as the query language reads `before:`/`after:`.
fn day_filter(day: &str, which: &'static str) -> Result<Timestamp> {
    let parsed = SearchQuery::parse(&format!("{which}:{}", day.trim())).filters;
    let found = if which == "before" {
        parsed.before
    } else {
        parsed.after
    };
    found.ok_or_else(|| {
        Error::invalid(
            "date_invalid",
            format!("Give {which} as a date like 2026-12-05."),
        )
    })
}

fn cursor(text: Option<&str>, order: SearchOrder) -> Result<(Option<MessageId>, u32)> {
    let bad = || Error::invalid("cursor_invalid", "That cursor is not from this search.");
    match (text, order) {
        (None, _) => Ok((None, 0)),
        (Some(t), SearchOrder::Newest) => Ok((Some(MessageId(t.parse().map_err(|_| bad())?)), 0)),
        (Some(t), SearchOrder::Best) => {
            let offset = t.strip_prefix('o').ok_or_else(bad)?;
            Ok((None, offset.parse().map_err(|_| bad())?))
        }
    }
}

/// Names as typed, matched as stored keys: lower case, without `#`/`@`.
fn lower(names: &[String], sigil: char) -> Vec<String> {
    names
        .iter()
        .map(|n| n.trim_start_matches(sigil).to_lowercase())
        .collect()
}
