//! `expiry` (issue 18): `--seed` messages that all disappear at the same
//! moment, while `--clients` users send at `--rate` in `--rooms` rooms.
//!
//! 1. The server starts on a fresh data directory; the senders sign up,
//!    the rooms are made and joined (all stored).
//! 2. The server is killed and `natter-libbench expiry-seed` writes the
//!    messages straight into its SQLite file, due `--due-in` seconds after
//!    the seeding began (in rooms of their own, nobody listening).
//! 3. The server starts again on that directory; the senders connect and
//!    send until `--duration` seconds after the due moment, and the
//!    database is polled (a read-only connection, every 250 ms) for how
//!    many seeded messages are still there.
//!
//! Reported: send ack latency for sends made before the due moment and
//! after it (while the expiry ran, and to the end), per second around it,
//! and how long after the due moment the last seeded message was gone.
//! `--seed 0` is the same run without anything expiring, for comparison;
//! `--keep-seeded` is the same run on the same database, the seeded
//! messages kept past its end (compare the acks after the due moment).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::{join_senders, measured, Ctx, Load};
use crate::api::Api;
use crate::cli::{Opts, Plan};
use crate::clock::{now_ns, secs_between};
use crate::report::{Report, SendSummary};
use crate::server::Server;
use crate::stats::{Latency, Summary};

/// Sends in the first second are the senders connecting, not the baseline.
const WARM_UP_NS: u64 = 1_000_000_000;
/// How long to wait, after sending stops, for the last messages to go.
const EXPIRY_LIMIT: Duration = Duration::from_mins(5);
/// How much later `--keep-seeded` makes the seeded messages due: past
/// any run's end.
const KEPT_FOR_MS: i64 = 3_600_000;

#[derive(Debug, Serialize)]
pub struct ExpirySummary {
    pub seeded: u64,
    pub seed_secs: f64,
    /// Seconds of sending before the due moment (after the warm-up).
    pub before_secs: f64,
    /// Acks of sends made before the due moment.
    pub before: Summary,
    /// Sends made from the due moment until the last seeded message was
    /// gone (to the end of sending if it never was).
    pub during: Summary,
    /// Sends made from the due moment to the end of sending.
    pub after_due: Summary,
    /// From the due moment to the first poll that found fewer / none left.
    pub first_gone_secs: Option<f64>,
    pub all_gone_secs: Option<f64>,
    pub remaining_at_end: u64,
    /// Per second around the due moment (second 0 starts at it): sends
    /// acked, their p50 and p99 (ms), seeded messages left at its end.
    pub timeline: Vec<(i64, u64, f64, f64, u64)>,
}

pub async fn run(opts: Opts, plan: Plan) -> Result<Report> {
    let bin = opts
        .server_bin
        .clone()
        .context("expiry fills the database before the server starts: give --server-bin")?;
    let data = tempfile::Builder::new()
        .prefix("natter-bench-expiry-")
        .tempdir()?;
    let server = Server::start_in(&bin, &opts.server_args, data.path()).await?;
    let api = Api::new(server.url.clone());
    let mut ctx = Ctx {
        opts,
        plan,
        server,
        api,
    };
    let mut report = ctx.empty_report();
    let setup_started = now_ns();
    let owner = ctx.sign_up("owner", 1).await?.remove(0);
    let rooms = ctx.rooms(&owner, ctx.plan.rooms).await?;
    let senders = ctx.sign_up("s", ctx.plan.clients).await?;
    ctx.join(
        senders
            .iter()
            .flat_map(|s| rooms.iter().map(move |r| (s, *r))),
    )
    .await?;

    // Seed with the server down; the due moment counts from here.
    let seed_started = now_ns();
    let due_ns = seed_started + secs_to_ns(ctx.plan.due_in);
    let kept = ctx.opts.keep_seeded;
    let due_unix_ms = unix_ms()
        + i64::try_from(secs_to_ns(ctx.plan.due_in) / 1_000_000)?
        + if kept { KEPT_FOR_MS } else { 0 };
    let seeded = ctx.plan.seed;
    restart_seeded(&mut ctx, &bin, data.path(), seeded, due_unix_ms).await?;
    let seed_secs = secs_between(seed_started, now_ns());
    report.server.pid = ctx.server.pid;
    report.server.startup = ctx.server.startup;
    report.setup_secs = secs_between(setup_started, now_ns());
    let db = data.path().join("natter.db");
    let left_at_start = remaining(&db)?;
    if seeded > 0 && left_at_start < seeded as u64 {
        bail!(
            "{} of {seeded} seeded messages were gone before sending began: the setup outran \
             --due-in {} s; give a larger one",
            seeded as u64 - left_at_start,
            ctx.plan.due_in
        );
    }
    check_time_left(due_ns, ctx.plan.due_in)?;

    // Poll what is left while the senders send.
    let polling = Arc::new(Mutex::new(Vec::<(u64, u64)>::new()));
    let stop_polling = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let (polls, stop, db) = (Arc::clone(&polling), Arc::clone(&stop_polling), db.clone());
        tokio::task::spawn_blocking(move || poll(&db, &polls, &stop))
    };

    let before = ctx.sample()?;
    let before_ns = now_ns();
    let duration = secs_between(before_ns, due_ns) + ctx.plan.duration;
    let load = Load {
        duration,
        keep_acks: true,
        ..Load::of(&ctx.plan)
    };
    let weights: Vec<(i64, f64)> = rooms.iter().map(|r| (*r, 1.0)).collect();
    let highest = Arc::new(Mutex::new(HashMap::new()));
    let handles = ctx.start_senders(&senders, &weights, &highest, &load);
    let (sends, _ledger) = join_senders(handles).await?;
    let after = ctx.sample()?;
    let sent_until = now_ns();
    measured(&mut report, &before, before_ns, &after, sent_until);

    if seeded > 0 && !kept {
        wait_for_expiry(&polling).await;
    }
    stop_polling.store(true, std::sync::atomic::Ordering::Relaxed);
    poller.await??;
    // What is left at the end is counted, not estimated.
    let left_at_end = remaining(&db)?;
    let mut polls = polling.lock().expect("polls").clone();
    polls.push((now_ns(), left_at_end));

    report.errors.merge(sends.errors.clone());
    report.sends = Some(send_summary(&ctx, &sends));
    report.expiry = Some(summarize(
        seeded as u64,
        seed_secs,
        &sends.acks,
        before_ns + WARM_UP_NS,
        due_ns,
        &polls,
    ));
    if let Some(left) = report.expiry.as_ref().map(|e| e.remaining_at_end) {
        if left > 0 && !kept {
            let limit = EXPIRY_LIMIT.as_secs_f64();
            report.errors.add(format!(
                "{left} seeded messages still there {limit:.0} s after sending stopped"
            ));
        }
    }
    drop(ctx);
    Ok(report)
}

/// The expiry may outlast the sending: waits for the last poll to find
/// nothing left (bounded).
async fn wait_for_expiry(polling: &Mutex<Vec<(u64, u64)>>) {
    let waited = Instant::now();
    while polling
        .lock()
        .expect("polls")
        .last()
        .is_none_or(|p| p.1 > 0)
        && waited.elapsed() < EXPIRY_LIMIT
    {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Sending must begin a while before the due moment, or there is no
/// "before" to compare with.
fn check_time_left(due_ns: u64, due_in: f64) -> Result<()> {
    let now = now_ns();
    if now + 2 * WARM_UP_NS > due_ns {
        bail!(
            "sending would begin {:.1} s before the due moment; give --due-in at least {:.0} s",
            secs_between(now, due_ns),
            due_in + secs_between(due_ns, now + 3 * WARM_UP_NS)
        );
    }
    Ok(())
}

fn send_summary(ctx: &Ctx, sends: &crate::sender::SendOutcome) -> SendSummary {
    SendSummary {
        via: format!("{:?}", ctx.plan.via).to_lowercase(),
        attempted: sends.attempted,
        acked: sends.acked,
        per_sec: per_sec(sends.acked, sends.first_ns, sends.last_ns),
        ack_latency: sends.ack.summary(),
    }
}

fn secs_to_ns(secs: f64) -> u64 {
    Duration::from_secs_f64(secs)
        .as_nanos()
        .try_into()
        .unwrap_or(u64::MAX)
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Stops the server, seeds its database, starts it again on it.
async fn restart_seeded(
    ctx: &mut Ctx,
    bin: &Path,
    data: &Path,
    seeded: usize,
    due_unix_ms: i64,
) -> Result<()> {
    let placeholder = Server::attach(ctx.server.url.as_str(), std::process::id())?;
    std::mem::replace(&mut ctx.server, placeholder)
        .stop()
        .await?;
    if seeded > 0 {
        seed(data, seeded, due_unix_ms).await?;
    }
    ctx.server = Server::start_in(bin, &ctx.opts.server_args, data).await?;
    ctx.api = Api::new(ctx.server.url.clone());
    Ok(())
}

/// Runs `natter-libbench expiry-seed` (built beside this binary).
async fn seed(dir: &Path, messages: usize, due_ms: i64) -> Result<()> {
    let exe = std::env::current_exe()?.with_file_name("natter-libbench");
    let status = tokio::process::Command::new(&exe)
        .arg("expiry-seed")
        .arg("--data-dir")
        .arg(dir)
        .arg("--messages")
        .arg(messages.to_string())
        .arg("--due-at-ms")
        .arg(due_ms.to_string())
        .status()
        .await
        .with_context(|| format!("running {} (build it with -p natter-bench)", exe.display()))?;
    if !status.success() {
        bail!("{} expiry-seed failed: {status}", exe.display());
    }
    Ok(())
}

/// Seeded messages not yet expired (the bench's own sends have no expiry).
fn remaining(db: &Path) -> Result<u64> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    count_left(&c)
}

fn count_left(c: &rusqlite::Connection) -> Result<u64> {
    let n: i64 = c.query_row(
        "SELECT count(*) FROM messages WHERE expires_at IS NOT NULL AND deleted_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Polls how many are left, cheaply: counting a million index entries
/// four times a second took a third of a core and held a read snapshot for
/// tens of milliseconds each time (so the WAL could not start over), which
/// slowed the very sends being measured. The seeded messages are all due at
/// the same moment and expire in the order of the expiry index (due time,
/// then id), so those left are always the ids from the first one still due
/// to the last seeded one: two steps down the index. The last poll, finding
/// none, is a real count.
fn poll(
    db: &Path,
    polls: &Mutex<Vec<(u64, u64)>>,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<()> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    c.busy_timeout(Duration::from_secs(5))?;
    let due_id = |order: &str| -> Result<Option<i64>> {
        use rusqlite::OptionalExtension;
        Ok(c.query_row(
            &format!(
                "SELECT id FROM messages WHERE expires_at IS NOT NULL AND deleted_at IS NULL
                 ORDER BY expires_at {order}, id {order} LIMIT 1"
            ),
            [],
            |r| r.get(0),
        )
        .optional()?)
    };
    let last = due_id("DESC")?;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let left = match (due_id("ASC")?, last) {
            (Some(first), Some(last)) => u64::try_from(last - first + 1).unwrap_or(0),
            _ => count_left(&c)?,
        };
        polls.lock().expect("polls").push((now_ns(), left));
        std::thread::sleep(Duration::from_millis(250));
    }
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
fn per_sec(count: u64, from_ns: u64, to_ns: u64) -> f64 {
    let secs = secs_between(from_ns, to_ns);
    if secs > 0.0 {
        count as f64 / secs
    } else {
        0.0
    }
}

#[allow(clippy::cast_possible_truncation)]
fn summarize(
    seeded: u64,
    seed_secs: f64,
    acks: &[(u64, u64)],
    from_ns: u64,
    due_ns: u64,
    polls: &[(u64, u64)],
) -> ExpirySummary {
    let first_gone = polls.iter().find(|p| p.0 >= due_ns && p.1 < seeded);
    let all_gone = polls.iter().find(|p| p.0 >= due_ns && p.1 == 0);
    let gone_ns = if seeded == 0 {
        None
    } else {
        all_gone.map(|p| p.0)
    };
    let (mut before, mut during, mut after_due) =
        (Latency::default(), Latency::default(), Latency::default());
    let mut seconds: std::collections::BTreeMap<i64, Latency> = std::collections::BTreeMap::new();
    for &(sent, took) in acks {
        if sent < from_ns {
            continue;
        }
        if sent < due_ns {
            before.record_ns(took);
        } else {
            after_due.record_ns(took);
            if gone_ns.is_none_or(|g| sent <= g) {
                during.record_ns(took);
            }
        }
        let second = (i128::from(sent) - i128::from(due_ns)).div_euclid(1_000_000_000) as i64;
        seconds.entry(second).or_default().record_ns(took);
    }
    let timeline = seconds
        .iter()
        .map(|(s, l)| {
            let end = i128::from(due_ns) + (i128::from(*s) + 1) * 1_000_000_000;
            let left = polls
                .iter()
                .take_while(|p| i128::from(p.0) <= end)
                .last()
                .map_or(seeded, |p| p.1);
            let sum = l.summary();
            (*s, sum.count, sum.p50_ms, sum.p99_ms, left)
        })
        .collect();
    let since_due = |ns: u64| secs_between(due_ns, ns);
    ExpirySummary {
        seeded,
        seed_secs,
        before_secs: secs_between(from_ns, due_ns),
        before: before.summary(),
        during: during.summary(),
        after_due: after_due.summary(),
        first_gone_secs: (seeded > 0)
            .then_some(first_gone.map(|p| since_due(p.0)))
            .flatten(),
        all_gone_secs: gone_ns.map(since_due),
        remaining_at_end: polls.last().map_or(seeded, |p| p.1),
        timeline,
    }
}

impl ExpirySummary {
    pub fn print(&self) {
        println!(
            "expiry           {} messages seeded in {:.1} s, all due at one moment; first gone {}, all gone {} after it; left at the end {}",
            self.seeded,
            self.seed_secs,
            self.first_gone_secs.map_or("-".into(), |s| format!("{s:.1} s")),
            self.all_gone_secs.map_or("never".into(), |s| format!("{s:.1} s")),
            self.remaining_at_end
        );
        println!(
            "acks before due  {:.1} s of sending: {}",
            self.before_secs, self.before
        );
        println!("acks while due   {}", self.during);
        println!("acks after due   {}", self.after_due);
        let line: Vec<String> = self
            .timeline
            .iter()
            .map(|(s, n, _, p99, left)| format!("{s}:{n}/{p99:.0}ms/{left}"))
            .collect();
        println!("per second       second:acks/p99/left  {}", line.join(" "));
    }
}
