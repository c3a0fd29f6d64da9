//! The query side of full-text search, for both backends: what a user
//! types becomes a `SearchQuery` (never an error), which renders as an
//! SQLite FTS5 `MATCH` expression or a PostgreSQL `tsquery`, plus the
//! filters to apply in SQL and a highlighter for the results. Nothing here
//! runs SQL or knows who is asking: the store joins every search to the
//! reader's memberships (see `schema` for the recommended tables and
//! queries, measured in BENCHMARKS.md).
//!
//! # Wiring a search (`GET /api/v1/search?q=…&before=…`)
//! ```text
//! let query = SearchQuery::parse(&q);
//! if query.is_empty() { return 200 with no results }    // nothing typed
//! // resolve names within what the reader can see; an unknown or
//! // non-member room simply matches nothing (never a 404 that tells)
//! let rooms = store.member_rooms_named(user, &query.filters.rooms);
//! let authors = store.users_named(&query.filters.authors);
//! // SQLite: schema::SQLITE_SEARCH with query.fts5_match()
//! // PostgreSQL: schema::POSTGRES_SEARCH with query.tsquery()
//! // (no text, only filters: the same queries without the MATCH/@@ part)
//! for hit in rows { snippet(&hit.body, &query, 24) }   // -> JSON parts
//! ```
//! Keep the index in step with the messages: SQLite inserts new ones in
//! batches behind the sends and catches up before every search
//! (storage/sqlite/search_queue.rs); replace on edit and delete on
//! deletion and expiry in that change's transaction.

mod highlight;
mod parse;
mod render;
pub mod schema;
mod words;

#[cfg(test)]
mod fts5_tests;
#[cfg(test)]
mod pg_tests;
#[cfg(test)]
mod tests_corpus;

use serde::Serialize;

use crate::domain::Timestamp;

pub use highlight::{snippet, Fragment};
pub use parse::{MAX_FILTER_VALUES, MAX_PHRASE_WORDS, MAX_QUERY_CHARS, MAX_TERMS};
pub use words::{fold, index_text, words, MAX_WORD_CHARS};

/// A parsed search: every clause must match, no excluded term may.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub clauses: Vec<Clause>,
    pub excluded: Vec<Term>,
    pub filters: Filters,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    Term(Term),
    /// `a OR b OR …`: at least one.
    AnyOf(Vec<Term>),
}

/// One word, or a phrase of words in order; folded (see `fold`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub words: Vec<String>,
    /// The last word matches any word it starts.
    pub prefix: bool,
}

/// What narrows a search besides its words. Names are as typed (without
/// `#` or `@`); the store resolves them, rooms among the reader's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Filters {
    /// `in:` — any of these rooms.
    pub rooms: Vec<String>,
    /// `from:` — by any of these users.
    pub authors: Vec<String>,
    /// `before:` — created before this instant.
    pub before: Option<Timestamp>,
    /// `after:` — created at or after this instant.
    pub after: Option<Timestamp>,
    /// `has:file` — only messages with an attachment.
    pub has_file: bool,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl SearchQuery {
    /// No words and no filters: nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty() && self.filters.is_empty()
    }

    /// Whether there are words to match (else only the filters apply).
    pub fn has_text(&self) -> bool {
        !self.clauses.is_empty()
    }

    /// Every term the results should highlight (exclusions are not shown).
    fn wanted_terms(&self) -> impl Iterator<Item = &Term> {
        self.clauses.iter().flat_map(|c| match c {
            Clause::Term(t) => std::slice::from_ref(t),
            Clause::AnyOf(ts) => ts.as_slice(),
        })
    }
}
