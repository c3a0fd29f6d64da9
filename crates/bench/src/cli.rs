//! Command-line options. One positional scenario and one set of knobs;
//! each scenario fills the knobs it uses with its own small defaults, so a
//! bare `natter-bench fanout --server-bin target/release/natter` is a smoke run.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use serde::Serialize;

/// Load generator for Natter: drives a real server over HTTP and WebSocket
/// and reports throughput, latency, loss and the server's CPU and memory.
#[derive(Debug, Parser)]
#[command(name = "natter-bench", version, about)]
pub struct Cli {
    /// What to measure
    #[arg(value_enum, required_unless_present_any = ["worker", "floor_reader"])]
    pub scenario: Option<ScenarioKind>,

    #[command(flatten)]
    pub opts: Opts,

    /// Internal: run as a worker process holding clients (job on stdin)
    #[arg(long, hide = true)]
    pub worker: bool,

    /// Internal: run as a reader process of `floor` (job as JSON)
    #[arg(long, hide = true, value_name = "JOB")]
    pub floor_reader: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScenarioKind {
    /// One room, many receiving clients, a few senders at a fixed total rate
    Fanout,
    /// Many rooms of different sizes, rates proportional to size
    Rooms,
    /// Connect and subscribe clients, hold them, measure connect rate and RSS
    Idle,
    /// As many concurrent acknowledged sends as the server takes
    Send,
    /// History page reads (newest and random older pages) with concurrency
    History,
    /// All clients drop at once while messages flow, then resume from cursors
    Resume,
    /// Several nodes (--nodes): a third of the way in, --kill-node is
    /// SIGKILLed while messages flow through the others; its clients move
    /// to the other nodes and resume from their cursors
    Failover,
    /// No server: the kernel's own cost of writing one frame to each of
    /// --clients loopback connections, the floor under fanout
    Floor,
    /// Messages, thread replies and reactions at --mix ratios (all over
    /// HTTP), with receivers checking every room event and timing each kind
    Mixed,
    /// --seed messages written into the database before the server starts,
    /// all due to disappear --due-in s into the sending, while --clients
    /// send; --seed 0 is the same run without the expiry
    Expiry,
    /// `send` with an outgoing webhook per room delivering to a receiver in
    /// the generator (--hooks 0: the baseline; --hook-down: a dead URL)
    Outhook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Http,
    Ws,
}

#[derive(Debug, Clone, clap::Args, Serialize)]
pub struct Opts {
    /// Start this server binary on 127.0.0.1 with a fresh temporary data directory
    #[arg(long, value_name = "PATH", conflicts_with = "url")]
    pub server_bin: Option<PathBuf>,

    /// Use a running server at this loopback URL (needs --pid for CPU and memory)
    #[arg(long, value_name = "URL", requires = "pid")]
    pub url: Option<String>,

    /// The running server's process id (with --url)
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,

    /// Receiving clients (fanout, rooms, idle, resume) or concurrent
    /// connections (send, history)
    #[arg(long, short = 'c')]
    pub clients: Option<usize>,

    /// Rooms
    #[arg(long)]
    pub rooms: Option<usize>,

    /// Sending users (fanout, rooms, resume)
    #[arg(long)]
    pub senders: Option<usize>,

    /// Messages per second, all senders together (0 = as fast as acknowledged)
    #[arg(long, short = 'r')]
    pub rate: Option<f64>,

    /// Seconds of sending (or holding, for idle; reading, for history)
    #[arg(long, short = 'd')]
    pub duration: Option<f64>,

    /// Message body size in bytes (at least the ~22-byte time stamp)
    #[arg(long, default_value_t = 64)]
    pub size: usize,

    /// How messages are sent
    #[arg(long, value_enum)]
    pub via: Option<Via>,

    /// Sends waiting for their acknowledgement per connection (send scenario over ws)
    #[arg(long)]
    pub inflight: Option<usize>,

    /// Messages written into the room before reading (history)
    #[arg(long)]
    pub fill: Option<usize>,

    /// Seconds the clients stay away before resuming (resume)
    #[arg(long)]
    pub away: Option<f64>,

    /// Most receiving clients held by one worker process (the open-file limit is per process)
    #[arg(long, default_value_t = 15_000)]
    pub per_worker: usize,

    /// Worker processes (default: as few as --per-worker allows)
    #[arg(long)]
    pub workers: Option<usize>,

    /// Threads writing the frames (floor)
    #[arg(long, default_value_t = 1)]
    pub writers: usize,

    /// Connections being opened at once, per worker
    #[arg(long, default_value_t = 256)]
    pub connect_concurrency: usize,

    /// Microseconds a worker sleeps when it has read everything, before it
    /// waits for more (0: wait at once). What arrives meanwhile is read in
    /// one go with one wake-up, which spares the two shared cores; a frame
    /// that arrives during the pause is read up to this much later, and
    /// its latency includes that
    #[arg(long, default_value_t = 500, value_name = "US")]
    pub read_pause_us: u64,

    /// HTTP requests at once while creating users and rooms
    #[arg(long, default_value_t = 64)]
    pub setup_concurrency: usize,

    /// Seconds to wait for the last deliveries after sending stops
    #[arg(long, default_value_t = 15.0)]
    pub drain: f64,

    /// Write the results here as JSON
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// mixed: percent messages / thread replies / reactions (adds and
    /// removes), e.g. 75/15/10 or 0/0/100
    #[arg(long, value_name = "M/R/X", value_parser = parse_mix)]
    pub mix: Option<[u32; 3]>,

    /// mixed: messages written into each room before the clock starts,
    /// for replies and reactions to land on
    #[arg(long)]
    pub targets: Option<usize>,

    /// expiry: messages written into the database before the server
    /// starts, all disappearing at the same second (0: no expiry)
    #[arg(long)]
    pub seed: Option<usize>,

    /// outhook: outgoing webhooks per room (0: none, the baseline; 1: one)
    #[arg(long)]
    pub hooks: Option<usize>,

    /// outhook: point the hooks at a loopback port nobody listens on
    #[arg(long)]
    pub hook_down: bool,

    /// outhook: make the hooks take batches (`"batch": true`: one signed
    /// POST of several events)
    #[arg(long)]
    pub hook_batch: bool,

    /// expiry: seconds after sending starts at which the seeded messages
    /// fall due
    #[arg(long)]
    pub due_in: Option<f64>,

    /// expiry: seed the same messages but keep them (due an hour after the
    /// run): the same database and load with nothing expiring, to compare
    /// the acks after --due-in with
    #[arg(long)]
    pub keep_seeded: bool,

    /// Nodes of one chat started from --server-bin with the same --server-arg
    /// (more than one needs a shared PostgreSQL --database-url and a --bus-url);
    /// clients and senders are spread over them, CPU and memory are summed
    #[arg(long, default_value_t = 1, requires = "server_bin")]
    pub nodes: usize,

    /// failover: the node to SIGKILL (0 is the first)
    #[arg(long, default_value_t = 0)]
    pub kill_node: usize,

    /// Extra arguments for the server started with --server-bin (repeatable)
    #[arg(long = "server-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub server_args: Vec<String>,
}

/// The knobs a scenario runs with, defaults filled in.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub scenario: ScenarioKind,
    pub clients: usize,
    pub rooms: usize,
    pub senders: usize,
    pub rate: f64,
    pub duration: f64,
    pub size: usize,
    pub via: Via,
    pub inflight: usize,
    pub fill: usize,
    pub away: f64,
    /// mixed: percent of operations that are messages, replies, reactions.
    pub mix: [u32; 3],
    pub targets: usize,
    pub seed: usize,
    pub due_in: f64,
    pub hooks: usize,
}

impl Plan {
    /// Small defaults per scenario: a run of a few seconds.
    pub fn new(scenario: ScenarioKind, o: &Opts) -> Self {
        use ScenarioKind as S;
        let (clients, rooms, senders, rate, duration) = match scenario {
            S::Fanout => (100, 1, 1, 100.0, 5.0),
            S::Rooms => (300, 20, 4, 200.0, 5.0),
            S::Idle => (1000, 10, 0, 0.0, 2.0),
            // An outgoing hook is measured on the send scenario's load.
            S::Send | S::Outhook => (32, 8, 0, 0.0, 5.0),
            S::History => (32, 1, 0, 0.0, 5.0),
            S::Resume => (500, 1, 1, 200.0, 6.0),
            S::Failover => (300, 1, 2, 200.0, 6.0),
            S::Floor => (1000, 1, 0, 10.0, 3.0),
            S::Mixed => (100, 2, 4, 200.0, 5.0),
            S::Expiry => (100, 10, 0, 0.0, 6.0),
        };
        // `mixed` sends everything over HTTP (reactions have no stream
        // command), many requests at once per sender.
        let via = if scenario == S::Mixed {
            Via::Http
        } else {
            o.via.unwrap_or(Via::Ws)
        };
        let inflight_default = if via == Via::Ws || scenario == S::Mixed {
            32
        } else {
            1
        };
        Plan {
            scenario,
            clients: o.clients.unwrap_or(clients).max(1),
            rooms: o.rooms.unwrap_or(rooms).max(1),
            senders: o.senders.unwrap_or(senders),
            rate: o.rate.unwrap_or(rate).max(0.0),
            duration: o.duration.unwrap_or(duration).max(0.1),
            size: o.size,
            via,
            inflight: o.inflight.unwrap_or(inflight_default).max(1),
            fill: o.fill.unwrap_or(5000),
            away: o.away.unwrap_or(1.0),
            mix: o.mix.unwrap_or([75, 15, 10]),
            targets: o.targets.unwrap_or(50).max(1),
            seed: o.seed.unwrap_or(20_000),
            due_in: o.due_in.unwrap_or(2.0).max(0.0),
            hooks: o.hooks.unwrap_or(1),
        }
    }
}

/// `75/15/10` as three shares (relative weights; they need not add to 100).
fn parse_mix(text: &str) -> Result<[u32; 3], String> {
    let parts = text
        .split('/')
        .map(|p| p.trim().parse::<u32>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{text}: {e}"))?;
    match parts.as_slice() {
        [m, r, x] if m + r + x > 0 => Ok([*m, *r, *x]),
        _ => Err(format!(
            "{text}: give three shares as messages/replies/reactions, e.g. 75/15/10"
        )),
    }
}
