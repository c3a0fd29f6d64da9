//! `failover` (issue 15): one chat on several nodes (`--nodes`), receivers
//! spread over all of them, senders on every node but the one that will
//! die. A third of the way in, node `--kill-node` gets SIGKILL. Its clients
//! see their connections end, move to the other nodes (spread as a load
//! balancer would) and resume from their cursors. Reported: the time from
//! the kill until each of them held every message acknowledged before it,
//! and lost / duplicated over every client on every node.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::failover_way::Way;
use super::live::{spawn_listeners, Cast};
use super::tally::{connect_summary, per_node, received, resume_summary};
use super::{join_senders, measured, Ctx, Load};
use crate::clock::{now_ns, secs_between};
use crate::job::{Command, WorkerResult};
use crate::report::Report;
use crate::stats::Summary;

/// How long before the kill its clients' workers are told of it: the
/// order must be in every worker before the first connection ends, or
/// that client would reconnect to the dead node (a worker busy with 10,000
/// clients may take a while to read it). Resumed is timed from the kill.
const NOTICE: Duration = Duration::from_millis(100);

#[derive(Debug, Serialize)]
pub struct FailoverSummary {
    pub node: usize,
    pub pid: u32,
    /// Clients that were connected to the killed node.
    pub clients: u64,
    /// How late the SIGKILL went out after its planned moment, ms.
    pub kill_late_ms: f64,
    /// From the SIGKILL until the process was gone (its sockets closed), ms.
    pub gone_ms: f64,
    /// Of those clients, the ones whose connection ended and that
    /// subscribed again on another node.
    pub moved: u64,
    /// Reconnect + subscribe on the new node, per client.
    pub reconnect: Summary,
    /// From the planned kill until the client held every seq acknowledged
    /// when the kill was ordered (`NOTICE` before it), per client.
    pub resumed: Summary,
    pub not_resumed: u64,
    /// Where their time went, step by step.
    pub way: Way,
}

impl FailoverSummary {
    pub fn all_resumed(&self) -> bool {
        self.not_resumed == 0 && self.moved == self.clients
    }

    pub fn print(&self) {
        println!(
            "failover         node {} (pid {}) SIGKILLed ({:.2} ms after the planned moment, gone {:.0} ms later); {} of its {} clients moved, each {}",
            self.node, self.pid, self.kill_late_ms, self.gone_ms, self.moved, self.clients, self.reconnect
        );
        println!(
            "resumed          kill -> holding everything acked before it: {}; not resumed {}",
            self.resumed, self.not_resumed
        );
        self.way.print();
    }
}

pub async fn run(ctx: &Ctx) -> Result<Report> {
    let plan = &ctx.plan;
    let nodes = ctx.server.peers.len() + 1;
    let victim = ctx.opts.kill_node;
    if nodes < 2 || victim >= nodes {
        bail!("failover needs --nodes 2 or more and a --kill-node below it (got {nodes} node(s), --kill-node {victim})");
    }
    let mut report = ctx.empty_report();
    let cast = Cast::make(ctx, &mut report).await?;
    let (mut workers, worker_count) = spawn_listeners(
        ctx,
        plan.clients,
        &cast.membership(),
        false,
        &cast.start_after,
    )
    .await?;
    let ready = workers.go().await?;
    report.connect = Some(connect_summary(&ready, worker_count));

    let nodes_before = ctx.server.node_samples()?;
    let cpu_before = ctx.sample()?;
    let cpu_before_ns = now_ns();
    let highest = Arc::new(Mutex::new(HashMap::new()));
    // Senders keep to the nodes that live: what is measured is the
    // receivers' failover, and every send stays answerable.
    let load = Load {
        avoid_node: Some(victim),
        ..Load::of(plan)
    };
    let handles = ctx.start_senders(&cast.senders, &cast.weights(), &highest, &load);
    tokio::time::sleep(Duration::from_secs_f64(plan.duration / 3.0)).await;

    let urls: Vec<String> = ctx
        .server
        .stream_urls()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != victim)
        .map(|(_, u)| u)
        .collect();
    let target = highest.lock().expect("highest lock").clone();
    let at_ns = now_ns() + u64::try_from(NOTICE.as_nanos())?;
    let order = Command::Failover {
        urls,
        at_ns,
        target: target.into_iter().collect(),
    };
    // Worker `i` holds clients of node `i % nodes` (`spawn_listeners`).
    workers
        .command_some(&order, |i| i % nodes == victim)
        .await?;
    tokio::time::sleep(Duration::from_nanos(at_ns.saturating_sub(now_ns()))).await;
    let node = ctx.server.node(victim).context("no such node")?;
    let killed_ns = node.kill().await?;
    let gone_ns = now_ns();

    let (sends, ledger) = join_senders(handles).await?;
    let results = workers
        .finish(ledger, Duration::from_secs_f64(ctx.opts.drain))
        .await?;
    let after = ctx.sample()?;
    measured(&mut report, &cpu_before, cpu_before_ns, &after, now_ns());
    report.server.nodes = per_node(ctx, &nodes_before, &ready, &results)?;
    received(&mut report, &sends, &results);

    let theirs: Vec<WorkerResult> = results
        .iter()
        .skip(victim)
        .step_by(nodes)
        .cloned()
        .collect();
    let clients: u64 = ready
        .iter()
        .skip(victim)
        .step_by(nodes)
        .map(|r| r.connected)
        .sum();
    let resume = resume_summary(&theirs, usize::try_from(clients)?);
    let moves: Vec<_> = theirs
        .iter()
        .flat_map(|r| r.moves.iter().copied())
        .collect();
    report.failover = Some(FailoverSummary {
        node: victim,
        pid: node.pid,
        clients,
        kill_late_ms: secs_between(at_ns, killed_ns) * 1000.0,
        gone_ms: secs_between(killed_ns, gone_ns) * 1000.0,
        moved: theirs.iter().map(|r| r.moved).sum(),
        reconnect: resume.reconnect,
        resumed: resume.caught_up,
        not_resumed: resume.not_caught_up,
        way: Way::of(&moves, at_ns),
    });
    Ok(report)
}
