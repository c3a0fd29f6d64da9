//! What the receiving scenarios report, put together from the workers'
//! results: connecting, memory, deliveries, per node, resume.

use anyhow::Result;

use crate::clock::secs_between;
use crate::job::{ConnectReport, WorkerResult};
use crate::proc::ProcSample;
use crate::report::{
    ConnectSummary, DeliverySummary, Memory, NodeReport, Report, ResumeSummary, SendSummary,
};
use crate::sender::SendOutcome;
use crate::stats::{Latency, Slowest, Summary};

use super::Ctx;

/// Fills in what was sent and what the workers received.
pub(super) fn received(report: &mut Report, sends: &SendOutcome, results: &[WorkerResult]) {
    received_nothing(report, results);
    report.errors.merge(sends.errors.clone());
    report.sends = Some(SendSummary {
        via: format!("{:?}", report.plan.via).to_lowercase(),
        attempted: sends.attempted,
        acked: sends.acked,
        per_sec: per_sec(sends.acked, sends.first_ns, sends.last_ns),
        ack_latency: sends.ack.summary(),
    });
    report.deliveries = Some(deliveries(results));
}

/// The workers' CPU and errors (`idle`: nothing was sent).
pub(super) fn received_nothing(report: &mut Report, results: &[WorkerResult]) {
    for r in results {
        report.server.generator_cpu_secs += r.cpu_secs;
        report.errors.merge(r.errors.clone());
    }
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

pub(super) fn connect_summary(ready: &[ConnectReport], workers: usize) -> ConnectSummary {
    let mut latency = Latency::default();
    let (mut clients, mut failed) = (0, 0);
    let (mut start, mut end) = (u64::MAX, 0);
    for r in ready {
        latency.merge(&Latency::from_wire(&r.latency));
        clients += r.connected;
        failed += r.failed;
        start = start.min(r.start_ns);
        end = end.max(r.end_ns);
    }
    let secs = secs_between(start, end);
    ConnectSummary {
        clients,
        failed,
        workers,
        secs,
        per_sec: per_sec(clients, start, end),
        latency: latency.summary(),
    }
}

#[allow(clippy::cast_precision_loss)]
pub(super) fn memory(before: &ProcSample, connected: &ProcSample, clients: usize) -> Memory {
    Memory {
        before_kib: before.rss_kib,
        connected_kib: connected.rss_kib,
        per_connection_bytes: (connected.rss_kib as f64 - before.rss_kib as f64) * 1024.0
            / clients.max(1) as f64,
    }
}

pub(super) fn deliveries(results: &[WorkerResult]) -> DeliverySummary {
    let mut latency = Latency::default();
    let mut slowest = Slowest::default();
    let mut d = DeliverySummary::default();
    let (mut first, mut last) = (u64::MAX, 0);
    for r in results {
        latency.merge(&Latency::from_wire(&r.latency));
        slowest.merge_wire(&r.slowest);
        d.count += r.deliveries;
        d.lost += r.lost;
        d.duplicated += r.duplicated;
        d.unacked += r.unacked;
        d.resyncs += r.resyncs;
        d.unexpected_closes += r.unexpected_closes;
        if r.first_ns != 0 {
            first = first.min(r.first_ns);
        }
        last = last.max(r.last_ns);
    }
    d.per_sec = per_sec(d.count, first, last);
    d.latency = latency.summary();
    d.all_received = slowest.latency().summary();
    d
}

/// Each node's CPU over the run's phase and its clients' deliveries:
/// worker `i` (reports come in worker order) was connected to node
/// `i % nodes`.
pub(super) fn per_node(
    ctx: &Ctx,
    before: &[ProcSample],
    ready: &[ConnectReport],
    results: &[WorkerResult],
) -> Result<Vec<NodeReport>> {
    let after = ctx.server.node_samples()?;
    let count = after.len();
    Ok(ctx
        .server
        .nodes()
        .zip(before.iter().zip(&after))
        .enumerate()
        .map(|(i, (node, (b, a)))| {
            let mine: Vec<WorkerResult> = results.iter().skip(i).step_by(count).cloned().collect();
            let delivered = deliveries(&mine);
            NodeReport {
                pid: node.pid,
                cpu_secs: a.cpu_secs - b.cpu_secs,
                rss_end_kib: a.rss_kib,
                clients: ready
                    .iter()
                    .skip(i)
                    .step_by(count)
                    .map(|r| r.connected)
                    .sum(),
                deliveries: delivered.count,
                latency: delivered.latency,
                per_connection_bytes: None,
            }
        })
        .collect())
}

pub(super) fn resume_summary(results: &[WorkerResult], clients: usize) -> ResumeSummary {
    let (mut reconnect, mut caught_up) = (Latency::default(), Latency::default());
    let (mut reconnected, mut not_caught_up) = (0, 0);
    for r in results {
        if let Some(c) = &r.reconnect {
            reconnect.merge(&Latency::from_wire(&c.latency));
            reconnected += c.connected;
        }
        caught_up.merge(&Latency::from_wire(&r.caught_up));
        not_caught_up += r.not_caught_up;
    }
    let summary: Summary = caught_up.summary();
    ResumeSummary {
        clients: clients as u64,
        reconnected,
        reconnect: reconnect.summary(),
        caught_up: summary,
        not_caught_up,
    }
}
