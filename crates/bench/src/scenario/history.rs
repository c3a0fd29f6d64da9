//! `history`: fill one room with `--fill` messages, then `--clients`
//! readers fetch 50-message pages for `--duration` seconds — half the
//! newest page, half a random older one — checking each page is the
//! expected run of consecutive seqs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use rand::Rng;

use super::{join_senders, measured, Ctx, Load};
use crate::api::{Account, Api};
use crate::cli::Via;
use crate::clock::{now_ns, secs_between};
use crate::report::{HistorySummary, Report};
use crate::stats::{Errors, Latency};

const PAGE: u32 = 50;

pub async fn run(ctx: &Ctx) -> Result<Report> {
    let plan = &ctx.plan;
    let mut report = ctx.empty_report();
    let setup_started = now_ns();
    let owner = ctx.sign_up("owner", 1).await?.remove(0);
    let room = ctx.rooms(&owner, 1).await?[0];
    let readers = ctx.sign_up("h", plan.clients).await?;
    ctx.join(readers.iter().map(|a| (a, room))).await?;
    // Fill as fast as the stream acknowledges, from one sender.
    let filler = ctx.sign_up("fill", 1).await?;
    ctx.join(filler.iter().map(|a| (a, room))).await?;
    let highest = Arc::new(Mutex::new(HashMap::new()));
    let load = Load {
        rate: 0.0,
        duration: 600.0,
        via: Via::Ws,
        inflight: 64,
        max_sends: plan.fill as u64,
        keep_acks: false,
        avoid_node: None,
    };
    let (fill, ledger) =
        join_senders(ctx.start_senders(&filler, &[(room, 1.0)], &highest, &load)).await?;
    report.errors.merge(fill.errors);
    let newest = ledger
        .get(&room)
        .and_then(|s| s.last().copied())
        .unwrap_or(0);
    // The room's log starts with the readers' and the filler's joins
    // (room events with seqs of their own): its messages start after them.
    let oldest = ledger
        .get(&room)
        .and_then(|s| s.iter().min().copied())
        .unwrap_or(1);
    report.setup_secs = secs_between(setup_started, now_ns());

    let before = ctx.sample()?;
    let before_ns = now_ns();
    let until = Instant::now() + Duration::from_secs_f64(plan.duration);
    let tasks: Vec<_> = readers
        .into_iter()
        .map(|a| {
            tokio::spawn(read_pages(
                ctx.api.clone(),
                a,
                room,
                (oldest, newest),
                until,
            ))
        })
        .collect();
    let (mut latency, mut pages, mut bad) = (Latency::default(), 0, 0);
    for t in tasks {
        let (l, p, b, e) = t.await?;
        latency.merge(&l);
        pages += p;
        bad += b;
        report.errors.merge(e);
    }
    let after = ctx.sample()?;
    let after_ns = now_ns();
    measured(&mut report, &before, before_ns, &after, after_ns);
    #[allow(clippy::cast_precision_loss)]
    let per_sec = pages as f64 / secs_between(before_ns, after_ns);
    report.history = Some(HistorySummary {
        pages,
        per_sec,
        latency: latency.summary(),
        bad_pages: bad,
    });
    Ok(report)
}

/// One reader: pages until `until`; (latency, pages, bad pages, errors).
async fn read_pages(
    api: Api,
    reader: Account,
    room: i64,
    (oldest, newest): (i64, i64),
    until: Instant,
) -> (Latency, u64, u64, Errors) {
    let (mut latency, mut pages, mut bad, mut errors) =
        (Latency::default(), 0, 0, Errors::default());
    let mut conn = match api.conn() {
        Ok(c) => c,
        Err(e) => {
            errors.add(format!("{e:#}"));
            return (latency, pages, bad, errors);
        }
    };
    while Instant::now() < until {
        let before = {
            let mut rng = rand::thread_rng();
            (rng.gen_bool(0.5) && newest > oldest).then(|| rng.gen_range(oldest + 1..=newest))
        };
        let started = now_ns();
        match Api::history_on(&mut conn, &reader.token, room, before, PAGE).await {
            Ok(page) => {
                latency.record_ns(now_ns() - started);
                pages += 1;
                // The page must be the PAGE seqs just below `before` (or the newest).
                let end = before.map_or(newest, |b| b - 1);
                let start = (end - i64::from(PAGE) + 1).max(oldest);
                let seqs: Vec<i64> = page.messages.iter().map(|m| m.seq).collect();
                if seqs != (start..=end).collect::<Vec<_>>() || page.has_more != (start > oldest) {
                    bad += 1;
                    errors.add(format!(
                        "page before {before:?}: seqs {:?}..{:?}, has_more {}",
                        seqs.first(),
                        seqs.last(),
                        page.has_more
                    ));
                }
            }
            Err(e) => errors.add(format!("{e:#}")),
        }
    }
    (latency, pages, bad, errors)
}
