//! Search latency: two-word queries, 20 results newest first, limited to
//! the reader's rooms, over a database of a million messages, for each
//! candidate index and for readers in few and in many rooms.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;
use rusqlite::{params, Connection};

use crate::search_build::{build, join_rooms, Vocabulary};
use crate::stats::{ms, percentiles};

#[derive(clap::Args)]
pub struct SearchOpts {
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: usize,
    #[arg(long, default_value_t = 1000)]
    pub rooms: i64,
    #[arg(long, default_value_t = 20_000)]
    pub vocabulary: usize,
    /// Queries per schema, per reader and per kind of query.
    #[arg(long, default_value_t = 1000)]
    pub queries: usize,
    /// How many rooms each measured reader is in.
    #[arg(long, value_delimiter = ',', default_value = "20,200")]
    pub member_rooms: Vec<i64>,
    /// Keep (or reuse) the database in this directory.
    #[arg(long)]
    pub db: Option<std::path::PathBuf>,
}

/// natter's recommended statement (contentless index joined to
/// `messages`), variations of it, and an index holding the room id.
fn statements() -> Vec<(&'static str, String)> {
    let recommended = natter::search::schema::SQLITE_SEARCH;
    vec![
        ("contentless + join, newest first (recommended)", recommended.to_owned()),
        (
            "the same, best match first (bm25)",
            recommended.replace("ORDER BY s.rowid DESC", "ORDER BY rank"),
        ),
        (
            "the same, membership as EXISTS",
            recommended.replace(
                "AND m.room_id IN (SELECT ms.room_id FROM memberships ms WHERE ms.user_id = ?2)",
                "AND EXISTS (SELECT 1 FROM memberships ms WHERE ms.room_id = m.room_id AND ms.user_id = ?2)",
            ),
        ),
        (
            "the same with prefix indexes",
            recommended.replace("message_search", "message_search_prefix"),
        ),
        (
            "room_id UNINDEXED, newest first",
            "SELECT m.id, m.room_id, m.seq, m.author_id, m.body, m.created_at
             FROM message_search_rooms s JOIN messages m ON m.id = s.rowid
             WHERE message_search_rooms MATCH ?1
               AND (?4 IS NULL OR s.rowid < ?4)
               AND s.room_id IN (SELECT room_id FROM memberships WHERE user_id = ?2)
             ORDER BY s.rowid DESC LIMIT ?3"
                .to_owned(),
        ),
    ]
}

/// Query texts of one kind.
fn queries(kind: &str, vocabulary: &Vocabulary, n: usize, rng: &mut StdRng) -> Vec<String> {
    (0..n)
        .map(|_| {
            let (a, b) = match kind {
                // Words people look for: past the 50 most common.
                "typical" => (vocabulary.draw_from(rng, 50), vocabulary.draw_from(rng, 50)),
                // Both among the most common: the most matches to walk.
                _ => (
                    rand::Rng::gen_range(rng, 10..60),
                    rand::Rng::gen_range(rng, 10..60),
                ),
            };
            let (a, b) = (&vocabulary.words[a], &vocabulary.words[b]);
            if kind == "prefix" {
                format!("{a} {}*", &b[..3])
            } else {
                format!("{a} {b}")
            }
        })
        .collect()
}

pub fn run(opts: &SearchOpts) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(17);
    let vocabulary = Vocabulary::new(opts.vocabulary, &mut rng);
    let temp = tempfile::tempdir()?;
    let dir = opts.db.clone().unwrap_or_else(|| temp.path().to_owned());
    let c = if dir.join("natter.db").exists() {
        eprintln!("reusing {}", dir.display());
        Connection::open(dir.join("natter.db"))?
    } else {
        std::fs::create_dir_all(&dir)?;
        let t0 = Instant::now();
        let c = build(&dir, opts.messages, opts.rooms, &vocabulary, &mut rng)?;
        println!(
            "built {} messages in {} rooms in {:.0} s",
            opts.messages,
            opts.rooms,
            t0.elapsed().as_secs_f64()
        );
        c
    };
    report_sizes(&c)?;
    for (i, rooms) in opts.member_rooms.iter().enumerate() {
        let reader = 10 + i64::try_from(i)?;
        join_rooms(&c, reader, *rooms, opts.rooms)?;
        for kind in ["typical", "prefix", "common"] {
            let texts = queries(kind, &vocabulary, opts.queries, &mut rng);
            for (name, sql) in statements() {
                measure(
                    &c,
                    &sql,
                    reader,
                    &texts,
                    &format!("{rooms} rooms, {kind}: {name}"),
                )?;
            }
        }
    }
    Ok(())
}

fn measure(
    c: &Connection,
    sql: &str,
    reader: i64,
    texts: &[String],
    label: &str,
) -> anyhow::Result<()> {
    let mut stmt = c.prepare(sql)?;
    let mut times: Vec<Duration> = Vec::with_capacity(texts.len());
    let mut rows = 0usize;
    for (i, text) in texts.iter().enumerate() {
        let expr = natter::search::SearchQuery::parse(text)
            .fts5_match()
            .expect("two words");
        let t0 = Instant::now();
        let ids: Vec<i64> = stmt
            .query_map(params![expr, reader, 20, None::<i64>], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        // The first tenth warms the cache and is not counted.
        if i >= texts.len() / 10 {
            times.push(t0.elapsed());
            rows += ids.len();
        }
    }
    let counted = times.len();
    let (p50, p99, max) = percentiles(&mut times);
    #[allow(clippy::cast_precision_loss)]
    let mean_rows = rows as f64 / counted as f64;
    println!(
        "{label}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {mean_rows:.1} results on average ({counted} queries)",
        ms(p50),
        ms(p99),
        ms(max)
    );
    Ok(())
}

fn report_sizes(c: &Connection) -> anyhow::Result<()> {
    let path = c.path().map(std::path::PathBuf::from).unwrap_or_default();
    #[allow(clippy::cast_precision_loss)]
    let mib = std::fs::metadata(&path)?.len() as f64 / f64::from(1 << 20);
    println!("database file (messages, both indexes): {mib:.0} MiB");
    Ok(())
}
