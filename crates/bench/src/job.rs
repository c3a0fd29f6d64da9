//! What the coordinator and its worker processes say to each other: a job
//! (first line on the worker's stdin), then commands on stdin and events on
//! stdout, one JSON object per line.

use serde::{Deserialize, Serialize};

use crate::stats::{Errors, WireLatency, WireSlowest};

/// The clients one worker holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct Job {
    pub index: usize,
    pub stream_url: String,
    pub clients: Vec<ClientJob>,
    pub connect_concurrency: usize,
    /// Microseconds the worker sleeps when it runs out of work, before it
    /// waits on the kernel (`--read-pause-us`).
    pub read_pause_us: u64,
    /// Keep each room event's first and last receive time (`mixed`).
    #[serde(default)]
    pub track_events: bool,
    /// (room, seq) the clients first subscribe after (rooms not named: 0).
    #[serde(default)]
    pub start_after: Vec<(i64, i64)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientJob {
    pub token: String,
    pub rooms: Vec<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Command {
    /// Connect and subscribe every client.
    Go,
    /// Drop every connection at once (no close handshake), as a network cut would.
    Drop,
    /// Reconnect everyone and resume from their cursors; caught up means
    /// having every seq up to `target[room]`.
    Reconnect { target: Vec<(i64, i64)> },
    /// This worker's node is about to be killed (at `at_ns`, monotonic):
    /// when a client's connection ends, it moves to one of `urls` (the
    /// other nodes, as a load balancer would send it) and resumes from its
    /// cursors; resumed means having every seq up to `target[room]`, timed
    /// from `at_ns`.
    Failover {
        urls: Vec<String>,
        at_ns: u64,
        target: Vec<(i64, i64)>,
    },
    /// Sending is over: wait up to `drain_ms` for the acknowledged seqs to
    /// arrive, check them, report and exit.
    Finish {
        ledger: Vec<(i64, Vec<i64>)>,
        drain_ms: u64,
    },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Ready(ConnectReport),
    Result(Box<WorkerResult>),
}

/// How connecting and subscribing went.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConnectReport {
    pub connected: u64,
    pub failed: u64,
    /// Monotonic ns when the first connect started and the last subscribe finished.
    pub start_ns: u64,
    pub end_ns: u64,
    pub latency: WireLatency,
    pub errors: Errors,
}

/// What a worker's clients received.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WorkerResult {
    pub deliveries: u64,
    pub first_ns: u64,
    pub last_ns: u64,
    /// Send → receive, per delivery.
    pub latency: WireLatency,
    /// Per message, the slowest of this worker's deliveries of it.
    pub slowest: WireSlowest,
    /// Acknowledged seqs a client of the room never received.
    pub lost: u64,
    /// Seqs a client received more than once.
    pub duplicated: u64,
    /// Seqs received that no sender saw acknowledged (e.g. a send that timed out).
    pub unacked: u64,
    pub resyncs: u64,
    /// Connections the server closed on its own.
    pub unexpected_closes: u64,
    pub errors: Errors,
    /// After a `Reconnect`: reconnect + subscribe per client, and the time
    /// from the command until each client had everything up to its target.
    pub reconnect: Option<ConnectReport>,
    pub caught_up: WireLatency,
    pub not_caught_up: u64,
    /// After a `Failover`: clients whose connection ended and who moved
    /// to another node.
    #[serde(default)]
    pub moved: u64,
    /// CPU seconds this worker process used in all (the generator's share
    /// of the two cores).
    pub cpu_secs: f64,
    /// Deliveries per kind of room event (`live_event::Kind` order).
    #[serde(default)]
    pub kinds: Vec<u64>,
    /// With `track_events`: every room event this worker's clients got.
    #[serde(default)]
    pub events: Vec<SeenEvent>,
    /// After a `Failover`: each moved client's way to its new node.
    #[serde(default)]
    pub moves: Vec<Move>,
}

/// When a client that moved (failover) passed each step on its way to the
/// new node, each a `clock::now_ns` (0: not reached). Tells which step a slow
/// resume waited on: the generator's connect slot, the connection and
/// upgrade, the subscribe, or the missed messages.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Move {
    /// Its connection to the killed node ended.
    pub ended: u64,
    /// It got one of its worker's connect slots (`--connect-concurrency`).
    pub slot: u64,
    /// TCP connected and the WebSocket upgrade answered.
    pub open: u64,
    /// Every room answered `subscribed`.
    pub subscribed: u64,
    /// It held everything acknowledged before the kill.
    pub caught_up: u64,
}

/// One room event as this worker's clients saw it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeenEvent {
    pub room: i64,
    pub seq: i64,
    /// `live_event::Kind` index.
    pub kind: usize,
    /// Monotonic ns of its first and last delivery here.
    pub first_ns: u64,
    pub last_ns: u64,
    /// The send stamp in a message's body.
    pub stamp: Option<u64>,
    /// A reaction's identity (`client::reaction_key`).
    pub key: Option<String>,
}
