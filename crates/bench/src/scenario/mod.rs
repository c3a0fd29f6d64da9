//! The scenarios and what they share: the server, the API client, making
//! users and rooms, measuring the server over a phase, starting senders.

pub mod expiry;
pub mod failover;
mod failover_way;
mod history;
mod live;
pub mod mixed;
pub mod outhook;
mod send;
mod tally;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::stream::{self, StreamExt, TryStreamExt};

use crate::api::{Account, Api};
use crate::cli::{Opts, Plan, ScenarioKind, Via};
use crate::clock::{now_ns, secs_between};
use crate::proc::ProcSample;
use crate::report::{Machine, Report, ServerReport};
use crate::sender::{self, Highest, SendOutcome, SendPlan};
use crate::server::Server;
use crate::stats::Errors;

pub struct Ctx {
    pub opts: Opts,
    pub plan: Plan,
    pub server: Server,
    pub api: Api,
}

pub async fn run(scenario: ScenarioKind, opts: Opts) -> Result<Report> {
    let plan = Plan::new(scenario, &opts);
    if scenario == ScenarioKind::Expiry {
        let mut report = expiry::run(opts, plan).await?;
        report.server.generator_cpu_secs += crate::proc::sample(std::process::id())?.cpu_secs;
        report.judge();
        return Ok(report);
    }
    let server = match (&opts.server_bin, &opts.url, opts.pid) {
        (Some(bin), _, _) => Server::start_nodes(bin, &opts.server_args, opts.nodes).await?,
        (None, Some(url), Some(pid)) => Server::attach(url, pid)?,
        _ => anyhow::bail!("give --server-bin PATH, or --url URL and --pid PID"),
    };
    let api = Api::new(server.url.clone());
    let ctx = Ctx {
        opts,
        plan,
        server,
        api,
    };
    let mut report = match scenario {
        ScenarioKind::Fanout | ScenarioKind::Rooms | ScenarioKind::Idle | ScenarioKind::Resume => {
            live::run(&ctx).await?
        }
        ScenarioKind::Failover => failover::run(&ctx).await?,
        ScenarioKind::Send => send::run(&ctx).await?,
        ScenarioKind::Outhook => outhook::run(&ctx).await?,
        ScenarioKind::History => history::run(&ctx).await?,
        ScenarioKind::Mixed => mixed::run(&ctx).await?,
        ScenarioKind::Expiry => unreachable!("expiry runs its own servers (above)"),
        ScenarioKind::Floor => anyhow::bail!("floor runs without a server (see floor.rs)"),
    };
    // The workers add theirs in `live`.
    report.server.generator_cpu_secs += crate::proc::sample(std::process::id())?.cpu_secs;
    if let Some(d) = report.deliveries.as_mut() {
        #[allow(clippy::cast_precision_loss)]
        let per = report.server.cpu_secs * 1e6 / d.count.max(1) as f64;
        d.server_cpu_us_per_delivery = per;
    }
    report.judge();
    Ok(report)
}

impl Ctx {
    pub fn empty_report(&self) -> Report {
        Report {
            plan: self.plan.clone(),
            machine: Machine::read(),
            server: ServerReport {
                pid: self.server.pid,
                startup: self.server.startup,
                ..ServerReport::default()
            },
            setup_secs: 0.0,
            connect: None,
            memory: None,
            sends: None,
            deliveries: None,
            resume: None,
            history: None,
            mixed: None,
            expiry: None,
            hooks: None,
            failover: None,
            errors: Errors::default(),
            ok: false,
        }
    }

    /// A unique prefix per run, so a run against a long-lived server
    /// (`--url`) never collides with the users of an earlier one.
    pub fn prefix(what: &str) -> String {
        format!("{what}{}x", now_ns() % 1_000_000_000)
    }

    pub async fn sign_up(&self, what: &str, count: usize) -> Result<Vec<Account>> {
        self.api
            .sign_up_many(&Self::prefix(what), count, self.opts.setup_concurrency)
            .await
    }

    /// Creates `count` public rooms owned by `owner`.
    pub async fn rooms(&self, owner: &Account, count: usize) -> Result<Vec<i64>> {
        let prefix = Self::prefix("room");
        stream::iter(0..count)
            .map(|i| {
                let name = format!("{prefix}{i}");
                async move { self.api.create_room(&owner.token, &name).await }
            })
            .buffered(self.opts.setup_concurrency.max(1))
            .try_collect()
            .await
    }

    /// Joins every account to every room in its list.
    pub async fn join(&self, pairs: impl IntoIterator<Item = (&Account, i64)>) -> Result<()> {
        let pairs = pairs
            .into_iter()
            .map(|(a, r)| (Arc::<str>::from(a.token.as_str()), r))
            .collect();
        self.api.join_many(pairs, self.opts.setup_concurrency).await
    }

    pub fn sample(&self) -> Result<ProcSample> {
        self.server.sample()
    }

    /// Starts one sender per account against `rooms` (room, weight) with
    /// `load` shared between them.
    pub fn start_senders(
        &self,
        accounts: &[Account],
        rooms: &[(i64, f64)],
        highest: &Highest,
        load: &Load,
    ) -> Vec<tokio::task::JoinHandle<SendOutcome>> {
        let mut cumulative = Vec::with_capacity(rooms.len());
        let mut sum = 0.0;
        for (room, weight) in rooms {
            sum += weight;
            cumulative.push((*room, sum));
        }
        let rooms = Arc::new(cumulative);
        // Sender `i` sends on the `i % n`th of the nodes it may use.
        let nodes: Vec<&Server> = self
            .server
            .nodes()
            .enumerate()
            .filter(|(i, _)| Some(*i) != load.avoid_node)
            .map(|(_, n)| n)
            .collect();
        let stream_urls: Vec<String> = nodes.iter().map(|n| n.stream_url()).collect();
        let apis: Vec<Api> = nodes.iter().map(|n| Api::new(n.url.clone())).collect();
        let until = Instant::now() + Duration::from_secs_f64(load.duration);
        let give_up = until + Duration::from_secs_f64(self.opts.drain);
        #[allow(clippy::cast_precision_loss)]
        let rate = load.rate / accounts.len().max(1) as f64;
        let per_sender = load.max_sends.div_ceil(accounts.len().max(1) as u64);
        accounts
            .iter()
            .enumerate()
            .map(|(id, a)| {
                let plan = SendPlan {
                    id,
                    token: a.token.clone(),
                    rooms: Arc::clone(&rooms),
                    rate,
                    size: self.plan.size,
                    inflight: load.inflight,
                    max_sends: per_sender,
                    until,
                    give_up,
                    highest: Arc::clone(highest),
                    keep_acks: load.keep_acks,
                };
                match load.via {
                    Via::Ws => tokio::spawn(sender::over_ws(
                        stream_urls[id % stream_urls.len()].clone(),
                        plan,
                    )),
                    Via::Http => {
                        tokio::spawn(sender::over_http(apis[id % apis.len()].clone(), plan))
                    }
                }
            })
            .collect()
    }
}

/// How hard senders send, all of them together.
pub struct Load {
    /// Messages per second in total; 0 = as fast as acknowledged.
    pub rate: f64,
    pub duration: f64,
    pub via: Via,
    pub inflight: usize,
    pub max_sends: u64,
    /// Keep each ack's send time and latency.
    pub keep_acks: bool,
    /// A node no sender uses (the one `failover` kills).
    pub avoid_node: Option<usize>,
}

impl Load {
    /// The plan's load: its rate for its duration.
    pub fn of(plan: &Plan) -> Self {
        Self {
            rate: plan.rate,
            duration: plan.duration,
            via: plan.via,
            inflight: plan.inflight,
            max_sends: u64::MAX,
            keep_acks: false,
            avoid_node: None,
        }
    }
}

/// Fills the server section from samples taken around the measured phase.
pub fn measured(
    report: &mut Report,
    before: &ProcSample,
    before_ns: u64,
    after: &ProcSample,
    after_ns: u64,
) {
    let s = &mut report.server;
    s.cpu_secs = after.cpu_secs - before.cpu_secs;
    s.wall_secs = secs_between(before_ns, after_ns);
    s.cores = if s.wall_secs > 0.0 {
        s.cpu_secs / s.wall_secs
    } else {
        0.0
    };
    s.rss_end_kib = after.rss_kib;
    s.peak_rss_kib = after.hwm_kib;
}

/// Waits for every sender and combines what they did.
pub async fn join_senders(
    handles: Vec<tokio::task::JoinHandle<SendOutcome>>,
) -> Result<(SendOutcome, std::collections::HashMap<i64, Vec<i64>>)> {
    let mut outcomes = Vec::with_capacity(handles.len());
    for h in handles {
        outcomes.push(h.await?);
    }
    Ok(sender::combine(outcomes))
}
