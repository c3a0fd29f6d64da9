//! Full-text search on PostgreSQL: `messages.search`, a `tsvector` of
//! `search::index_text(body)` under a GIN index, and the search itself,
//! joined to the reader's memberships.
//!
//! The column is written in the statement that writes the body: the send's
//! insert (messages.rs), the edit's update and the deletion's (which
//! empties it; expiry does the same). Not in batches behind the sends as on
//! SQLite: GIN takes new entries into its pending list cheaply, where a
//! later batch would write every message row a second time; and with
//! several nodes, ids (taken before commit) do not commit in order, so a
//! batch's "indexed through id N" could pass over a message still being
//! committed. BENCHMARKS.md has the send measured both ways.

use async_trait::async_trait;
use postgres::types::ToSql;
use postgres::GenericClient;

use super::room_log::message_row;
use super::PgStore;
use crate::domain::{Message, UserId};
use crate::storage::{MessageSearch, Search, SearchOrder, StoreResult};

type Param = Box<dyn ToSql + Sync + Send>;

/// A statement being written and its parameters, numbered as they come.
struct Statement {
    sql: String,
    args: Vec<Param>,
}

impl Statement {
    /// The placeholder of a new parameter.
    fn param(&mut self, value: Param) -> String {
        self.args.push(value);
        format!("${}", self.args.len())
    }

    /// Appends `AND` and `condition` where `{}` is the placeholder text.
    fn and(&mut self, condition: &str, placeholder: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(&condition.replace("{}", placeholder));
    }
}

/// Membership is a condition of the query itself: rows of rooms the reader
/// is not in now (never joined, or left) are never read or counted.
pub fn search_messages(
    c: &mut impl GenericClient,
    reader: UserId,
    search: &MessageSearch,
) -> StoreResult<Vec<Message>> {
    let mut q = Statement {
        sql: String::from("SELECT m.json FROM messages m WHERE "),
        args: Vec::new(),
    };
    let text = search.query.tsquery();
    let query = match &text {
        Some(text) => {
            let p = q.param(Box::new(text.clone()));
            let query = format!("to_tsquery('simple', {p})");
            q.sql.push_str(&format!("m.search @@ {query}"));
            Some(query)
        }
        None => {
            q.sql.push_str("TRUE");
            None
        }
    };
    let me = q.param(Box::new(reader.0));
    q.and(
        "m.room_id IN (SELECT ms.room_id FROM memberships ms WHERE ms.user_id = {})",
        &me,
    );
    q.and("m.deleted_at IS NULL", "");
    if !search.room_names.is_empty() {
        let names = q.param(Box::new(search.room_names.clone()));
        q.and(
            "m.room_id IN (SELECT id FROM rooms WHERE name_key = ANY({}))",
            &names,
        );
    }
    if !search.room_ids.is_empty() {
        let ids = q.param(Box::new(search.room_ids.clone()));
        q.and("m.room_id = ANY({})", &ids);
    }
    if !search.author_names.is_empty() {
        let names = q.param(Box::new(search.author_names.clone()));
        q.and(
            "m.author_id IN (SELECT id FROM users WHERE username_key = ANY({}))",
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
    let best = query.as_ref().filter(|_| search.order == SearchOrder::Best);
    if best.is_none() {
        if let Some(below) = search.below {
            let p = q.param(Box::new(below.0));
            q.and("m.id < {}", &p);
        }
    }
    q.sql.push_str(" ORDER BY ");
    if let Some(query) = best {
        q.sql
            .push_str(&format!("ts_rank(m.search, {query}) DESC, "));
    }
    q.sql.push_str("m.id DESC LIMIT ");
    let limit = q.param(Box::new(i64::from(search.limit)));
    q.sql.push_str(&limit);
    if best.is_some() {
        let offset = q.param(Box::new(i64::from(search.offset)));
        q.sql.push_str(" OFFSET ");
        q.sql.push_str(&offset);
    }
    let params: Vec<&(dyn ToSql + Sync)> = q
        .args
        .iter()
        .map(|a| a.as_ref() as &(dyn ToSql + Sync))
        .collect();
    c.query(&q.sql, &params)?.iter().map(message_row).collect()
}

#[async_trait]
impl Search for PgStore {
    async fn search_messages(
        &self,
        reader: UserId,
        search: MessageSearch,
    ) -> StoreResult<Vec<Message>> {
        self.readers
            .read(move |c| search_messages(c, reader, &search))
            .await
    }
}
