//! What keeping `messages.search` in step costs durable sends on
//! PostgreSQL: messages inserted as `storage/postgres/messages.rs` does
//! (idempotency lookup, next seq with the id, insert), in groups as the
//! writer commits them (`synchronous_commit = on`), on natter's own schema
//! in a scratch schema of the server given, alternating three ways:
//! no index at all; the `tsvector` in the insert (what the store does);
//! and the insert without it plus a batch of 512 indexed afterwards in a
//! transaction of its own (SQLite's way, search_queue.rs), the batches'
//! time counted in.

use std::sync::Arc;
use std::time::Instant;

use postgres::types::Type;
use postgres::{Client, NoTls};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::search_build::Vocabulary;

#[derive(clap::Args)]
pub struct PgIndexOpts {
    /// The PostgreSQL server (a scratch schema is made there and dropped).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub url: String,
    /// Messages already there, indexed, before measuring.
    #[arg(long, default_value_t = 100_000)]
    pub seed: usize,
    /// Messages per transaction, as the writer groups concurrent sends.
    #[arg(long, value_delimiter = ',', default_value = "1,32,256")]
    pub group: Vec<usize>,
    /// Messages per measurement.
    #[arg(long, default_value_t = 3000)]
    pub per_round: usize,
    /// Alternations of the variants.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Way {
    NoIndex,
    InTheInsert,
    Batched,
}

const WAYS: [(&str, Way); 3] = [
    ("no index", Way::NoIndex),
    ("in the insert (the store's way)", Way::InTheInsert),
    ("batches of 512 behind", Way::Batched),
];

const BATCH: usize = 512;
const CREATED_AT: i64 = 1_800_000_000_000;

const INSERT_PLAIN: &str = "INSERT INTO messages (id, room_id, seq, author_id, client_id, body,
     created_at, json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
 ON CONFLICT (client_id, author_id) DO NOTHING";
const INSERT_INDEXED: &str = "INSERT INTO messages (id, room_id, seq, author_id, client_id, body,
     created_at, json, search) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_tsvector('simple', $9))
 ON CONFLICT (client_id, author_id) DO NOTHING";
const ROOMS: i64 = 100;
const USERS: i64 = 100;

struct NoPublish;
impl natter::storage::Publisher for NoPublish {
    fn publish(&self, _events: &[natter::domain::Event]) {}
}

pub fn run(opts: &PgIndexOpts) -> anyhow::Result<()> {
    let schema = format!("natter_bench_{:016x}", rand::random::<u64>());
    let mut admin = Client::connect(&opts.url, NoTls)?;
    admin.batch_execute(&format!("CREATE SCHEMA {schema}"))?;
    let joiner = if opts.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{joiner}options=-csearch_path%3D{schema}", opts.url);
    let outcome = measure(&url, opts);
    admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
    outcome
}

fn measure(url: &str, opts: &PgIndexOpts) -> anyhow::Result<()> {
    // natter migrates the schema, exactly as a node does.
    drop(natter::storage::postgres::PgStore::open(
        url,
        natter::storage::Listeners::fanout(Arc::new(NoPublish)),
        natter::ops::metrics::CommitMetrics::default(),
    )?);
    let mut c = Client::connect(url, NoTls)?;
    c.batch_execute("SET synchronous_commit = on")?;
    c.execute(
        "INSERT INTO users (username, username_key, created_at)
         SELECT 'u' || n, 'u' || n, 0 FROM generate_series(1, $1::bigint) AS n",
        &[&USERS],
    )?;
    c.execute(
        "INSERT INTO rooms (kind, name, name_key, created_at)
         SELECT 'public', 'r' || n, 'r' || n, 0 FROM generate_series(2, $1::bigint) AS n",
        &[&ROOMS],
    )?;
    let mut rng = StdRng::seed_from_u64(17);
    let vocabulary = Vocabulary::new(20_000, &mut rng);
    let mut sender = Sender {
        rng,
        vocabulary,
        next_client: 0,
        unindexed: Vec::new(),
    };
    let t0 = Instant::now();
    let mut seeded = 0;
    while seeded < opts.seed {
        let n = 1000.min(opts.seed - seeded);
        sender.group(&mut c, n, Way::InTheInsert)?;
        seeded += n;
    }
    println!(
        "seeded {seeded} messages in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    for &group in &opts.group {
        let mut rates = vec![Vec::new(); WAYS.len()];
        for _ in 0..opts.rounds {
            for (w, (_, way)) in WAYS.iter().enumerate() {
                let t0 = Instant::now();
                let mut sent = 0;
                while sent < opts.per_round {
                    let n = group.min(opts.per_round - sent);
                    sender.group(&mut c, n, *way)?;
                    sent += n;
                }
                // What is left unindexed at the end is this round's cost too.
                sender.index_waiting(&mut c, 1)?;
                #[allow(clippy::cast_precision_loss)]
                rates[w].push(sent as f64 / t0.elapsed().as_secs_f64());
            }
        }
        let base = median(&rates[0]);
        for (w, (name, _)) in WAYS.iter().enumerate() {
            let rate = median(&rates[w]);
            println!(
                "groups of {group}: {name}: {rate:.0} msg/s (median of {}; runs {:?}), {:+.1}% vs no index",
                opts.rounds,
                rates[w].iter().map(|r| r.round()).collect::<Vec<_>>(),
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

struct Sender {
    rng: StdRng,
    vocabulary: Vocabulary,
    next_client: u64,
    /// Ids and bodies stored without their index entry (batched way).
    unindexed: Vec<(i64, String)>,
}

impl Sender {
    /// One writer transaction of `n` sends.
    fn group(&mut self, c: &mut Client, n: usize, way: Way) -> anyhow::Result<()> {
        let mut tx = c.transaction()?;
        for _ in 0..n {
            self.next_client += 1;
            let client = format!("bench-{}", self.next_client);
            let author: i64 = self.rng.gen_range(1..=USERS);
            let room: i64 = self.rng.gen_range(1..=ROOMS);
            let earlier = tx.query_typed_opt(
                "SELECT m.json FROM messages m WHERE m.author_id = $1 AND m.client_id = $2",
                &[(&author, Type::INT8), (&client, Type::TEXT)],
            )?;
            anyhow::ensure!(earlier.is_none(), "client ids are fresh");
            let row = tx.query_typed_one(
                "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1
                 RETURNING last_seq, disappear_after_secs,
                           nextval(pg_get_serial_sequence('messages', 'id'))",
                &[(&room, Type::INT8)],
            )?;
            let (seq, id): (i64, i64) = (row.get(0), row.get(2));
            let length = self.rng.gen_range(3..=25);
            let body = (0..length)
                .map(|_| {
                    let rank = self.vocabulary.draw(&mut self.rng);
                    self.vocabulary.words[rank].as_str()
                })
                .collect::<Vec<_>>()
                .join(" ");
            let json = format!(r#"{{"id":{id},"room_id":{room},"seq":{seq},"body":"{body}"}}"#);
            let mut params: Vec<(&(dyn postgres::types::ToSql + Sync), Type)> = vec![
                (&id, Type::INT8),
                (&room, Type::INT8),
                (&seq, Type::INT8),
                (&author, Type::INT8),
                (&client, Type::TEXT),
                (&body, Type::TEXT),
                (&CREATED_AT, Type::INT8),
                (&json, Type::TEXT),
            ];
            let indexed = natter::search::index_text(&body);
            let sql = if way == Way::InTheInsert {
                params.push((&indexed, Type::TEXT));
                INSERT_INDEXED
            } else {
                INSERT_PLAIN
            };
            tx.execute_typed(sql, &params)?;
            if way == Way::Batched {
                self.unindexed.push((id, body));
            }
        }
        tx.commit()?;
        self.index_waiting(c, BATCH)
    }

    /// Once `at_least` wait, indexes them all in a transaction of their own.
    fn index_waiting(&mut self, c: &mut Client, at_least: usize) -> anyhow::Result<()> {
        if self.unindexed.len() < at_least.max(1) {
            return Ok(());
        }
        let (ids, texts): (Vec<i64>, Vec<String>) = self
            .unindexed
            .drain(..)
            .map(|(id, body)| (id, natter::search::index_text(&body)))
            .unzip();
        let mut tx = c.transaction()?;
        tx.execute(
            "UPDATE messages m SET search = to_tsvector('simple', w.text)
             FROM unnest($1::bigint[], $2::text[]) AS w(id, text) WHERE m.id = w.id",
            &[&ids, &texts],
        )?;
        tx.commit()?;
        Ok(())
    }
}
