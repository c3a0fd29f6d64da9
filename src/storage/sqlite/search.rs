//! Full-text search in SQLite: the FTS5 index kept in step with messages
//! (new ones in batches, search_queue.rs; edits and deletions in their
//! own transaction),
//! and the search itself, joined to the reader's memberships.

use std::fmt::Write as _;

use rusqlite::types::ToSql;
use rusqlite::Connection;

use super::messages::message_row;
use super::search_queue::is_indexed;
use super::search_slices;
use super::SqliteStore;
use crate::domain::{Attachment, Message, MessageId, UserId};
use crate::storage::Search;
use crate::storage::{MessageSearch, SearchOrder, StoreError, StoreResult};
use async_trait::async_trait;

// New messages are indexed in batches behind the sends (search_queue.rs).

/// On edit, once `unindex_message` took the old body out: indexes the new
/// one, if the message is indexed yet (else the batch indexes it).
pub fn reindex_message(c: &Connection, id: MessageId, body: &str) -> StoreResult<()> {
    if is_indexed(c, id)? {
        search_slices::index(c, &[(id.0, body.to_owned())])?;
    }
    Ok(())
}

/// On deletion or expiry, if the message is indexed yet (else the batch
/// skips it). Runs before the row's body changes: the index forgets a message by
/// the very words it took, `messages.body` as it is.
pub fn unindex_message(c: &Connection, id: MessageId) -> StoreResult<()> {
    if is_indexed(c, id)? {
        search_slices::unindex(c, id.0)?;
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
/// snippeted. With words, the index's slices are read newest first until
/// the page is full (by rank: each slice's best, merged).
pub fn search_messages(
    c: &Connection,
    reader: UserId,
    search: &MessageSearch,
) -> StoreResult<Vec<Message>> {
    let Some(text) = search.query.fts5_match() else {
        let q = statement(reader, search, None, search.limit);
        return Ok(run(c, &q, false)?.into_iter().map(|f| f.1).collect());
    };
    let best = search.order == SearchOrder::Best;
    let page = usize::try_from(search.limit).unwrap_or(usize::MAX);
    let below = search.below.filter(|_| !best);
    let mut found: Vec<(f64, Message)> = Vec::new();
    for slice in search_slices::slices_newest_first(c)? {
        if below.is_some_and(|b| search_slices::first_id(slice) >= b.0) {
            continue;
        }
        // By rank, each slice's best up to the page's end; merged below.
        let limit = if best {
            search.offset.saturating_add(search.limit)
        } else {
            u32::try_from(page - found.len()).unwrap_or(u32::MAX)
        };
        let q = statement(reader, search, Some((&text, slice)), limit);
        found.extend(run(c, &q, best)?);
        if !best && found.len() >= page {
            break;
        }
    }
    if best {
        // Stable: equal ranks keep the slices' newest-first order.
        found.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let skip = if best { search.offset as usize } else { 0 };
    Ok(found
        .into_iter()
        .skip(skip)
        .take(page)
        .map(|f| f.1)
        .collect())
}

/// The search's statement: over `slice`'s index with `text`'s words, or
/// over the messages alone without words; at most `limit` rows (a page by
/// rank is cut from the slices' merged rows, so no offset here).
fn statement(
    reader: UserId,
    search: &MessageSearch,
    words: Option<(&String, i64)>,
    limit: u32,
) -> Statement {
    let best = search.order == SearchOrder::Best && words.is_some();
    let mut q = Statement {
        sql: String::from(COLUMNS),
        args: Vec::new(),
    };
    if let Some((text, slice)) = words {
        if best {
            q.sql.push_str(", s.rank");
        }
        let p = q.param(Box::new(text.clone()));
        let t = search_slices::table(slice);
        let _ = write!(
            q.sql,
            " FROM {t} s JOIN messages m ON m.id = s.rowid WHERE {t} MATCH {p}"
        );
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
    // With words, newest first is the index's own rowid order (rowid =
    // messages.id), so FTS5 walks its matches backwards and stops at the
    // page instead of sorting them all (search::schema::SQLITE_SEARCH).
    let id = if words.is_some() { "s.rowid" } else { "m.id" };
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
    let limit = q.param(Box::new(limit));
    q.sql.push_str(&limit);
    q
}

/// Runs a search statement: each message with its rank (0 when `ranked`
/// is false: the statement has no rank column).
fn run(c: &Connection, q: &Statement, ranked: bool) -> StoreResult<Vec<(f64, Message)>> {
    let mut stmt = c.prepare(&q.sql)?;
    let params: Vec<&dyn ToSql> = q.args.iter().map(AsRef::as_ref).collect();
    let rows = stmt
        .query_map(params.as_slice(), |r| {
            let rank = if ranked { r.get(1)? } else { 0.0 };
            Ok((rank, message_row(r)?))
        })?
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
