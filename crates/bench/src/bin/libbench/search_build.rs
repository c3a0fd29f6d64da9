//! The search benchmark's database: natter's real schema (its migrations),
//! rooms with members, and messages whose words follow a Zipf law over a
//! made-up vocabulary, indexed by both candidate FTS5 tables.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rand::rngs::StdRng;
use rand::Rng;
use rusqlite::{params, Connection};

/// The candidate kept in `natter::search::schema` (contentless, joined to
/// `messages`) is `message_search`; the same with prefix indexes is
/// `message_search_prefix`; the third keeps its own copy of the body and
/// the room id as an unindexed column.
pub const PREFIX_INDEX: &str = "
CREATE VIRTUAL TABLE message_search_prefix USING fts5(
    body, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);";
pub const ROOM_COLUMN_INDEX: &str = "
CREATE VIRTUAL TABLE message_search_rooms USING fts5(
    body, room_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);";

/// Words ranked by frequency, and the cumulative Zipf weights to draw them.
pub struct Vocabulary {
    pub words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    pub fn new(size: usize, rng: &mut StdRng) -> Self {
        let mut words = Vec::with_capacity(size);
        let mut seen = std::collections::HashSet::new();
        while words.len() < size {
            let len = rng.gen_range(3..=10);
            let word: String = (0..len)
                .map(|_| char::from(rng.gen_range(b'a'..=b'z')))
                .collect();
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        let mut total = 0.0;
        let cumulative = (1..=size)
            .map(|rank| {
                #[allow(clippy::cast_precision_loss)]
                let weight = 1.0 / rank as f64;
                total += weight;
                total
            })
            .collect();
        Self { words, cumulative }
    }

    /// A word's rank (0 = most common), drawn by frequency.
    pub fn draw(&self, rng: &mut StdRng) -> usize {
        let total = self.cumulative[self.cumulative.len() - 1];
        let x = rng.gen_range(0.0..total);
        self.cumulative.partition_point(|c| *c < x)
    }

    /// A rank drawn by frequency among ranks `from..`.
    pub fn draw_from(&self, rng: &mut StdRng, from: usize) -> usize {
        loop {
            let rank = self.draw(rng);
            if rank >= from {
                return rank;
            }
        }
    }
}

struct NoPublish;
impl natter::storage::Publisher for NoPublish {
    fn publish(&self, _events: &[natter::domain::Event]) {}
}

/// Makes `natter.db` in `dir` with natter's migrations and the kept
/// candidate as one table, `message_search` (the store keeps it in slices
/// of `search_slices::SLICE` messages instead, each its own such table),
/// then fills it.
pub fn build(
    dir: &Path,
    messages: usize,
    rooms: i64,
    vocabulary: &Vocabulary,
    rng: &mut StdRng,
) -> anyhow::Result<Connection> {
    drop(natter::storage::sqlite::SqliteStore::open(
        dir,
        Arc::new(NoPublish),
    )?);
    let c = Connection::open(dir.join("natter.db"))?;
    c.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;",
    )?;
    c.execute_batch(natter::search::schema::SQLITE_INDEX)?;
    c.execute_batch(PREFIX_INDEX)?;
    c.execute_batch(ROOM_COLUMN_INDEX)?;
    let users: i64 = 2000;
    let tx = c.unchecked_transaction()?;
    for user in 1..=users {
        tx.execute(
            "INSERT INTO users (id, username, username_key, created_at) VALUES (?1, ?2, ?2, 0)",
            params![user, format!("user{user}")],
        )?;
    }
    for room in 2..=rooms {
        tx.execute(
            "INSERT INTO rooms (id, kind, name, name_key, created_at) VALUES (?1, 'public', ?2, ?2, 0)",
            params![room, format!("room{room}")],
        )?;
    }
    // Twenty members a room (the searching users' memberships come later).
    for room in 1..=rooms {
        for k in 0..20 {
            let user = 100 + (room * 20 + k) % (users - 100);
            tx.execute(
                "INSERT OR IGNORE INTO memberships (room_id, user_id, joined_at) VALUES (?1, ?2, 0)",
                params![room, user],
            )?;
        }
    }
    tx.commit()?;
    let mut seqs = vec![0i64; usize::try_from(rooms)? + 1];
    let started = std::time::Instant::now();
    for batch in 0..messages.div_ceil(10_000) {
        let tx = c.unchecked_transaction()?;
        {
            let mut message = tx.prepare_cached(
                "INSERT INTO messages (id, room_id, seq, author_id, client_id, body, created_at, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let mut contentless =
                tx.prepare_cached(natter::search::schema::SQLITE_INDEX_MESSAGE)?;
            let mut prefixed = tx.prepare_cached(
                "INSERT INTO message_search_prefix (rowid, body) VALUES (?1, ?2)",
            )?;
            let mut with_room = tx.prepare_cached(
                "INSERT INTO message_search_rooms (rowid, body, room_id) VALUES (?1, ?2, ?3)",
            )?;
            for i in batch * 10_000..((batch + 1) * 10_000).min(messages) {
                let id = i64::try_from(i)? + 1;
                let room = rng.gen_range(1..=rooms);
                let seq = &mut seqs[usize::try_from(room)?];
                *seq += 1;
                let length = rng.gen_range(3..=25);
                let body = (0..length)
                    .map(|_| vocabulary.words[vocabulary.draw(rng)].as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let json = format!(
                    r#"{{"id":{id},"room_id":{room},"seq":{seq},"author":"user{}","body":"{body}"}}"#,
                    id % users + 1
                );
                message.execute(params![
                    id,
                    room,
                    *seq,
                    id % users + 1,
                    format!("c{id}"),
                    body,
                    1_700_000_000_000 + id * 100,
                    json
                ])?;
                contentless.execute(params![id, body])?;
                prefixed.execute(params![id, body])?;
                with_room.execute(params![id, body, room])?;
            }
        }
        tx.commit()?;
        if batch % 10 == 9 {
            eprint!(
                "\r{} messages ({:.0} s)",
                (batch + 1) * 10_000,
                started.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!();
    for (room, seq) in seqs.iter().enumerate().skip(1) {
        c.execute(
            "UPDATE rooms SET last_seq = ?2 WHERE id = ?1",
            params![room, seq],
        )?;
    }
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")
        .context("checkpointing")?;
    Ok(c)
}

/// Makes `user` a member of `count` rooms spread over all of them.
pub fn join_rooms(c: &Connection, user: i64, count: i64, rooms: i64) -> anyhow::Result<()> {
    for k in 0..count {
        c.execute(
            "INSERT OR IGNORE INTO memberships (room_id, user_id, joined_at) VALUES (?1, ?2, 0)",
            params![1 + k * rooms / count, user],
        )?;
    }
    Ok(())
}
