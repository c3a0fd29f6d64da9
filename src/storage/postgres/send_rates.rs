//! The per-user send rate on PostgreSQL: a token bucket row per user
//! (`user_send_rates`) that every node takes from, so a user sending
//! through three nodes gets the configured rate in total, not three times
//! it.
//!
//! Why not in the send's transaction, beside slow mode: the writer puts
//! many users' sends into one transaction, each holding its room's row; a
//! user's row locked in the same transaction, in whatever order the sends
//! came, could deadlock against another node's group holding the same rows
//! the other way round. Here the buckets are taken by a statement of their
//! own, before the send, in autocommit: its row locks last one statement,
//! and it takes them in user id order (the `ORDER BY` feeding the insert),
//! so two nodes' statements wait for each other at most, never in a circle.
//!
//! Cost: like the writer, one thread batches what arrives while its last
//! statement ran, so one statement (one round trip) takes every waiting
//! send's token, whatever the users. The table is UNLOGGED and the
//! connection does not wait for the WAL flush: a bucket is not worth a
//! disk write, and a crash of the database only refills the buckets.
//! Times are the database's clock, so the nodes' clocks need not agree.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use postgres::types::Type;
use postgres::Client;
use tokio::sync::{mpsc, oneshot};

use super::{classify, connect, PgStore};
use crate::domain::{Rate, UserId};
use crate::storage::{SendRates, StoreError, StoreResult, SENDS_PER_USER};

/// How many takes may wait for the thread before senders wait in turn.
const QUEUE: usize = 8192;
/// The most takes one statement answers.
const MAX_BATCH: usize = 1024;
/// How long the thread waits between attempts to reach a database that
/// went away; meanwhile each take is answered "unavailable" at once.
const RECONNECT_EVERY: Duration = Duration::from_millis(250);

/// One send waiting for its token.
struct Take {
    user: i64,
    rate: Rate,
    reply: oneshot::Sender<StoreResult<()>>,
}

/// The handle to the bucket thread.
pub struct SendRateTaker {
    takes: mpsc::Sender<Take>,
}

impl SendRateTaker {
    /// Starts the thread; it connects to `url` on its first take.
    pub fn start(url: String) -> std::io::Result<Self> {
        let (takes, rx) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("natter-send-rates".into())
            .spawn(move || run(&url, rx))?;
        Ok(Self { takes })
    }
}

#[async_trait]
impl SendRates for PgStore {
    async fn take_send(&self, user: UserId, rate: Rate) -> StoreResult<()> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Other(anyhow::anyhow!("the send-rate thread has stopped"));
        self.send_rates
            .takes
            .send(Take {
                user: user.0,
                rate,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn run(url: &str, mut rx: mpsc::Receiver<Take>) {
    let mut client: Option<Client> = None;
    let mut last_try: Option<Instant> = None;
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(take) => batch.push(take),
                Err(_) => break,
            }
        }
        if client.as_ref().is_some_and(Client::is_closed) {
            client = None;
        }
        if client.is_none() && last_try.is_none_or(|at| at.elapsed() >= RECONNECT_EVERY) {
            last_try = Some(Instant::now());
            client = match connect(url).and_then(|mut c| {
                c.batch_execute("SET synchronous_commit = off")
                    .map(|()| c)
                    .map_err(Into::into)
            }) {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "cannot reach the database");
                    None
                }
            };
        }
        let outcome = match client.as_mut() {
            Some(c) => take_all(c, &batch),
            None => Err(StoreError::Unavailable(
                "the database cannot be reached".into(),
            )),
        };
        answer(batch, &outcome);
    }
}

/// Each user's asks in a batch, in arrival order.
struct Asks {
    users: Vec<i64>,
    counts: Vec<i32>,
    bursts: Vec<f64>,
    per_ms: Vec<f64>,
}

/// Runs one statement for the whole batch: per user, how many of its asks
/// were granted and the time until its next token.
fn take_all(c: &mut Client, batch: &[Take]) -> StoreResult<HashMap<i64, (i32, Duration)>> {
    let mut counts: HashMap<i64, (i32, Rate)> = HashMap::new();
    for take in batch {
        // A user's row can be changed once per statement: its asks go as
        // one count (with the rate of the first, which all share).
        counts.entry(take.user).or_insert((0, take.rate)).0 += 1;
    }
    let mut sorted: Vec<_> = counts.into_iter().collect();
    sorted.sort_unstable_by_key(|(user, _)| *user);
    let mut asks = Asks {
        users: Vec::with_capacity(sorted.len()),
        counts: Vec::with_capacity(sorted.len()),
        bursts: Vec::with_capacity(sorted.len()),
        per_ms: Vec::with_capacity(sorted.len()),
    };
    for (user, (count, rate)) in sorted {
        asks.users.push(user);
        asks.counts.push(count);
        asks.bursts.push(rate.burst);
        asks.per_ms.push(rate.per_second / 1000.0);
    }
    // `refilled` is the bucket as the clock finds it now; a user's asks are
    // granted while whole tokens last (1e-9: what floating point loses in a
    // refill, as `domain::rate::WHOLE`). EXCLUDED carries the ask: count in
    // `granted`, rate in `burst` and `per_ms`; a new row starts full.
    let rows = c
        .query_typed(
            "WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms)
             INSERT INTO user_send_rates AS b (user_id, tokens, at_ms, burst, per_ms, granted)
             SELECT a.user_id, a.burst - least(a.asked, floor(a.burst + 1e-9)), now.ms,
                    a.burst, a.per_ms, least(a.asked, floor(a.burst + 1e-9))
             FROM unnest($1::int8[], $2::int4[], $3::float8[], $4::float8[])
                    AS a(user_id, asked, burst, per_ms), now
             ORDER BY a.user_id
             ON CONFLICT (user_id) DO UPDATE SET
               tokens = least(EXCLUDED.burst,
                              b.tokens + greatest(EXCLUDED.at_ms - b.at_ms, 0) * EXCLUDED.per_ms)
                      - least(EXCLUDED.granted, floor(least(EXCLUDED.burst,
                              b.tokens + greatest(EXCLUDED.at_ms - b.at_ms, 0) * EXCLUDED.per_ms)
                              + 1e-9)),
               granted = least(EXCLUDED.granted, floor(least(EXCLUDED.burst,
                              b.tokens + greatest(EXCLUDED.at_ms - b.at_ms, 0) * EXCLUDED.per_ms)
                              + 1e-9)),
               at_ms = greatest(EXCLUDED.at_ms, b.at_ms),
               burst = EXCLUDED.burst,
               per_ms = EXCLUDED.per_ms
             RETURNING user_id, granted::int4, tokens, per_ms",
            &[
                (&asks.users, Type::INT8_ARRAY),
                (&asks.counts, Type::INT4_ARRAY),
                (&asks.bursts, Type::FLOAT8_ARRAY),
                (&asks.per_ms, Type::FLOAT8_ARRAY),
            ],
        )
        .map_err(|e| classify(&e))?;
    Ok(rows
        .iter()
        .map(|row| {
            let (tokens, per_ms): (f64, f64) = (row.get(2), row.get(3));
            let wait_ms = ((1.0 - tokens) / per_ms.max(f64::MIN_POSITIVE)).max(0.0);
            (
                row.get::<_, i64>(0),
                (
                    row.get::<_, i32>(1),
                    Duration::from_secs_f64(wait_ms / 1000.0),
                ),
            )
        })
        .collect())
}

/// Answers each take: a user's first `granted` asks pass, the rest are
/// refused with the time until the next token.
fn answer(batch: Vec<Take>, outcome: &StoreResult<HashMap<i64, (i32, Duration)>>) {
    let mut granted: HashMap<i64, i32> = HashMap::new();
    for take in batch {
        let result = match outcome {
            Err(e) => Err(copy_error(e)),
            Ok(users) => match users.get(&take.user) {
                Some(&(allowed, retry_after)) => {
                    let used = granted.entry(take.user).or_insert(0);
                    *used += 1;
                    if *used <= allowed {
                        Ok(())
                    } else {
                        Err(StoreError::Limited {
                            limit: SENDS_PER_USER,
                            retry_after,
                        })
                    }
                }
                None => Err(StoreError::Other(anyhow::anyhow!(
                    "the send-rate statement returned no row for a user"
                ))),
            },
        };
        // The sender may have gone away (request cancelled): the token stays taken.
        let _ = take.reply.send(result);
    }
}

/// The same error for every take of a failed batch.
fn copy_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(why) => StoreError::Unavailable(why.clone()),
        StoreError::Conflict => StoreError::Conflict,
        other => StoreError::Other(anyhow::anyhow!("taking send tokens failed: {other}")),
    }
}
