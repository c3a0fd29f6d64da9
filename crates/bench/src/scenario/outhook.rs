//! `outhook`: `send`'s acknowledged sends with an outgoing webhook in each
//! room (`--hooks 1`, the default) delivering to a receiver in this
//! process, or none (`--hooks 0`, the baseline to compare the server's CPU
//! with). `--hook-down` points the hooks at a loopback port nobody listens
//! on: message delivery to people must not slow down. The server must be
//! started with `--server-arg=--outbound-allow --server-arg=127.0.0.1/32`.
//!
//! The receiver de-duplicates by (room, seq) as docs/webhooks.md tells
//! receivers to; the run waits (up to 2 minutes) until it has every
//! acknowledged message, and the server's CPU is measured from the first
//! send to that moment (with no hooks, to the last ack).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;

use super::{join_senders, measured, Ctx, Load};
use crate::clock::{now_ns, secs_between};
use crate::report::{Report, SendSummary};

/// How long the hooks may take to catch up after the last send.
const CATCH_UP: Duration = Duration::from_mins(2);

#[derive(Debug, Serialize)]
pub struct HookSummary {
    pub hooks: usize,
    pub receiver_down: bool,
    /// New messages the receiver kept (each once, in order per room).
    pub delivered: u64,
    /// Requests for an event it had already kept.
    pub duplicates: u64,
    /// From the last ack to the receiver having every message.
    pub caught_up_secs: Option<f64>,
    /// Server CPU (user + system) per 1,000 acknowledged messages, over
    /// the measured interval.
    pub server_cpu_ms_per_1k: f64,
}

impl HookSummary {
    pub fn print(&self) {
        println!(
            "outgoing hooks   {} (receiver {}); delivered {}, duplicates {}, caught up {}; server CPU {:.1} ms per 1,000 messages",
            self.hooks,
            if self.receiver_down { "down" } else { "up" },
            self.delivered,
            self.duplicates,
            self.caught_up_secs
                .map_or_else(|| "never".to_owned(), |s| format!("{s:.2} s after the last ack")),
            self.server_cpu_ms_per_1k
        );
    }
}

#[derive(Default)]
struct Tally {
    last: HashMap<i64, i64>,
    kept: u64,
    duplicates: u64,
}

pub async fn run(ctx: &Ctx) -> Result<Report> {
    let plan = &ctx.plan;
    let mut report = ctx.empty_report();
    let setup_started = now_ns();
    let owner = ctx.sign_up("owner", 1).await?.remove(0);
    let rooms = ctx.rooms(&owner, plan.rooms).await?;
    let senders = ctx.sign_up("s", plan.clients).await?;
    ctx.join(
        senders
            .iter()
            .flat_map(|s| rooms.iter().map(move |r| (s, *r))),
    )
    .await?;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let down = ctx.opts.hook_down;
    let url = if down {
        // A port that was free a moment ago: connections are refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        format!("http://127.0.0.1:{port}/hook")
    } else {
        receiver(Arc::clone(&tally)).await?
    };
    let hooks = plan.hooks;
    for room in rooms.iter().take(if hooks == 0 { 0 } else { rooms.len() }) {
        make_hook(ctx, &owner.token, *room, &url).await?;
    }
    report.setup_secs = secs_between(setup_started, now_ns());

    let before = ctx.sample()?;
    let before_ns = now_ns();
    let weights: Vec<(i64, f64)> = rooms.iter().map(|r| (*r, 1.0)).collect();
    let highest = Arc::new(Mutex::new(HashMap::new()));
    let handles = ctx.start_senders(&senders, &weights, &highest, &Load::of(plan));
    let (sends, _) = join_senders(handles).await?;
    let acked = sends.acked;
    let last_ack = Instant::now();
    let mut caught_up = None;
    if hooks > 0 && !down {
        while last_ack.elapsed() < CATCH_UP {
            if tally.lock().unwrap().kept >= acked {
                caught_up = Some(last_ack.elapsed().as_secs_f64());
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let after = ctx.sample()?;
    measured(&mut report, &before, before_ns, &after, now_ns());

    let secs = secs_between(sends.first_ns, sends.last_ns);
    #[allow(clippy::cast_precision_loss)]
    let per_sec = if secs > 0.0 { acked as f64 / secs } else { 0.0 };
    report.errors.merge(sends.errors.clone());
    report.sends = Some(SendSummary {
        via: format!("{:?}", plan.via).to_lowercase(),
        attempted: sends.attempted,
        acked,
        per_sec,
        ack_latency: sends.ack.summary(),
    });
    let t = tally.lock().unwrap();
    #[allow(clippy::cast_precision_loss)]
    let per_1k = (after.cpu_secs - before.cpu_secs) * 1000.0 * 1000.0 / acked.max(1) as f64;
    report.hooks = Some(HookSummary {
        hooks: if hooks == 0 { 0 } else { rooms.len() },
        receiver_down: down,
        delivered: t.kept,
        duplicates: t.duplicates,
        caught_up_secs: caught_up,
        server_cpu_ms_per_1k: per_1k,
    });
    Ok(report)
}

/// A receiver on 127.0.0.1 in this process; returns its URL.
async fn receiver(tally: Arc<Mutex<Tally>>) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let app = axum::Router::new().fallback(receive).with_state(tally);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

async fn receive(
    State(tally): State<Arc<Mutex<Tally>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(-1)
    };
    // A batched delivery (`Natter-Events`) carries `{"events":[...]}`:
    // each element is judged as one delivery would be.
    if headers.contains_key("natter-events") {
        let Ok(batch) = serde_json::from_slice::<Batch>(&body) else {
            return StatusCode::BAD_REQUEST;
        };
        let mut t = tally.lock().unwrap();
        for e in batch.events {
            t.keep(e.room_id, e.seq, e.kind == "message.created");
        }
        return StatusCode::NO_CONTENT;
    }
    let (room, seq) = (number("natter-room"), number("natter-seq"));
    let created = memchr(&body, br#""type":"message.created""#);
    tally.lock().unwrap().keep(room, seq, created);
    StatusCode::NO_CONTENT
}

#[derive(serde::Deserialize)]
struct Batch {
    events: Vec<BatchEvent>,
}

#[derive(serde::Deserialize)]
struct BatchEvent {
    room_id: i64,
    seq: i64,
    #[serde(rename = "type")]
    kind: String,
}

impl Tally {
    /// Keeps a new (room, seq), counts one seen before as a duplicate.
    fn keep(&mut self, room: i64, seq: i64, created: bool) {
        let last = self.last.entry(room).or_insert(0);
        if seq <= *last {
            self.duplicates += 1;
        } else {
            *last = seq;
            if created {
                self.kept += 1;
            }
        }
    }
}

fn memchr(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn make_hook(ctx: &Ctx, token: &str, room: i64, url: &str) -> Result<()> {
    let res = reqwest::Client::new()
        .post(
            ctx.server
                .url
                .join(&format!("/api/v1/rooms/{room}/outhooks"))?,
        )
        .bearer_auth(token)
        .json(&serde_json::json!({
            "name": format!("bench-hook-{room}"),
            "url": url,
            "batch": ctx.opts.hook_batch,
        }))
        .send()
        .await
        .context("making an outgoing webhook")?;
    if res.status() != reqwest::StatusCode::CREATED {
        bail!(
            "making an outgoing webhook: {} {} (start the server with --outbound-allow 127.0.0.1/32)",
            res.status(),
            res.text().await.unwrap_or_default()
        );
    }
    Ok(())
}
