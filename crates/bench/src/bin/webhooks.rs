//! `natter-bench-webhooks`: signed outgoing-webhook deliveries per second to
//! one local receiver, and the CPU they cost the delivering process.
//!
//! Runs Natter's real delivery path (`natter::outbound`: DeliveryWorker ->
//! WebhookSender -> the SSRF-guarded OutboundClient, HMAC-signed) with
//! in-memory cursors and events, `--targets` hooks each with its own room,
//! events produced at `--rate` per second for `--duration` seconds. The
//! receiver is a child process (this binary with `--receiver`), so its CPU
//! is not counted as the sender's; it verifies every signature and
//! de-duplicates by (room, seq). Fails if any event is lost, duplicated,
//! out of order or badly signed. See BENCHMARKS.md.

#[path = "../proc.rs"]
#[allow(dead_code)]
mod proc;

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use clap::Parser;
use hdrhistogram::Histogram;
use natter::domain::{RoomId, Seq};
use natter::outbound::{
    unix_now, verify, AddressPolicy, Delivered, DeliveryObserver, DeliveryWorker, Failure,
    MemoryCursorStore, MemoryEventSource, OutboundClient, OutboundConfig, OutboundEvent, TargetId,
    WebhookSecret, WebhookSender, WebhookTarget, DEFAULT_TOLERANCE,
};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    about = "Signed outgoing-webhook deliveries per second to one local receiver, and their CPU cost"
)]
struct Cli {
    /// Events per second in all (0: queue them all up front and deliver as fast as possible).
    #[arg(long, default_value_t = 10_000)]
    rate: u64,
    /// Seconds of producing (with --rate 0: events = 10,000 x this).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Hooks (one delivery worker each, one room each), all to the one receiver.
    #[arg(long, default_value_t = 8)]
    targets: u32,
    /// Bytes of JSON per event.
    #[arg(long, default_value_t = 300)]
    body_bytes: usize,
    /// Write the report as JSON here.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Internal: run as the receiver, signing secret from NATTER_BENCH_SECRET.
    #[arg(long, hide = true)]
    receiver: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = if cli.receiver {
        receiver::main()
    } else {
        run(&cli)
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("natter-bench-webhooks: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Round trips of successful deliveries, in microseconds.
struct Latencies(Mutex<Histogram<u64>>, Mutex<u64>);

impl DeliveryObserver for Latencies {
    fn attempted(
        &self,
        _: TargetId,
        _: &OutboundEvent,
        _: u32,
        result: &Result<Delivered, Failure>,
    ) {
        match result {
            Ok(d) => {
                let us = u64::try_from(d.latency.as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1);
                self.0.lock().unwrap().saturating_record(us);
            }
            Err(_) => *self.1.lock().unwrap() += 1,
        }
    }
}

#[allow(clippy::cast_precision_loss)]
fn run(cli: &Cli) -> Result<bool> {
    let secret = WebhookSecret::generate();
    let mut child = Command::new(std::env::current_exe()?)
        .arg("--receiver")
        .env("NATTER_BENCH_SECRET", secret.expose())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the receiver")?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line)?;
    let port: u16 = line.trim().parse().context("the receiver's port")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(deliver(cli, &secret, port));
    let receiver_cpu = proc::sample(child.id()).map_or(f64::NAN, |s| s.cpu_secs);
    let stats = runtime.block_on(receiver_stats(port));
    let _ = child.kill();
    let _ = child.wait();
    let (produced, elapsed, cpu, latencies, failures) = outcome?;
    let stats = stats?;
    let delivered = stats["kept"].as_u64().unwrap_or(0);
    let secs = elapsed.as_secs_f64();
    let report = serde_json::json!({
        "targets": cli.targets, "rate_asked": cli.rate, "body_bytes": cli.body_bytes,
        "events": produced, "delivered_once": delivered, "seconds": secs,
        "deliveries_per_s": delivered as f64 / secs,
        "sender_cpu_s": cpu, "sender_cpu_pct_of_one_core": 100.0 * cpu / secs,
        "sender_cpu_us_per_delivery": 1e6 * cpu / delivered.max(1) as f64,
        "receiver_cpu_s": receiver_cpu,
        "round_trip_us": { "p50": latencies.value_at_quantile(0.5), "p99": latencies.value_at_quantile(0.99), "max": latencies.max() },
        "failed_attempts": failures, "receiver": stats,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    if let Some(path) = &cli.json {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)?;
    }
    let clean = delivered == produced
        && stats["duplicates"] == 0
        && stats["out_of_order"] == 0
        && stats["bad_signature"] == 0;
    if !clean {
        eprintln!("natter-bench-webhooks: lost, duplicated, out-of-order or badly signed deliveries (see the report)");
    }
    Ok(clean)
}

type Outcome = (u64, Duration, f64, Histogram<u64>, u64);

#[allow(clippy::cast_precision_loss)]
async fn deliver(cli: &Cli, secret: &WebhookSecret, port: u16) -> Result<Outcome> {
    let config = OutboundConfig {
        policy: AddressPolicy::parse(&["127.0.0.1/32"]).map_err(anyhow::Error::msg)?,
        ..OutboundConfig::default()
    };
    let client = OutboundClient::new(config)?;
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}/hook"))?;
    let observer = Arc::new(Latencies(
        Mutex::new(Histogram::new_with_bounds(1, 60_000_000, 3)?),
        Mutex::new(0),
    ));
    let store = Arc::new(MemoryCursorStore::new());
    let padding = "x".repeat(cli.body_bytes.saturating_sub(60));
    let mut hooks = Vec::new();
    for t in 0..cli.targets {
        let source = Arc::new(MemoryEventSource::default());
        let sender = WebhookSender::new(
            client.clone(),
            WebhookTarget {
                url: url.clone(),
                secret: secret.clone(),
            },
        );
        let worker = DeliveryWorker::new(
            TargetId(t.into()),
            store.clone(),
            source.clone(),
            Arc::new(sender),
        )
        .observer(observer.clone())
        .batch(256);
        hooks.push((source, worker));
    }
    let event = |room: u32, seq: i64| OutboundEvent {
        room: RoomId(room.into()),
        seq: Seq(seq),
        body: format!(r#"{{"type":"message","room":{room},"seq":{seq},"text":"{padding}"}}"#)
            .into_bytes()
            .into(),
    };
    let targets = u64::from(cli.targets);
    let total = if cli.rate == 0 {
        10_000 * cli.duration
    } else {
        cli.rate * cli.duration
    };
    let per_target = total / targets;
    if cli.rate == 0 {
        for (t, (source, _)) in (0u32..).zip(&hooks) {
            (1..=per_target).for_each(|seq| source.push(event(t, i64::try_from(seq).unwrap())));
        }
    }
    let cpu_before = proc::sample(std::process::id())?.cpu_secs;
    let started = Instant::now();
    let (sources, workers): (Vec<_>, Vec<_>) = hooks.into_iter().unzip();
    let handles: Vec<_> = workers.into_iter().map(DeliveryWorker::spawn).collect();
    if cli.rate > 0 {
        // Produce in 1 ms ticks, as commits would arrive, waking each hook.
        let mut made = 0u64;
        let mut ticker = tokio::time::interval(Duration::from_millis(1));
        while made < per_target {
            ticker.tick().await;
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let due = ((started.elapsed().as_secs_f64() * cli.rate as f64) as u64 / targets)
                .min(per_target);
            for seq in made + 1..=due {
                for (t, source) in (0u32..).zip(&sources) {
                    source.push(event(t, i64::try_from(seq).unwrap()));
                }
            }
            if due > made {
                handles
                    .iter()
                    .for_each(natter::outbound::WorkerHandle::wake);
                made = due;
            }
        }
    }
    let deadline = Instant::now() + Duration::from_mins(2);
    let last = Seq(i64::try_from(per_target)?);
    while !(0..cli.targets)
        .all(|t| store.cursor(TargetId(t.into()), RoomId(t.into())) == Some(last))
    {
        if Instant::now() > deadline {
            bail!("deliveries did not finish within 120 s of the last event");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = started.elapsed();
    let cpu = proc::sample(std::process::id())?.cpu_secs - cpu_before;
    handles
        .iter()
        .for_each(natter::outbound::WorkerHandle::stop);
    let latencies = observer.0.lock().unwrap().clone();
    let failures = *observer.1.lock().unwrap();
    Ok((per_target * targets, elapsed, cpu, latencies, failures))
}

async fn receiver_stats(port: u16) -> Result<serde_json::Value> {
    let reply = reqwest::get(format!("http://127.0.0.1:{port}/stats")).await?;
    Ok(reply.json().await?)
}

mod receiver {
    //! The child process: one core's worth of receiver that verifies and
    //! de-duplicates as docs/webhooks.md tells receivers to.

    use super::{unix_now, verify, HashMap, Mutex, WebhookSecret, DEFAULT_TOLERANCE};
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::{get, post};
    use axum::Json;
    use std::sync::Arc;

    #[derive(Default)]
    struct Tally {
        last: HashMap<i64, i64>,
        kept: u64,
        duplicates: u64,
        out_of_order: u64,
        bad_signature: u64,
    }

    struct Shared {
        secret: WebhookSecret,
        tally: Mutex<Tally>,
    }

    pub fn main() -> anyhow::Result<bool> {
        let secret = WebhookSecret::parse(&std::env::var("NATTER_BENCH_SECRET")?)?;
        let shared = Arc::new(Shared {
            secret,
            tally: Mutex::default(),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            println!("{}", listener.local_addr()?.port());
            let app = axum::Router::new()
                .route("/hook", post(receive))
                .route("/stats", get(stats))
                .with_state(shared);
            axum::serve(listener, app).await?;
            Ok(true)
        })
    }

    async fn receive(
        State(shared): State<Arc<Shared>>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        };
        let mut tally = shared.tally.lock().unwrap();
        if verify(
            &[&shared.secret],
            header("natter-signature"),
            &body,
            unix_now(),
            DEFAULT_TOLERANCE,
        )
        .is_err()
        {
            tally.bad_signature += 1;
            return StatusCode::BAD_REQUEST;
        }
        let (Ok(room), Ok(seq)) = (
            header("natter-room").parse::<i64>(),
            header("natter-seq").parse::<i64>(),
        ) else {
            return StatusCode::BAD_REQUEST;
        };
        let last = tally.last.get(&room).copied().unwrap_or(0);
        if seq <= last {
            tally.duplicates += 1;
        } else {
            if seq != last + 1 {
                tally.out_of_order += 1;
            }
            tally.last.insert(room, seq);
            tally.kept += 1;
        }
        StatusCode::NO_CONTENT
    }

    async fn stats(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
        let t = shared.tally.lock().unwrap();
        Json(serde_json::json!({
            "kept": t.kept, "duplicates": t.duplicates, "out_of_order": t.out_of_order, "bad_signature": t.bad_signature,
        }))
    }
}
