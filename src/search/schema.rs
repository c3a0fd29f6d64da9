//! The search index and queries recommended for each backend, as the
//! tests and `natter-libbench` use them (BENCHMARKS.md has the figures
//! that chose them). Copy the DDL into the migrations and the statements
//! into the store; keep the names, so the tests here stay the proof.
//!
//! SQLite: a contentless FTS5 table keyed by `messages.id` (the body is
//! not stored twice; an edit or deletion removes a row's words by giving
//! them again, FTS5's `delete` command: with `contentless_delete=1` a
//! deletion was a tombstone whose table FTS5 rebuilds whole as it grows,
//! holding the writer for up to a third of a second while a million
//! messages expired — BENCHMARKS.md, issue 18), without prefix indexes: they add two more
//! index entries per word and slowed durable inserts most, while prefix
//! queries were as quick without them. A search walks the matches newest
//! first and keeps those in the reader's rooms until it has a page. The
//! store keeps one such table per slice of 100,000 messages by id, named
//! `message_search_<n>` instead (storage/sqlite/search_slices.rs).
//!
//! PostgreSQL: a `tsvector` column on `messages`, filled by the store with
//! `to_tsvector('simple', $n)` where `$n` is `search::index_text(body)`,
//! and a GIN index on it.

/// SQLite: the index, one row per live message (`rowid` = `messages.id`).
pub const SQLITE_INDEX: &str = "
CREATE VIRTUAL TABLE message_search USING fts5(
    body,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);";

/// SQLite, in the message's transaction: `?1` id, `?2` body.
pub const SQLITE_INDEX_MESSAGE: &str = "INSERT INTO message_search (rowid, body) VALUES (?1, ?2)";
/// SQLite, on deletion or expiry, and on edit before the new body is
/// indexed: `?1` id. Runs before `messages.body` changes: FTS5 forgets a
/// row by the very words it took (any other text corrupts the index).
pub const SQLITE_UNINDEX_MESSAGE: &str = "INSERT INTO message_search (message_search, rowid, body)
     SELECT 'delete', id, body FROM messages WHERE id = ?1";

/// SQLite: a page of results newest first. `?1` the `fts5_match()` text,
/// `?2` the reader, `?3` the page size; `?4` a message id to continue
/// below (`NULL` for the first page). Filters add `AND m.room_id IN (…)`,
/// `AND m.author_id IN (…)`, `AND m.created_at < ?` / `>= ?` and, for
/// `has:file`, an `EXISTS` on the attachments table.
pub const SQLITE_SEARCH: &str = "
SELECT m.id, m.room_id, m.seq, m.author_id, m.body, m.created_at
FROM message_search s
JOIN messages m ON m.id = s.rowid
WHERE message_search MATCH ?1
  AND (?4 IS NULL OR s.rowid < ?4)
  AND m.room_id IN (SELECT ms.room_id FROM memberships ms WHERE ms.user_id = ?2)
  AND m.deleted_at IS NULL
ORDER BY s.rowid DESC
LIMIT ?3";

/// PostgreSQL: the column and its index.
pub const POSTGRES_INDEX: &str = "
ALTER TABLE messages ADD COLUMN search tsvector NOT NULL DEFAULT ''::tsvector;
CREATE INDEX messages_search ON messages USING gin (search);";

/// PostgreSQL: a page of results newest first. `$1` the `tsquery()` text,
/// `$2` the reader, `$3` the page size, `$4` a message id to continue below.
pub const POSTGRES_SEARCH: &str = "
SELECT m.id, m.room_id, m.seq, m.author_id, m.body, m.created_at
FROM messages m
WHERE m.search @@ to_tsquery('simple', $1)
  AND ($4::bigint IS NULL OR m.id < $4)
  AND m.room_id IN (SELECT ms.room_id FROM memberships ms WHERE ms.user_id = $2)
  AND m.deleted_at IS NULL
ORDER BY m.id DESC
LIMIT $3";
