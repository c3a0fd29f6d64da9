//! The `mixed` scenario's senders: each is one user issuing messages,
//! thread replies and reactions (adds and removes) at a fixed rate (open
//! loop, up to `inflight` requests outstanding), the kind of each drawn by
//! the mix. Everything goes over HTTP — reactions have no stream command —
//! so the kinds' costs compare like with like. A sender keeps which of its
//! reactions stand (acknowledged), so it removes only what it added and
//! never has two requests about one (message, emoji) in flight: every
//! acknowledged change is then one room event, which the receivers' check
//! relies on.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use rand::Rng;
use tokio::time::sleep_until;

use crate::api::{Account, Api};
use crate::client::reaction_key;
use crate::clock::{now_ns, stamp_of, stamped_body};
use crate::http1::Conn;
use crate::stats::{Errors, Latency};

/// Single code points, so a receiver's `emoji` is exactly what was sent;
/// fewer than the 20 different emoji a message may carry.
pub const EMOJI: [&str; 8] = ["👍", "😀", "🎉", "🚀", "👀", "🙏", "🔥", "😂"];

/// What a request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Message,
    Reply,
    Reaction,
}

impl OpKind {
    pub const ALL: [OpKind; 3] = [OpKind::Message, OpKind::Reply, OpKind::Reaction];

    pub fn name(self) -> &'static str {
        match self {
            OpKind::Message => "message",
            OpKind::Reply => "reply",
            OpKind::Reaction => "reaction",
        }
    }
}

pub struct MixPlan {
    pub id: usize,
    pub account: Account,
    /// Rooms and, per room, the seqs of the messages replies and reactions go to.
    pub targets: Arc<Vec<(i64, Vec<i64>)>>,
    /// Shares of messages, replies, reactions.
    pub mix: [u32; 3],
    /// Operations per second for this sender.
    pub rate: f64,
    pub size: usize,
    pub inflight: usize,
    pub until: Instant,
    pub give_up: Instant,
}

/// What one kind of operation did.
#[derive(Default)]
pub struct KindOutcome {
    pub attempted: u64,
    pub acked: u64,
    pub ack: Latency,
}

#[derive(Default)]
pub struct MixOutcome {
    /// Per `OpKind::ALL`.
    pub kinds: [KindOutcome; 3],
    pub reaction_adds: u64,
    pub reaction_removes: u64,
    pub errors: Errors,
    /// Every acknowledged reaction change: its key and when it was issued.
    pub reactions: Vec<(String, u64)>,
}

impl MixOutcome {
    pub fn merge(&mut self, other: MixOutcome) {
        for (mine, theirs) in self.kinds.iter_mut().zip(other.kinds) {
            mine.attempted += theirs.attempted;
            mine.acked += theirs.acked;
            mine.ack.merge(&theirs.ack);
        }
        self.reaction_adds += other.reaction_adds;
        self.reaction_removes += other.reaction_removes;
        self.errors.merge(other.errors);
        self.reactions.extend(other.reactions);
    }
}

/// One request about to go out.
#[derive(Debug, Clone)]
enum Op {
    Message {
        room: i64,
    },
    Reply {
        room: i64,
        root: i64,
    },
    React {
        room: i64,
        seq: i64,
        emoji: usize,
        add: bool,
    },
}

impl Op {
    fn kind(&self) -> usize {
        match self {
            Op::Message { .. } => 0,
            Op::Reply { .. } => 1,
            Op::React { .. } => 2,
        }
    }
}

/// The sender's reactions: standing (acknowledged) and in flight, by
/// (room, seq, emoji).
#[derive(Default)]
struct Reactions {
    standing: HashSet<(i64, i64, usize)>,
    busy: HashSet<(i64, i64, usize)>,
}

impl MixPlan {
    fn pick(&self, reactions: &mut Reactions) -> Op {
        let mut rng = rand::thread_rng();
        let (room, seqs) = &self.targets[rng.gen_range(0..self.targets.len())];
        let total = self.mix.iter().sum::<u32>().max(1);
        let x = rng.gen_range(0..total);
        if x < self.mix[0] {
            return Op::Message { room: *room };
        }
        let seq = seqs[rng.gen_range(0..seqs.len())];
        if x < self.mix[0] + self.mix[1] {
            return Op::Reply {
                room: *room,
                root: seq,
            };
        }
        // Half the time take back a standing reaction (if any is free),
        // otherwise add a free emoji (another message if all are busy).
        if !reactions.standing.is_empty() && rng.gen_bool(0.5) {
            let n = rng.gen_range(0..reactions.standing.len());
            let at = *reactions.standing.iter().nth(n).expect("n < len");
            if at.0 == *room && reactions.busy.insert(at) {
                return Op::React {
                    room: at.0,
                    seq: at.1,
                    emoji: at.2,
                    add: false,
                };
            }
        }
        for _ in 0..16 {
            let seq = seqs[rng.gen_range(0..seqs.len())];
            let emoji = rng.gen_range(0..EMOJI.len());
            let at = (*room, seq, emoji);
            if reactions.busy.insert(at) {
                let add = !reactions.standing.contains(&at);
                return Op::React {
                    room: *room,
                    seq,
                    emoji,
                    add,
                };
            }
        }
        Op::Message { room: *room }
    }

    fn client_id(&self, n: u64) -> String {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        format!("{ms:012x}-m{}-{n}", self.id)
    }
}

/// Runs one sender until `until`, then waits for its answers.
pub async fn run(api: Api, plan: MixPlan) -> MixOutcome {
    let mut out = MixOutcome::default();
    let token: Arc<str> = Arc::from(plan.account.token.as_str());
    let mut reactions = Reactions::default();
    let mut requests = FuturesUnordered::new();
    let mut idle: Vec<Conn> = Vec::new();
    let start = Instant::now();
    let mut n = 0u64;
    loop {
        let sending = Instant::now() < plan.until;
        if !sending && requests.is_empty() {
            break;
        }
        let room_for_more = sending && requests.len() < plan.inflight;
        #[allow(clippy::cast_precision_loss)]
        let due = start + Duration::from_secs_f64(n as f64 / plan.rate.max(0.001));
        tokio::select! {
            biased;
            Some((conn, op, sent, result)) = requests.next() => {
                idle.push(conn);
                settle(&plan, &mut out, &mut reactions, &op, sent, result);
            },
            () = sleep_until(due.into()), if room_for_more => {
                let op = plan.pick(&mut reactions);
                let client_id = plan.client_id(n);
                n += 1;
                out.kinds[op.kind()].attempted += 1;
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
                let token = Arc::clone(&token);
                let size = plan.size;
                requests.push(async move {
                    let body = stamped_body(size);
                    let sent = stamp_of(&body).unwrap_or_else(now_ns);
                    let result = issue(&mut conn, &token, &op, &client_id, &body).await;
                    (conn, op, sent, result)
                });
            },
            () = sleep_until(plan.give_up.into()) => {
                out.errors.add(format!("{} requests never answered", requests.len()));
                break;
            }
        }
    }
    out
}

/// Books an answer: latency, and for reactions the new standing.
fn settle(
    plan: &MixPlan,
    out: &mut MixOutcome,
    reactions: &mut Reactions,
    op: &Op,
    sent: u64,
    result: Result<()>,
) {
    if let Op::React {
        room,
        seq,
        emoji,
        add,
    } = *op
    {
        reactions.busy.remove(&(room, seq, emoji));
        if result.is_ok() {
            if add {
                reactions.standing.insert((room, seq, emoji));
                out.reaction_adds += 1;
            } else {
                reactions.standing.remove(&(room, seq, emoji));
                out.reaction_removes += 1;
            }
            let key = reaction_key(room, seq, EMOJI[emoji], &plan.account.username, add);
            out.reactions.push((key, sent));
        }
    }
    match result {
        Ok(()) => {
            let k = &mut out.kinds[op.kind()];
            k.acked += 1;
            k.ack.record_ns(now_ns().saturating_sub(sent));
        }
        Err(e) => out.errors.add(format!("{e:#}")),
    }
}

async fn issue(conn: &mut Conn, token: &str, op: &Op, client_id: &str, body: &str) -> Result<()> {
    let (method, path, json, expect) = match *op {
        Op::Message { room } => (
            "POST",
            format!("/api/v1/rooms/{room}/messages"),
            Some(serde_json::json!({ "body": body, "client_id": client_id })),
            201,
        ),
        Op::Reply { room, root } => (
            "POST",
            format!("/api/v1/rooms/{room}/messages/{root}/replies"),
            Some(serde_json::json!({ "body": body, "client_id": client_id })),
            201,
        ),
        Op::React {
            room,
            seq,
            emoji,
            add,
        } => (
            if add { "PUT" } else { "DELETE" },
            format!(
                "/api/v1/rooms/{room}/messages/{seq}/reactions/{}",
                percent_encode(EMOJI[emoji])
            ),
            None,
            200,
        ),
    };
    let json = json.map(|j| j.to_string());
    let reply = conn
        .call(method, &path, token, json.as_deref().map(str::as_bytes))
        .await?;
    if reply.status != expect {
        bail!(
            "{method} {path}: {} {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        );
    }
    // A reaction that changed nothing logs no event: the sender's own
    // bookkeeping must have gone wrong, and the receivers' check with it.
    if matches!(op, Op::React { .. }) && !reply.body.starts_with(br#"{"changed":true"#) {
        bail!(
            "{method} {path} changed nothing: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    Ok(())
}

fn percent_encode(text: &str) -> String {
    use std::fmt::Write;
    text.bytes().fold(String::new(), |mut s, b| {
        let _ = write!(s, "%{b:02X}");
        s
    })
}

/// Starts `accounts.len()` senders sharing `rate` operations per second.
pub fn start(
    api: &Api,
    accounts: &[Account],
    targets: &Arc<Vec<(i64, Vec<i64>)>>,
    shape: (&[u32; 3], f64, usize, usize),
    until: Instant,
    give_up: Instant,
) -> Vec<tokio::task::JoinHandle<MixOutcome>> {
    let (mix, rate, size, inflight) = shape;
    #[allow(clippy::cast_precision_loss)]
    let each = rate / accounts.len().max(1) as f64;
    accounts
        .iter()
        .enumerate()
        .map(|(id, account)| {
            let plan = MixPlan {
                id,
                account: account.clone(),
                targets: Arc::clone(targets),
                mix: *mix,
                rate: each,
                size,
                inflight,
                until,
                give_up,
            };
            tokio::spawn(run(api.clone(), plan))
        })
        .collect()
}

/// Issue times of acknowledged reaction changes by key, in issue order
/// (a key repeats when a user adds, removes and adds again).
pub fn reaction_times(outcome: &MixOutcome) -> HashMap<String, Vec<u64>> {
    let mut times: HashMap<String, Vec<u64>> = HashMap::new();
    for (key, sent) in &outcome.reactions {
        times.entry(key.clone()).or_default().push(*sent);
    }
    for v in times.values_mut() {
        v.sort_unstable();
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emoji_is_percent_encoded_byte_by_byte() {
        assert_eq!(percent_encode("👍"), "%F0%9F%91%8D");
    }
}
