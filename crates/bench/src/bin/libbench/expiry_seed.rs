//! `expiry-seed`: a data directory whose database holds `--messages`
//! messages that all disappear at the same millisecond (`--due-at-ms`,
//! Unix time), written straight into SQLite before the server starts, for
//! `natter-bench expiry` (issue 18). The schema is natter's own (its
//! migrations run first); each message is stored as the server stores it —
//! its JSON made by natter's `MessageJson`, its words in the search index —
//! so expiring it does all the work a real one costs.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use natter::domain::{Message, MessageId, MessageJson, RoomId, Seq, Timestamp, UserId};
use rusqlite::{params, Connection};

#[derive(clap::Args)]
pub struct SeedOpts {
    /// The server's data directory (made if missing); the server must not be running
    #[arg(long)]
    data_dir: PathBuf,
    #[arg(long, default_value_t = 1_000_000)]
    messages: usize,
    /// Rooms the messages are spread over (made for them, apart from any
    /// room a benchmark sends in)
    #[arg(long, default_value_t = 100)]
    rooms: i64,
    /// When every seeded message disappears, in Unix milliseconds
    #[arg(long)]
    due_at_ms: i64,
}

struct NoPublish;
impl natter::storage::Publisher for NoPublish {
    fn publish(&self, _events: &[natter::domain::Event]) {}
}

/// Public rooms of the seeder's own, named `expiring-<n>`.
fn make_rooms(c: &Connection, author_id: i64, count: i64, now: i64) -> anyhow::Result<Vec<i64>> {
    let mut rooms = Vec::new();
    for r in 0..count {
        let name = format!("expiring-{r}");
        c.execute(
            "INSERT INTO rooms (kind, name, name_key, created_by, created_at) VALUES ('public', ?1, ?1, ?2, ?3)",
            params![name, author_id, now],
        )?;
        let room = c.last_insert_rowid();
        c.execute(
            "INSERT INTO memberships (room_id, user_id, role, joined_at) VALUES (?1, ?2, 'owner', ?3)",
            params![room, author_id, now],
        )?;
        rooms.push(room);
    }
    Ok(rooms)
}

pub fn run(o: &SeedOpts) -> anyhow::Result<()> {
    std::fs::create_dir_all(&o.data_dir)?;
    let started = Instant::now();
    drop(natter::storage::sqlite::SqliteStore::open(
        &o.data_dir,
        Arc::new(NoPublish),
    )?);
    let c = Connection::open(o.data_dir.join("natter.db"))?;
    c.execute_batch("PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;")?;
    let now = Timestamp::now().millis();
    let author = "expiry-seeder";
    c.execute(
        "INSERT INTO users (username, username_key, created_at) VALUES (?1, ?1, ?2)",
        params![author, now],
    )?;
    let author_id = c.last_insert_rowid();
    let rooms = make_rooms(&c, author_id, o.rooms.max(1), now)?;
    let mut seqs = vec![0i64; rooms.len()];
    // The server is stopped, so nothing else takes ids meanwhile; the
    // message's JSON needs its id before the insert.
    let first_id: i64 = c.query_row("SELECT coalesce(max(id), 0) + 1 FROM messages", [], |r| {
        r.get(0)
    })?;
    let mut last_id = first_id - 1;
    for chunk in (0..o.messages).collect::<Vec<_>>().chunks(20_000) {
        let tx = c.unchecked_transaction()?;
        let mut words = Vec::with_capacity(chunk.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO messages (id, room_id, seq, author_id, client_id, body, created_at, json, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for &i in chunk {
                let slot = i % rooms.len();
                seqs[slot] += 1;
                let room = rooms[slot];
                let client_id = format!("seed-{i}");
                let body = format!("seeded message {i} about to disappear");
                let created_at = now - 60_000;
                let id = first_id + i64::try_from(i)?;
                let message = Message {
                    id: MessageId(id),
                    room_id: RoomId(room),
                    seq: Seq(seqs[slot]),
                    author_id: UserId(author_id),
                    author: author.to_owned(),
                    client_id,
                    body,
                    created_at: Timestamp(created_at),
                    edited_at: None,
                    deleted: false,
                    files: Vec::new(),
                    thread_root: None,
                    also_in_room: false,
                    thread: None,
                    mentions: Vec::new(),
                    mentions_room: false,
                    expires_at: Some(Timestamp(o.due_at_ms)),
                    expired: false,
                    bot: false,
                    sent_as: None,
                };
                insert.execute(params![
                    id,
                    room,
                    message.seq.0,
                    author_id,
                    message.client_id,
                    message.body,
                    created_at,
                    MessageJson::of(&message).as_str(),
                    o.due_at_ms
                ])?;
                words.push((id, message.body));
                last_id = id;
            }
        }
        natter::storage::sqlite::search_slices::index(&tx, &words)?;
        tx.commit()?;
    }
    for (room, seq) in rooms.iter().zip(&seqs) {
        c.execute(
            "UPDATE rooms SET last_seq = ?2 WHERE id = ?1",
            params![room, seq],
        )?;
    }
    // Everything is indexed already: the server's search batches have nothing to catch up.
    c.execute(
        "UPDATE search_progress SET indexed_through = max(indexed_through, ?1)",
        params![last_id],
    )?;
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")
        .context("checkpointing")?;
    println!(
        "{} messages in {} rooms, due at {} (Unix ms), written in {:.1} s",
        o.messages,
        rooms.len(),
        o.due_at_ms,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
