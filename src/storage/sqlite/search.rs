//! Full-text search in SQLite: the FTS5 index kept in step with messages
//! (new ones in batches, search_queue.rs; edits and deletions in their
//! own transaction),
//! and the search itself, joined to the reader's memberships.

use rusqlite::types::ToSql;
use rusqlite::Connection;

use super::messages::message_row;
use super::search_queue::is_indexed;
use super::SqliteStore;
use crate::domain::{Attachment, Message, MessageId, UserId};
use crate::search::schema::{SQLITE_INDEX_MESSAGE, SQLITE_UNINDEX_MESSAGE};
use crate::storage::Search;
use crate::storage::{MessageSearch, SearchOrder, StoreError, StoreResult};
use async_trait::async_trait;

// New messages are indexed in batches behind the sends (search_queue.rs).

/// On edit, once `unindex_message` took the old body out: indexes the new
/// one, if the message is indexed yet (else the batch indexes it).
pub fn reindex_message(c: &Connection, id: MessageId, body: &str) -> StoreResult<()> {
    if is_indexed(c, id)? {
        c.prepare_cached(SQLITE_INDEX_MESSAGE)?
            .execute(rusqlite::params![id.0, body])?;
    }
    Ok(())
}

/// On deletion or expiry, if the message is indexed yet (else the batch
/// skips it). Runs before the row's body changes: the index forgets a message by
/// the very words it took, `messages.body` as it is.
pub fn unindex_message(c: &Connection, id: MessageId) -> StoreResult<()> {
    if is_indexed(c, id)? {
        c.prepare_cached(SQLITE_UNINDEX_MESSAGE)?.execute([id.0])?;
    }
    Ok(())
}

/// The `messages.files` column: a JSON array, NULL for none (the message's
/// JSON carries the files; the column is what `has:file` asks).
pub fn files_json(files: &[Attachment]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    Some(serde_json::to_string(files).expect("attachments always encode"))
}

const COLUMNS: &str = "SELECT m.json";

/// A statement being written and its parameters, numbered as they come.
struct Statement {
    sql: String,
    args: Vec<Box<dyn ToSql>>,
}

impl Statement {
    /// The placeholder of a new parameter.
    fn param(&mut self, value: Box<dyn ToSql>) -> String {
        self.args.push(value);
        format!("?{}", self.args.len())
    }

    /// Placeholders of new parameters, comma-separated.
    fn params(&mut self, values: Vec<Box<dyn ToSql>>) -> String {
        values
            .into_iter()
            .map(|v| self.param(v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Appends `AND` and `condition` where `{}` is the placeholder text.
    fn and(&mut self, condition: &str, placeholders: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(&condition.replace("{}", placeholders));
    }
}

/// Membership is a condition of the query itself: rows of rooms the reader
/// is not in now (never joined, or left) are never read, counted or
/// snippeted.
pub fn search_messages(
    c: &Connection,
    reader: UserId,
    search: &MessageSearch,
) -> StoreResult<Vec<Message>> {
    let mut q = Statement {
        sql: String::from(COLUMNS),
        args: Vec::new(),
    };
    let text = search.query.fts5_match();
    if let Some(text) = &text {
        let p = q.param(Box::new(text.clone()));
        q.sql.push_str(
            " FROM message_search s JOIN messages m ON m.id = s.rowid WHERE message_search MATCH ",
        );
        q.sql.push_str(&p);
    } else {
        q.sql.push_str(" FROM messages m WHERE 1");
    }
    let me = q.param(Box::new(reader.0));
    q.and(
        "m.room_id IN (SELECT ms.room_id FROM memberships ms WHERE ms.user_id = {})",
        &me,
    );
    q.and("m.deleted_at IS NULL", "");
    if !search.room_names.is_empty() {
        let names = q.params(boxed(&search.room_names));
        q.and(
            "m.room_id IN (SELECT id FROM rooms WHERE name_key IN ({}))",
            &names,
        );
    }
    if !search.room_ids.is_empty() {
        let ids = q.params(boxed(&search.room_ids));
        q.and("m.room_id IN ({})", &ids);
    }
    if !search.author_names.is_empty() {
        let names = q.params(boxed(&search.author_names));
        q.and(
            "m.author_id IN (SELECT id FROM users WHERE username_key IN ({}))",
            &names,
        );
    }
    if let Some(before) = search.before {
        let p = q.param(Box::new(before.millis()));
        q.and("m.created_at < {}", &p);
    }
    if let Some(after) = search.after {
        let p = q.param(Box::new(after.millis()));
        q.and("m.created_at >= {}", &p);
    }
    if search.has_file {
        q.and("m.files IS NOT NULL", "");
    }
    let best = search.order == SearchOrder::Best && text.is_some();
    // With words, newest first is the index's own rowid order (rowid =
    // messages.id), so FTS5 walks its matches backwards and stops at the
    // page instead of sorting them all (search::schema::SQLITE_SEARCH).
    let id = if text.is_some() { "s.rowid" } else { "m.id" };
    if !best {
        if let Some(below) = search.below {
            let p = q.param(Box::new(below.0));
            q.and(&format!("{id} < {{}}"), &p);
        }
    }
    q.sql.push_str(" ORDER BY ");
    if best {
        q.sql.push_str("s.rank, ");
    }
    q.sql.push_str(id);
    q.sql.push_str(" DESC LIMIT ");
    let limit = q.param(Box::new(search.limit));
    q.sql.push_str(&limit);
    if best {
        let offset = q.param(Box::new(search.offset));
        q.sql.push_str(" OFFSET ");
        q.sql.push_str(&offset);
    }
    let mut stmt = c.prepare(&q.sql)?;
    let params: Vec<&dyn ToSql> = q.args.iter().map(AsRef::as_ref).collect();
    let rows = stmt
        .query_map(params.as_slice(), message_row)?
        .collect::<rusqlite::Result<Vec<_>>>();
    rows.map_err(|e| StoreError::Other(anyhow::anyhow!("search: {e}")))
}

fn boxed<T: ToSql + Clone + 'static>(values: &[T]) -> Vec<Box<dyn ToSql>> {
    values
        .iter()
        .map(|v| Box::new(v.clone()) as Box<dyn ToSql>)
        .collect()
}

#[async_trait]
impl Search for SqliteStore {
    async fn search_messages(
        &self,
        reader: UserId,
        search: MessageSearch,
    ) -> StoreResult<Vec<Message>> {
        self.search_indexed(reader, search).await
    }
}
