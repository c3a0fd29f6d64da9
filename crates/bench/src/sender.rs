//! Senders: each is one user sending stamped messages over the stream
//! (`send` → `ack`) or over HTTP (POST → 201), either paced at a fixed rate
//! (open loop: the schedule does not wait for acks, up to `inflight`
//! outstanding) or as fast as acks allow (rate 0). Every ack's (room, seq)
//! goes into the ledger the receivers are checked against.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::stream::FuturesUnordered;
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use tokio::time::sleep_until;
use tokio_tungstenite::tungstenite::Message;

use crate::api::Api;
use crate::client::{self, clip, Frame};
use crate::clock::{now_ns, stamp_of, stamped_body};
use crate::stats::{Errors, Latency};

/// Highest acknowledged seq per room, shared by all senders while they run
/// (the resume scenario's catch-up target).
pub type Highest = Arc<Mutex<HashMap<i64, i64>>>;

#[derive(Clone)]
pub struct SendPlan {
    pub id: usize,
    pub token: String,
    /// Rooms to send to and their cumulative weights (picked at random by weight).
    pub rooms: Arc<Vec<(i64, f64)>>,
    /// Messages per second for this sender; 0 = as fast as acknowledged.
    pub rate: f64,
    pub size: usize,
    pub inflight: usize,
    /// Stop issuing after this many sends (u64::MAX: only the clock stops it).
    pub max_sends: u64,
    /// Stop issuing sends at this time, give up on acks at `give_up`.
    pub until: Instant,
    pub give_up: Instant,
    pub highest: Highest,
    /// Keep every ack's send time and latency (`SendOutcome::acks`).
    pub keep_acks: bool,
}

#[derive(Default)]
pub struct SendOutcome {
    pub attempted: u64,
    pub acked: u64,
    pub ack: Latency,
    pub errors: Errors,
    /// (room, seq) of every acknowledged send.
    pub acked_seqs: Vec<(i64, i64)>,
    pub first_ns: u64,
    pub last_ns: u64,
    /// With `SendPlan::keep_acks`: (send stamp, ack latency) in ns per ack,
    /// for latency by the time a send was made (`expiry`).
    pub acks: Vec<(u64, u64)>,
    keep_acks: bool,
}

impl SendOutcome {
    fn acked(&mut self, room: i64, seq: i64, sent_ns: Option<u64>, highest: &Highest) {
        let now = now_ns();
        if let Some(sent) = sent_ns {
            self.ack.record_ns(now.saturating_sub(sent));
            if self.keep_acks {
                self.acks.push((sent, now.saturating_sub(sent)));
            }
        }
        self.acked += 1;
        self.acked_seqs.push((room, seq));
        self.last_ns = now;
        let mut h = highest.lock().expect("highest lock");
        let e = h.entry(room).or_insert(0);
        *e = (*e).max(seq);
    }
}

impl SendPlan {
    fn pick_room(&self) -> i64 {
        let total = self.rooms.last().map_or(0.0, |r| r.1);
        if self.rooms.len() == 1 || total <= 0.0 {
            return self.rooms[0].0;
        }
        let x = rand::thread_rng().gen_range(0.0..total);
        let i = self.rooms.partition_point(|(_, cum)| *cum <= x);
        self.rooms[i.min(self.rooms.len() - 1)].0
    }

    /// When send number `n` is due (None: no pacing).
    fn due(&self, start: Instant, n: u64) -> Option<Instant> {
        #[allow(clippy::cast_precision_loss)]
        (self.rate > 0.0).then(|| start + Duration::from_secs_f64(n as f64 / self.rate))
    }

    fn client_id(&self, n: u64) -> String {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        format!("{ms:012x}-b{}-{n}", self.id)
    }
}

/// Sends over the stream.
pub async fn over_ws(stream_url: String, plan: SendPlan) -> SendOutcome {
    let mut out = SendOutcome {
        keep_acks: plan.keep_acks,
        ..SendOutcome::default()
    };
    let ws = match client::connect(&stream_url, &plan.token, None).await {
        Ok(ws) => ws,
        Err(e) => {
            out.errors.add(format!("sender connect: {e:#}"));
            return out;
        }
    };
    let (mut sink, mut stream) = ws.split();
    let start = Instant::now();
    let (mut n, mut pending) = (0u64, 0usize);
    out.first_ns = now_ns();
    loop {
        let sending = Instant::now() < plan.until && n < plan.max_sends;
        if !sending && pending == 0 {
            break;
        }
        let room_for_more = sending && pending < plan.inflight;
        let due = plan.due(start, n).unwrap_or_else(Instant::now);
        tokio::select! {
            biased;
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    if handle_reply(&t, &mut out, &plan.highest) {
                        pending = pending.saturating_sub(1);
                    }
                }
                Some(Ok(Message::Close(c))) => { out.errors.add(format!("sender: closed by the server: {c:?}")); break; }
                Some(Ok(_)) => {}
                Some(Err(e)) => { out.errors.add(format!("sender read: {e}")); break; }
                None => { out.errors.add("sender: the server closed the stream"); break; }
            },
            () = sleep_until(due.into()), if room_for_more => {
                // Paced: one send. Unpaced: fill the window, one flush.
                let window = if plan.rate > 0.0 { 1 } else { plan.inflight - pending };
                let batch = window.min(usize::try_from(plan.max_sends - n).unwrap_or(usize::MAX));
                for _ in 0..batch {
                    let cmd = serde_json::json!({
                        "type": "send",
                        "room_id": plan.pick_room(),
                        "client_id": plan.client_id(n),
                        "body": stamped_body(plan.size),
                    });
                    n += 1;
                    if let Err(e) = sink.feed(Message::text(cmd.to_string())).await {
                        out.errors.add(format!("sender write: {e}"));
                    }
                }
                if let Err(e) = sink.flush().await {
                    out.errors.add(format!("sender flush: {e}"));
                }
                out.attempted += batch as u64;
                pending += batch;
            },
            () = sleep_until(plan.give_up.into()) => {
                out.errors.add(format!("{pending} sends never acknowledged"));
                break;
            }
        }
    }
    out
}

/// An ack or a refused send; true when it answered one of our sends.
fn handle_reply(text: &str, out: &mut SendOutcome, highest: &Highest) -> bool {
    let frame = match Frame::parse(text) {
        Ok(f) => f,
        Err(e) => {
            out.errors.add(format!("{e:#}"));
            return false;
        }
    };
    match frame.kind.as_ref() {
        "ack" => {
            if let Some(m) = frame.message {
                out.acked(m.room_id, m.seq, stamp_of(&m.body), highest);
            }
            true
        }
        "error" if frame.client_id.is_some() => {
            out.errors.add(clip(text).to_owned());
            true
        }
        "error" | "reconnect" => {
            out.errors.add(clip(text).to_owned());
            false
        }
        _ => false,
    }
}

/// Sends over HTTP, up to `inflight` requests at once.
pub async fn over_http(api: Api, plan: SendPlan) -> SendOutcome {
    let mut out = SendOutcome {
        keep_acks: plan.keep_acks,
        ..SendOutcome::default()
    };
    let token: Arc<str> = Arc::from(plan.token.as_str());
    let mut requests = FuturesUnordered::new();
    let mut idle = Vec::new();
    let start = Instant::now();
    let mut n = 0u64;
    out.first_ns = now_ns();
    loop {
        let sending = Instant::now() < plan.until && n < plan.max_sends;
        if !sending && requests.is_empty() {
            break;
        }
        let room_for_more = sending && requests.len() < plan.inflight;
        let due = plan.due(start, n).unwrap_or_else(Instant::now);
        tokio::select! {
            biased;
            Some((conn, room, sent, result)) = requests.next() => {
                // One request per connection at a time; it serves the next one.
                idle.push(conn);
                match result {
                    Ok(seq) => out.acked(room, seq, Some(sent), &plan.highest),
                    Err(e) => out.errors.add(format!("{e:#}")),
                }
            },
            () = sleep_until(due.into()), if room_for_more => {
                let token = Arc::clone(&token);
                let (room, client_id) = (plan.pick_room(), plan.client_id(n));
                n += 1;
                out.attempted += 1;
                let mut conn = match idle.pop() {
                    Some(c) => c,
                    None => match api.conn() {
                        Ok(c) => c,
                        Err(e) => {
                            out.errors.add(format!("{e:#}"));
                            break;
                        }
                    },
                };
                requests.push(async move {
                    let body = stamped_body(plan.size);
                    let sent = stamp_of(&body).unwrap_or_else(now_ns);
                    let result = Api::post_on(&mut conn, &token, room, &client_id, &body).await;
                    (conn, room, sent, result)
                });
            },
            () = sleep_until(plan.give_up.into()) => {
                out.errors.add(format!("{} sends never acknowledged", requests.len()));
                break;
            }
        }
    }
    out
}

/// All senders' outcomes as one, plus the ledger of acked seqs per room.
pub fn combine(outcomes: Vec<SendOutcome>) -> (SendOutcome, HashMap<i64, Vec<i64>>) {
    let mut all = SendOutcome::default();
    let mut ledger: HashMap<i64, Vec<i64>> = HashMap::new();
    for o in outcomes {
        all.attempted += o.attempted;
        all.acked += o.acked;
        all.ack.merge(&o.ack);
        all.errors.merge(o.errors);
        if o.first_ns != 0 && (all.first_ns == 0 || o.first_ns < all.first_ns) {
            all.first_ns = o.first_ns;
        }
        all.last_ns = all.last_ns.max(o.last_ns);
        all.acks.extend(o.acks);
        for (room, seq) in o.acked_seqs {
            ledger.entry(room).or_default().push(seq);
        }
    }
    for (room, seqs) in &mut ledger {
        seqs.sort_unstable();
        // Two acks with one seq would break the per-room order invariant.
        let before = seqs.len();
        seqs.dedup();
        if seqs.len() != before {
            all.errors.add(format!(
                "room {room}: {} seqs acknowledged twice",
                before - seqs.len()
            ));
        }
    }
    (all, ledger)
}
