//! The results of one run: a readable table on stdout and the same as JSON.

use serde::Serialize;

use crate::cli::Plan;
use crate::scenario::expiry::ExpirySummary;
use crate::scenario::mixed::MixedSummary;
use crate::server::Startup;
use crate::stats::{Errors, Summary};

#[derive(Debug, Serialize)]
pub struct Report {
    pub plan: Plan,
    pub machine: Machine,
    pub server: ServerReport,
    pub setup_secs: f64,
    pub connect: Option<ConnectSummary>,
    pub memory: Option<Memory>,
    pub sends: Option<SendSummary>,
    pub deliveries: Option<DeliverySummary>,
    pub resume: Option<ResumeSummary>,
    pub history: Option<HistorySummary>,
    pub mixed: Option<MixedSummary>,
    pub expiry: Option<ExpirySummary>,
    pub hooks: Option<crate::scenario::outhook::HookSummary>,
    pub failover: Option<crate::scenario::failover::FailoverSummary>,
    pub errors: Errors,
    /// No error, nothing lost or duplicated, everyone connected and caught up.
    pub ok: bool,
}

#[derive(Debug, Serialize)]
pub struct Machine {
    pub nproc: usize,
    pub kernel: String,
    pub cpu: String,
}

impl Machine {
    pub fn read() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("model name"))
                    .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
            })
            .unwrap_or_default();
        Self {
            nproc: std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_owned(),
            cpu,
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct ServerReport {
    pub pid: u32,
    pub startup: Option<Startup>,
    /// CPU seconds (user + system) the server used during the measured phase.
    pub cpu_secs: f64,
    pub wall_secs: f64,
    /// cpu_secs / wall_secs: cores the server kept busy.
    pub cores: f64,
    pub rss_end_kib: u64,
    pub peak_rss_kib: u64,
    /// CPU seconds of the generator's own processes (coordinator and
    /// workers, whole run): it shares the cores with the server.
    pub generator_cpu_secs: f64,
    /// With `--nodes` above 1: each node's share, the first node first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeReport>,
}

/// One node of several: its CPU over the measured phase, its memory at the
/// end, and the send -> receive latency of the clients connected to it.
#[derive(Debug, Default, Serialize)]
pub struct NodeReport {
    pub pid: u32,
    pub cpu_secs: f64,
    pub rss_end_kib: u64,
    pub clients: u64,
    pub deliveries: u64,
    pub latency: Summary,
    /// idle: this node's RSS growth from before its clients connected to
    /// all of them subscribed, per client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_connection_bytes: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct ConnectSummary {
    pub clients: u64,
    pub failed: u64,
    pub workers: usize,
    /// From the first connect to the last subscribed.
    pub secs: f64,
    pub per_sec: f64,
    pub latency: Summary,
}

#[derive(Debug, Serialize)]
pub struct Memory {
    /// Server RSS after users and rooms were made, before any connection.
    pub before_kib: u64,
    /// With every client connected and subscribed.
    pub connected_kib: u64,
    pub per_connection_bytes: f64,
}

#[derive(Debug, Serialize)]
pub struct SendSummary {
    pub via: String,
    pub attempted: u64,
    pub acked: u64,
    pub per_sec: f64,
    pub ack_latency: Summary,
}

#[derive(Debug, Default, Serialize)]
pub struct DeliverySummary {
    pub count: u64,
    pub per_sec: f64,
    pub latency: Summary,
    /// Per message, post to all received (its slowest delivery).
    pub all_received: Summary,
    pub lost: u64,
    pub duplicated: u64,
    pub unacked: u64,
    pub resyncs: u64,
    pub unexpected_closes: u64,
    /// The servers' CPU over the measured phase (all nodes) per delivery,
    /// in µs: what comparing one node with several needs.
    pub server_cpu_us_per_delivery: f64,
}

#[derive(Debug, Serialize)]
pub struct ResumeSummary {
    pub clients: u64,
    pub reconnected: u64,
    pub reconnect: Summary,
    /// From the reconnect order to each client having everything acked before it.
    pub caught_up: Summary,
    pub not_caught_up: u64,
}

#[derive(Debug, Serialize)]
pub struct HistorySummary {
    pub pages: u64,
    pub per_sec: f64,
    pub latency: Summary,
    /// Pages whose seqs were not the expected consecutive run.
    pub bad_pages: u64,
}

impl Report {
    pub fn judge(&mut self) {
        let d = self.deliveries.as_ref();
        self.ok = self.errors.count == 0
            && d.is_none_or(|d| d.lost == 0 && d.duplicated == 0)
            && self.connect.as_ref().is_none_or(|c| c.failed == 0)
            && self.resume.as_ref().is_none_or(|r| r.not_caught_up == 0)
            && self.history.as_ref().is_none_or(|h| h.bad_pages == 0)
            && self.mixed.as_ref().is_none_or(|m| m.unmatched == 0)
            && self
                .failover
                .as_ref()
                .is_none_or(crate::scenario::failover::FailoverSummary::all_resumed);
    }

    pub fn print(&self) {
        let p = &self.plan;
        println!(
            "== {:?}: {} clients, {} rooms, {} senders, rate {} msg/s, {} s, {}-byte bodies, via {:?}",
            p.scenario, p.clients, p.rooms, p.senders, p.rate, p.duration, p.size, p.via
        );
        println!(
            "machine          {} cores, {}, kernel {} (generator on the same cores)",
            self.machine.nproc, self.machine.cpu, self.machine.kernel
        );
        self.server.print();
        println!(
            "setup            {:.2} s (sign-ups, rooms, joins)",
            self.setup_secs
        );
        if let Some(c) = &self.connect {
            println!(
                "connect+sub      {} clients ({} failed) by {} worker(s) in {:.2} s = {:.0}/s; each {}",
                c.clients, c.failed, c.workers, c.secs, c.per_sec, c.latency
            );
        }
        if let Some(m) = &self.memory {
            println!(
                "memory           {:.1} MiB before, {:.1} MiB connected: {:.0} bytes ({:.2} KiB) per connection",
                kib_to_mib(m.before_kib),
                kib_to_mib(m.connected_kib),
                m.per_connection_bytes,
                m.per_connection_bytes / 1024.0
            );
        }
        if let Some(x) = &self.sends {
            println!(
                "sends ({})       {} acked of {} = {:.0}/s; ack {}",
                x.via, x.acked, x.attempted, x.per_sec, x.ack_latency
            );
        }
        if let Some(d) = &self.deliveries {
            println!(
                "deliveries       {} = {:.0}/s; send->receive {}; server CPU {:.2} µs per delivery",
                d.count, d.per_sec, d.latency, d.server_cpu_us_per_delivery
            );
            println!(
                "all received     per message, post to the last member's receive: {}",
                d.all_received
            );
            println!(
                "integrity        lost {}, duplicated {}, unacked-but-seen {}, resyncs {}, server closes {}",
                d.lost, d.duplicated, d.unacked, d.resyncs, d.unexpected_closes
            );
        }
        if let Some(r) = &self.resume {
            println!(
                "resume           {} of {} reconnected, each {}; caught up {}; not caught up {}",
                r.reconnected, r.clients, r.reconnect, r.caught_up, r.not_caught_up
            );
        }
        if let Some(f) = &self.failover {
            f.print();
        }
        if let Some(h) = &self.history {
            println!(
                "history          {} pages = {:.0}/s; {}; bad pages {}",
                h.pages, h.per_sec, h.latency, h.bad_pages
            );
        }
        if let Some(m) = &self.mixed {
            m.print();
        }
        if let Some(e) = &self.expiry {
            e.print();
        }
        if let Some(h) = &self.hooks {
            h.print();
        }
        println!("errors           {}", self.errors.count);
        for e in &self.errors.samples {
            println!("                 {e}");
        }
        println!("result           {}", if self.ok { "OK" } else { "FAILED" });
    }
}

impl ServerReport {
    fn print(&self) {
        let s = self;
        if let Some(st) = &s.startup {
            println!(
                "server start     listening after {:.1} ms, ready (health 200) after {:.1} ms, idle RSS {:.1} MiB",
                st.listening_ms,
                st.ready_ms,
                kib_to_mib(st.idle_rss_kib)
            );
        }
        println!(
            "server load      {:.2} CPU s in {:.2} s = {:.2} cores; RSS {:.1} MiB, peak {:.1} MiB",
            s.cpu_secs,
            s.wall_secs,
            s.cores,
            kib_to_mib(s.rss_end_kib),
            kib_to_mib(s.peak_rss_kib)
        );
        for (i, n) in s.nodes.iter().enumerate() {
            let per_connection = n.per_connection_bytes.map_or(String::new(), |b| {
                format!(", {b:.0} bytes ({:.2} KiB) per connection", b / 1024.0)
            });
            println!(
                "node {i} (pid {})  {:.2} CPU s, RSS {:.1} MiB; {} clients{per_connection}, {} deliveries, send->receive {}",
                n.pid,
                n.cpu_secs,
                kib_to_mib(n.rss_end_kib),
                n.clients,
                n.deliveries,
                n.latency
            );
        }
        println!(
            "generator        {:.2} CPU s (coordinator + workers, whole run)",
            s.generator_cpu_secs
        );
    }
}

#[allow(clippy::cast_precision_loss)]
fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
