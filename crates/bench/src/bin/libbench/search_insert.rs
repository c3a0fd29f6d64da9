//! What keeping the search index in step costs durable sends: messages
//! inserted as `post_message` does (idempotency lookup, next seq, id,
//! insert), in groups as the writer commits them, each commit flushed to
//! disk (`synchronous=FULL`, as the writer's sync thread does), without an
//! index and with each candidate, alternating.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection};

use crate::search_build::{build, Vocabulary};

#[derive(clap::Args)]
pub struct InsertOpts {
    /// The database made by `search --db` (built here when missing).
    #[arg(long)]
    pub db: std::path::PathBuf,
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: usize,
    /// Messages per transaction, as the writer groups concurrent sends.
    #[arg(long, value_delimiter = ',', default_value = "1,32,256")]
    pub group: Vec<usize>,
    /// Messages per measurement.
    #[arg(long, default_value_t = 6000)]
    pub per_round: usize,
    /// Alternations of the three variants.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
}

const VARIANTS: [(&str, Option<&str>); 4] = [
    ("no index", None),
    (
        "contentless (recommended)",
        Some(natter::search::schema::SQLITE_INDEX_MESSAGE),
    ),
    (
        "contentless with prefix indexes",
        Some("INSERT INTO message_search_prefix (rowid, body) VALUES (?1, ?2)"),
    ),
    (
        "room_id UNINDEXED",
        Some("INSERT INTO message_search_rooms (rowid, body, room_id) VALUES (?1, ?2, ?3)"),
    ),
];

pub fn run(opts: &InsertOpts) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(17);
    let vocabulary = Vocabulary::new(20_000, &mut rng);
    if !opts.db.join("natter.db").exists() {
        std::fs::create_dir_all(&opts.db)?;
        build(&opts.db, opts.messages, 1000, &vocabulary, &mut rng)?;
    }
    let c = Connection::open(opts.db.join("natter.db"))?;
    // Client ids go on from the messages already there, so a second run
    // of the bench never repeats one.
    let rooms: i64 = c.query_row("SELECT max(id) FROM rooms", [], |r| r.get(0))?;
    let users: i64 = c.query_row("SELECT max(id) FROM users", [], |r| r.get(0))?;
    let mut next_client: u64 =
        c.query_row("SELECT coalesce(max(id), 0) FROM messages", [], |r| {
            r.get(0)
        })?;
    for &group in &opts.group {
        let mut rates = vec![Vec::new(); VARIANTS.len()];
        for _ in 0..opts.rounds {
            for (v, (_, index)) in VARIANTS.iter().enumerate() {
                let t0 = Instant::now();
                let mut sent = 0;
                while sent < opts.per_round {
                    let n = group.min(opts.per_round - sent);
                    let shape = Shape {
                        rooms,
                        users,
                        index: *index,
                    };
                    insert_group(&c, n, &shape, &vocabulary, &mut rng, &mut next_client)?;
                    sent += n;
                }
                #[allow(clippy::cast_precision_loss)]
                rates[v].push(sent as f64 / t0.elapsed().as_secs_f64());
            }
        }
        let base = median(&rates[0]);
        for (v, (name, _)) in VARIANTS.iter().enumerate() {
            let rate = median(&rates[v]);
            println!(
                "groups of {group}: {name}: {rate:.0} msg/s (median of {}; runs {:?}), {:+.1}% vs no index",
                opts.rounds,
                rates[v].iter().map(|r| r.round()).collect::<Vec<_>>(),
                (rate / base - 1.0) * 100.0
            );
        }
    }
    Ok(())
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// What the inserts go to: rooms and authors `1..=n`, and which index.
struct Shape<'a> {
    rooms: i64,
    users: i64,
    index: Option<&'a str>,
}

/// One writer transaction of `n` sends.
fn insert_group(
    c: &Connection,
    n: usize,
    shape: &Shape<'_>,
    vocabulary: &Vocabulary,
    rng: &mut StdRng,
    next_client: &mut u64,
) -> anyhow::Result<()> {
    c.execute_batch("BEGIN IMMEDIATE")?;
    for _ in 0..n {
        *next_client += 1;
        let client = format!("bench-{next_client}");
        let author: i64 = rng.gen_range(1..=shape.users);
        let room: i64 = rng.gen_range(1..=shape.rooms);
        let earlier: Option<i64> = c
            .prepare_cached("SELECT id FROM messages WHERE author_id = ?1 AND client_id = ?2")?
            .query_row(params![author, client], |r| r.get(0))
            .ok();
        anyhow::ensure!(earlier.is_none(), "client ids are fresh");
        let seq: i64 = c
            .prepare_cached(
                "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
            )?
            .query_row([room], |r| r.get(0))?;
        let id: i64 = c
            .prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM messages")?
            .query_row([], |r| r.get(0))?;
        let length = rng.gen_range(3..=25);
        let body = (0..length)
            .map(|_| vocabulary.words[vocabulary.draw(rng)].as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let json = format!(r#"{{"id":{id},"room_id":{room},"seq":{seq},"body":"{body}"}}"#);
        c.prepare_cached(
            "INSERT INTO messages (id, room_id, seq, author_id, client_id, body, created_at, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            id,
            room,
            seq,
            author,
            client,
            body,
            1_800_000_000_000i64,
            json
        ])?;
        if let Some(sql) = shape.index {
            let mut stmt = c.prepare_cached(sql)?;
            if stmt.parameter_count() == 3 {
                stmt.execute(params![id, body, room])?;
            } else {
                stmt.execute(params![id, body])?;
            }
        }
    }
    c.execute_batch("COMMIT")?;
    Ok(())
}
