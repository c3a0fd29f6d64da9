//! `mixed`: messages, thread replies and reactions at the `--mix` ratios in
//! `--rooms` rooms of `--clients` receivers (spread evenly), from
//! `--senders` users at `--rate` operations per second in total. Each room
//! first gets `--targets` messages for the replies and reactions to land on.
//!
//! The check is stricter than the message-only scenarios': a reaction's
//! answer carries no seq, so instead of the acknowledged seqs every
//! receiver must hold every seq of its room from 1 to the room's last
//! (read from the server after sending stops) exactly once — every room
//! event the server logged, of any kind. Per kind, each event's send time
//! is the stamp in a message's body, the issue time of the request that
//! made a reaction (matched by room, message, emoji, user and sign), and
//! for `thread.updated` its reply's stamp (the event right before it);
//! against the first and the last delivery of the event that gives "post
//! to first member" and "post to all members".

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use super::live::spawn_listeners;
use super::tally::{connect_summary, deliveries};
use super::{measured, Ctx};
use crate::api::Api;
use crate::clock::{now_ns, stamped_body};
use crate::job::{SeenEvent, WorkerResult};
use crate::live_event::Kind;
use crate::mixed_sender::{self, MixOutcome, OpKind};
use crate::report::Report;
use crate::stats::{Latency, Summary};

/// One kind of operation: what its senders saw and what the receivers got.
#[derive(Debug, Serialize)]
pub struct KindSummary {
    pub kind: &'static str,
    pub attempted: u64,
    pub acked: u64,
    pub ack_latency: Summary,
    /// Room events of this kind made in the measured phase.
    pub events: u64,
    /// Deliveries of this kind to receivers (the targets' replays not counted).
    pub deliveries: u64,
    /// Per event: post to its first and to its last delivery.
    pub to_first: Summary,
    pub to_all: Summary,
    /// Server CPU over the phase per acknowledged operation, when the run
    /// did only this kind (µs).
    pub cpu_per_op_us: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct MixedSummary {
    pub mix: [u32; 3],
    pub targets_per_room: usize,
    pub kinds: Vec<KindSummary>,
    pub reaction_adds: u64,
    pub reaction_removes: u64,
    /// `thread.updated` events, one per reply.
    pub thread_updates: u64,
    /// Deliveries per room-event kind (`live_event::Kind`), targets and all.
    pub deliveries_by_kind: Vec<(String, u64)>,
    /// Events whose send time could not be found (should be 0).
    pub unmatched: u64,
    pub server_cpu_per_op_us: f64,
}

pub async fn run(ctx: &Ctx) -> Result<Report> {
    let plan = &ctx.plan;
    let mut report = ctx.empty_report();
    let setup_started = now_ns();
    let owner = ctx.sign_up("owner", 1).await?.remove(0);
    let rooms = ctx.rooms(&owner, plan.rooms).await?;
    let receivers = ctx.sign_up("r", plan.clients).await?;
    let senders = ctx.sign_up("s", plan.senders.max(1)).await?;
    let membership: Vec<_> = receivers
        .iter()
        .enumerate()
        .map(|(i, a)| (a, rooms[i % rooms.len()]))
        .collect();
    ctx.join(
        membership.iter().copied().chain(
            senders
                .iter()
                .flat_map(|s| rooms.iter().map(move |r| (s, *r))),
        ),
    )
    .await?;
    let targets = Arc::new(post_targets(&ctx.api, &owner.token, &rooms, plan.targets).await?);
    // Room events up to here are the targets: not timed.
    let before_top: HashMap<i64, i64> = targets
        .iter()
        .map(|(r, seqs)| (*r, seqs.iter().copied().max().unwrap_or(0)))
        .collect();
    report.setup_secs = secs(setup_started);

    let (mut workers, worker_count) =
        spawn_listeners(ctx, plan.clients, &membership, true, &[]).await?;
    let ready = workers.go().await?;
    report.connect = Some(connect_summary(&ready, worker_count));

    let before = ctx.sample()?;
    let before_ns = now_ns();
    let until = Instant::now() + Duration::from_secs_f64(plan.duration);
    let give_up = until + Duration::from_secs_f64(ctx.opts.drain);
    let handles = mixed_sender::start(
        &ctx.api,
        &senders,
        &targets,
        (&plan.mix, plan.rate, plan.size, plan.inflight),
        until,
        give_up,
    );
    let mut sent = MixOutcome::default();
    for h in handles {
        sent.merge(h.await?);
    }
    let mut ledger = HashMap::new();
    for room in &rooms {
        let top = ctx.api.last_seq(&owner.token, *room).await?;
        ledger.insert(*room, (1..=top).collect::<Vec<i64>>());
    }
    let results = workers
        .finish(ledger, Duration::from_secs_f64(ctx.opts.drain))
        .await?;
    let after = ctx.sample()?;
    measured(&mut report, &before, before_ns, &after, now_ns());

    for r in &results {
        report.server.generator_cpu_secs += r.cpu_secs;
        report.errors.merge(r.errors.clone());
    }
    report.errors.merge(sent.errors.clone());
    report.deliveries = Some(deliveries(&results));
    report.mixed = Some(summarize(
        plan.mix,
        (plan.targets, plan.clients),
        &sent,
        &results,
        &before_top,
        report.server.cpu_secs,
    ));
    Ok(report)
}

/// `count` messages in each room, one at a time; their seqs per room.
async fn post_targets(
    api: &Api,
    token: &str,
    rooms: &[i64],
    count: usize,
) -> Result<Vec<(i64, Vec<i64>)>> {
    let mut conn = api.conn()?;
    let mut out = Vec::with_capacity(rooms.len());
    for room in rooms {
        let mut seqs = Vec::with_capacity(count);
        for n in 0..count {
            let id = format!("target-{}-{room}-{n}", now_ns());
            seqs.push(Api::post_on(&mut conn, token, *room, &id, &stamped_body(64)).await?);
        }
        out.push((*room, seqs));
    }
    Ok(out)
}

fn secs(from: u64) -> f64 {
    crate::clock::secs_between(from, now_ns())
}

/// Per kind: the senders' side and, from every worker's events, each
/// event's post-to-first and post-to-all latency.
fn summarize(
    mix: [u32; 3],
    (targets, clients): (usize, usize),
    sent: &MixOutcome,
    results: &[WorkerResult],
    before_top: &HashMap<i64, i64>,
    cpu_secs: f64,
) -> MixedSummary {
    let mut events: HashMap<(i64, i64), SeenEvent> = HashMap::new();
    let mut by_kind = [0u64; Kind::COUNT];
    for r in results {
        for (total, n) in by_kind.iter_mut().zip(&r.kinds) {
            *total += n;
        }
        for e in &r.events {
            events
                .entry((e.room, e.seq))
                .and_modify(|m| {
                    m.first_ns = m.first_ns.min(e.first_ns);
                    m.last_ns = m.last_ns.max(e.last_ns);
                })
                .or_insert_with(|| e.clone());
        }
    }
    let timed = time_events(&events, before_top, sent);
    let (first, all, counts, unmatched) = (&timed.first, &timed.all, timed.counts, timed.unmatched);
    let acked_total: u64 = sent.kinds.iter().map(|k| k.acked).sum();
    #[allow(clippy::cast_precision_loss)]
    let per_op = |n: u64| (n > 0).then(|| cpu_secs * 1e6 / n as f64);
    let only_kind = sent.kinds.iter().filter(|k| k.attempted > 0).count() == 1;
    // Each receiver got its room's targets replayed when it subscribed.
    let target_deliveries = (targets * clients) as u64;
    let delivered = [
        by_kind[Kind::Message.index()].saturating_sub(target_deliveries),
        by_kind[Kind::Reply.index()],
        by_kind[Kind::ReactionAdded.index()] + by_kind[Kind::ReactionRemoved.index()],
    ];
    let kinds = OpKind::ALL
        .iter()
        .enumerate()
        .map(|(i, k)| KindSummary {
            kind: k.name(),
            attempted: sent.kinds[i].attempted,
            acked: sent.kinds[i].acked,
            ack_latency: sent.kinds[i].ack.summary(),
            events: counts[i],
            deliveries: delivered[i],
            to_first: first[i].summary(),
            to_all: all[i].summary(),
            cpu_per_op_us: if only_kind && sent.kinds[i].attempted > 0 {
                per_op(sent.kinds[i].acked)
            } else {
                None
            },
        })
        .chain(std::iter::once(KindSummary {
            kind: "thread.updated",
            attempted: 0,
            acked: 0,
            ack_latency: Summary::default(),
            events: counts[3],
            deliveries: by_kind[Kind::ThreadUpdated.index()],
            to_first: first[3].summary(),
            to_all: all[3].summary(),
            cpu_per_op_us: None,
        }))
        .collect();
    MixedSummary {
        mix,
        targets_per_room: targets,
        kinds,
        reaction_adds: sent.reaction_adds,
        reaction_removes: sent.reaction_removes,
        thread_updates: counts[3],
        deliveries_by_kind: Kind::NAMES
            .iter()
            .zip(by_kind)
            .map(|(n, c)| ((*n).to_owned(), c))
            .collect(),
        unmatched,
        server_cpu_per_op_us: per_op(acked_total).unwrap_or(0.0),
    }
}

/// Per slot (message, reply, reaction, thread.updated): post to first and
/// to all members per event, events counted, events with no send time.
struct Timed {
    first: [Latency; 4],
    all: [Latency; 4],
    counts: [u64; 4],
    unmatched: u64,
}

fn time_events(
    events: &HashMap<(i64, i64), SeenEvent>,
    before_top: &HashMap<i64, i64>,
    sent: &MixOutcome,
) -> Timed {
    let mut ordered: Vec<&SeenEvent> = events
        .values()
        .filter(|e| e.seq > before_top.get(&e.room).copied().unwrap_or(0))
        .collect();
    ordered.sort_unstable_by_key(|e| (e.room, e.seq));
    let times = mixed_sender::reaction_times(sent);
    let mut used: HashMap<&str, usize> = HashMap::new();
    let mut first: [Latency; 4] = Default::default();
    let mut all: [Latency; 4] = Default::default();
    let mut counts = [0u64; 4];
    let mut unmatched = 0u64;
    for e in &ordered {
        let (slot, sent_ns) = match e.kind {
            k if k == Kind::Message.index() => (0, e.stamp),
            k if k == Kind::Reply.index() => (1, e.stamp),
            k if k == Kind::ReactionAdded.index() || k == Kind::ReactionRemoved.index() => {
                let at = e.key.as_deref().and_then(|key| {
                    let n = used.entry(key).or_default();
                    *n += 1;
                    times.get(key).and_then(|v| v.get(*n - 1)).copied()
                });
                (2, at)
            }
            k if k == Kind::ThreadUpdated.index() => {
                (3, events.get(&(e.room, e.seq - 1)).and_then(|r| r.stamp))
            }
            _ => continue,
        };
        counts[slot] += 1;
        let Some(sent_ns) = sent_ns else {
            unmatched += 1;
            continue;
        };
        first[slot].record_ns(e.first_ns.saturating_sub(sent_ns));
        all[slot].record_ns(e.last_ns.saturating_sub(sent_ns));
    }
    Timed {
        first,
        all,
        counts,
        unmatched,
    }
}

impl MixedSummary {
    pub fn print(&self) {
        let [m, r, x] = self.mix;
        println!(
            "mix              {m}/{r}/{x} messages/replies/reactions; {} target messages per room; reactions {} added, {} removed",
            self.targets_per_room, self.reaction_adds, self.reaction_removes
        );
        for k in &self.kinds {
            if k.attempted == 0 && k.events == 0 {
                continue;
            }
            let cpu = k
                .cpu_per_op_us
                .map(|us| format!("; server CPU {us:.1} µs per op"))
                .unwrap_or_default();
            if k.attempted > 0 {
                println!(
                    "{:<16} {} acked of {}; ack {}{cpu}",
                    k.kind, k.acked, k.attempted, k.ack_latency
                );
            } else {
                println!("{:<16} (follows each reply)", k.kind);
            }
            println!(
                "{:<16} {} events, {} deliveries; post to first member {}; to all {}",
                "", k.events, k.deliveries, k.to_first, k.to_all
            );
        }
        println!(
            "server CPU       {:.1} µs per acknowledged operation (fan-out included); events without a send time: {}",
            self.server_cpu_per_op_us, self.unmatched
        );
    }
}
