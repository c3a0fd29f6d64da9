//! A worker process: holds its share of the receiving clients (the open-file
//! limit is per process), obeys the coordinator's commands on stdin and
//! reports as JSON lines on stdout. One thread: the clients share their
//! counters without locks, and the server keeps the other core.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{watch, Semaphore};

use crate::clock::now_ns;
use crate::job::{Command, ConnectReport, Event, Job, WorkerResult};
use crate::receiver::{ClientState, Phase, Receiver, Shared};
use crate::seqset::SeqSet;

pub fn main() -> Result<()> {
    // Before the runtime waits on the kernel for more to read, it pauses
    // (the job says how long; it is read inside the runtime, hence the
    // shared cell). Each wake-up of a waiting worker costs the server's
    // `send` and this process a scheduler round trip, and on these two
    // shared cores that was a fifth of the generator's CPU and a tenth of
    // the server's in `rooms`, where most wake-ups found one frame
    // (BENCHMARKS.md, round 8). After the pause one wait collects
    // everything that came meanwhile.
    let pause_us = Arc::new(AtomicU64::new(0));
    let pause = Arc::clone(&pause_us);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || match pause.load(Ordering::Relaxed) {
            0 => {}
            us => std::thread::sleep(Duration::from_micros(us)),
        })
        .build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, run(&pause_us))
}

async fn run(pause_us: &AtomicU64) -> Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let job: Job = serde_json::from_str(&lines.next_line().await?.context("no job on stdin")?)?;
    pause_us.store(job.read_pause_us, Ordering::Relaxed);
    let shared = Rc::new(RefCell::new(Shared {
        track_events: job.track_events,
        ..Shared::default()
    }));
    let start_after: HashMap<i64, i64> = job.start_after.iter().copied().collect();
    shared.borrow_mut().clients = job
        .clients
        .iter()
        .map(|c| ClientState {
            rooms: c
                .rooms
                .iter()
                .map(|r| (*r, SeqSet::after(start_after.get(r).copied().unwrap_or(0))))
                .collect(),
            ..ClientState::default()
        })
        .collect();
    let (control, phase) = watch::channel(Phase::Wait);
    let gate = Rc::new(Semaphore::new(job.connect_concurrency.max(1)));
    let url: Rc<str> = Rc::from(job.stream_url.as_str());
    let total = job.clients.len() as u64;
    for (index, client) in job.clients.into_iter().enumerate() {
        let receiver = Receiver {
            index,
            worker: job.index,
            job: client,
            url: Rc::clone(&url),
            shared: Rc::clone(&shared),
            control: phase.clone(),
            gate: Rc::clone(&gate),
        };
        tokio::task::spawn_local(receiver.run());
    }

    while let Some(line) = lines.next_line().await? {
        match serde_json::from_str::<Command>(&line)? {
            Command::Go => {
                shared.borrow_mut().connect_start_ns = now_ns();
                control.send_replace(Phase::Connected(0));
                wait_until(Duration::from_mins(10), || {
                    let s = shared.borrow();
                    s.connected + s.failed >= total
                })
                .await;
                emit(&Event::Ready(connect_report(&shared.borrow())))?;
            }
            Command::Drop => {
                control.send_replace(Phase::Away);
            }
            Command::Reconnect { target } => {
                {
                    let mut s = shared.borrow_mut();
                    s.reconnect_at_ns = now_ns();
                    s.target = target.into_iter().collect();
                }
                control.send_replace(Phase::Connected(1));
            }
            Command::Failover {
                urls,
                at_ns,
                target,
            } => {
                let mut s = shared.borrow_mut();
                s.reconnect_at_ns = at_ns;
                s.target = target.into_iter().collect();
                s.failover_urls = urls.iter().map(|u| Rc::from(u.as_str())).collect();
            }
            Command::Finish { ledger, drain_ms } => {
                let ledger: HashMap<i64, Vec<i64>> = ledger.into_iter().collect();
                let most: HashMap<i64, i64> = ledger
                    .iter()
                    .map(|(room, seqs)| (*room, seqs.iter().copied().max().unwrap_or(0)))
                    .collect();
                // Every acknowledged seq is on its way: wait for the last ones.
                wait_until(Duration::from_millis(drain_ms), || {
                    shared.borrow().clients.iter().all(|c| {
                        c.rooms
                            .iter()
                            .all(|(r, s)| s.contiguous() >= most.get(r).copied().unwrap_or(0))
                    })
                })
                .await;
                control.send_replace(Phase::Stop);
                let result = check(&shared.borrow(), &ledger);
                emit(&Event::Result(Box::new(result)))?;
                return Ok(());
            }
        }
    }
    bail!("the coordinator went away")
}

async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() && started.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn emit(event: &Event) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, event)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

fn connect_report(s: &Shared) -> ConnectReport {
    ConnectReport {
        connected: s.connected,
        failed: s.failed,
        start_ns: s.connect_start_ns,
        end_ns: s.connect_end_ns,
        latency: s.connect.to_wire(),
        errors: s.errors.clone(),
    }
}

/// Every client must have seen every acknowledged seq of its rooms exactly once.
fn check(s: &Shared, ledger: &HashMap<i64, Vec<i64>>) -> WorkerResult {
    let (mut lost, mut duplicated, mut unacked) = (0, 0, 0);
    for client in &s.clients {
        duplicated += client.duplicates;
        for (room, seen) in &client.rooms {
            let acked = ledger.get(room).map_or(&[][..], Vec::as_slice);
            let found = acked.iter().filter(|seq| seen.contains(**seq)).count() as u64;
            lost += acked.len() as u64 - found;
            unacked += seen.count() - found;
        }
    }
    let reconnect = (s.reconnect_at_ns != 0).then(|| ConnectReport {
        connected: s.reconnected,
        failed: 0,
        start_ns: s.reconnect_at_ns,
        end_ns: s.reconnect_end_ns,
        latency: s.reconnect.to_wire(),
        errors: crate::stats::Errors::default(),
    });
    WorkerResult {
        deliveries: s.deliveries,
        first_ns: s.first_ns,
        last_ns: s.last_ns,
        latency: s.latency.to_wire(),
        slowest: s.slowest.to_wire(),
        lost,
        duplicated,
        unacked,
        resyncs: s.resyncs,
        unexpected_closes: s.unexpected_closes,
        errors: s.errors.clone(),
        not_caught_up: if s.reconnect_at_ns == 0 {
            0
        } else {
            s.clients.iter().filter(|c| !c.caught_up).count() as u64
        },
        caught_up: s.caught_up.to_wire(),
        moved: s.clients.iter().filter(|c| c.moved).count() as u64,
        reconnect,
        cpu_secs: crate::proc::sample(std::process::id()).map_or(0.0, |p| p.cpu_secs),
        kinds: s.kinds.to_vec(),
        events: s.events.values().cloned().collect(),
        moves: s
            .clients
            .iter()
            .filter(|c| c.moved)
            .map(|c| c.way)
            .collect(),
    }
}
