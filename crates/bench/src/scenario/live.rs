//! The scenarios with receiving clients in worker processes: `fanout` (one
//! room), `rooms` (many rooms of mixed sizes and rates), `resume` (everyone
//! drops at once while messages flow, then resumes) and `idle` (connect,
//! hold, measure memory per connection).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;

use super::tally::{connect_summary, memory, per_node, received, received_nothing, resume_summary};
use super::{join_senders, measured, Ctx, Load};
use crate::api::Account;
use crate::cli::ScenarioKind;
use crate::clock::{now_ns, secs_between};
use crate::job::{ClientJob, Command};
use crate::report::Report;
use crate::sender::SendOutcome;
use crate::workers::{self, Workers};

/// The users and rooms of a run with receiving clients.
pub(super) struct Cast {
    /// Each room's newest seq once everyone joined (every join takes one).
    pub start_after: Vec<(i64, i64)>,
    pub rooms: Vec<i64>,
    pub sizes: Vec<usize>,
    pub receivers: Vec<Account>,
    pub senders: Vec<Account>,
}

impl Cast {
    /// Makes the users and rooms and joins them: receivers fill the rooms
    /// in order (`room_sizes`), senders join them all.
    pub(super) async fn make(ctx: &Ctx, report: &mut Report) -> Result<Self> {
        let plan = &ctx.plan;
        let setup_started = now_ns();
        let owner = ctx.sign_up("owner", 1).await?.remove(0);
        let rooms = ctx.rooms(&owner, plan.rooms).await?;
        let sizes = room_sizes(plan.scenario, plan.clients, rooms.len());
        let receivers = ctx.sign_up("r", plan.clients).await?;
        let senders = if plan.scenario == ScenarioKind::Idle {
            Vec::new()
        } else {
            ctx.sign_up("s", plan.senders.max(1)).await?
        };
        let mut cast = Self {
            start_after: Vec::new(),
            rooms,
            sizes,
            receivers,
            senders,
        };
        ctx.join(
            cast.membership().into_iter().chain(
                cast.senders
                    .iter()
                    .flat_map(|s| cast.rooms.iter().map(move |r| (s, *r))),
            ),
        )
        .await?;
        // Clients subscribe from here, as ones that opened the room would:
        // from 0, the joins alone would pass the server's replay bound in
        // a room of more than ~1,000 members (a resync, not a replay).
        for room in &cast.rooms {
            let top = ctx.api.last_seq(&owner.token, *room).await?;
            cast.start_after.push((*room, top));
        }
        report.setup_secs = secs_between(setup_started, now_ns());
        Ok(cast)
    }

    /// (receiver, room) for every receiving client.
    pub(super) fn membership(&self) -> Vec<(&Account, i64)> {
        let mut membership = Vec::with_capacity(self.receivers.len());
        let mut next = self.receivers.iter();
        for (room, size) in self.rooms.iter().zip(&self.sizes) {
            for account in next.by_ref().take(*size) {
                membership.push((account, *room));
            }
        }
        membership
    }

    /// Rooms with members, weighted by their size (the senders' pick).
    #[allow(clippy::cast_precision_loss)]
    pub(super) fn weights(&self) -> Vec<(i64, f64)> {
        self.rooms
            .iter()
            .zip(&self.sizes)
            .filter(|(_, s)| **s > 0)
            .map(|(r, s)| (*r, *s as f64))
            .collect()
    }
}

pub async fn run(ctx: &Ctx) -> Result<Report> {
    let plan = &ctx.plan;
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

    let nodes_unconnected = ctx.server.node_samples()?;
    let ready = workers.go().await?;
    report.connect = Some(connect_summary(&ready, worker_count));

    let mut nodes_before = ctx.server.node_samples()?;
    let mut nodes_connected = None;
    let (result_sends, ledger, cpu_before, cpu_before_ns) = if plan.scenario == ScenarioKind::Idle {
        // Let the server settle, then read what the connections cost.
        tokio::time::sleep(Duration::from_secs(1)).await;
        nodes_before = ctx.server.node_samples()?;
        let connected = crate::proc::total(&nodes_before);
        let before_connect = crate::proc::total(&nodes_unconnected);
        report.memory = Some(memory(&before_connect, &connected, plan.clients));
        nodes_connected = Some((nodes_unconnected, nodes_before.clone()));
        let (hold_from, hold_from_ns) = (connected, now_ns());
        tokio::time::sleep(Duration::from_secs_f64(plan.duration)).await;
        (None, HashMap::new(), hold_from, hold_from_ns)
    } else {
        let cpu_before = ctx.sample()?;
        let cpu_before_ns = now_ns();
        let (sends, ledger) = send_phase(ctx, &mut workers, &cast).await?;
        (Some(sends), ledger, cpu_before, cpu_before_ns)
    };

    let results = workers
        .finish(ledger, Duration::from_secs_f64(ctx.opts.drain))
        .await?;
    let after = ctx.sample()?;
    measured(&mut report, &cpu_before, cpu_before_ns, &after, now_ns());
    if !ctx.server.peers.is_empty() {
        report.server.nodes = per_node(ctx, &nodes_before, &ready, &results)?;
        if let Some((unconnected, connected)) = &nodes_connected {
            for ((node, u), c) in report
                .server
                .nodes
                .iter_mut()
                .zip(unconnected)
                .zip(connected)
            {
                node.per_connection_bytes =
                    Some(memory(u, c, usize::try_from(node.clients)?).per_connection_bytes);
            }
        }
    }

    if let Some(sends) = result_sends {
        received(&mut report, &sends, &results);
    } else {
        received_nothing(&mut report, &results);
    }
    if plan.scenario == ScenarioKind::Resume {
        report.resume = Some(resume_summary(&results, plan.clients));
    }
    Ok(report)
}

/// Senders at the plan's rate, rooms weighted by size; for `resume`,
/// everyone drops a third of the way in and comes back after `away`.
async fn send_phase(
    ctx: &Ctx,
    workers: &mut Workers,
    cast: &Cast,
) -> Result<(SendOutcome, HashMap<i64, Vec<i64>>)> {
    let plan = &ctx.plan;
    let highest = Arc::new(Mutex::new(HashMap::new()));
    let handles = ctx.start_senders(&cast.senders, &cast.weights(), &highest, &Load::of(plan));
    if plan.scenario == ScenarioKind::Resume {
        tokio::time::sleep(Duration::from_secs_f64(plan.duration / 3.0)).await;
        workers.command(&Command::Drop).await?;
        tokio::time::sleep(Duration::from_secs_f64(plan.away)).await;
        let target = highest
            .lock()
            .expect("highest lock")
            .clone()
            .into_iter()
            .collect();
        workers.command(&Command::Reconnect { target }).await?;
    }
    join_senders(handles).await
}

/// Workers holding one stream client per (account, room) of `membership`,
/// not yet connected, and how many workers that is (for `clients` clients).
pub(super) async fn spawn_listeners(
    ctx: &Ctx,
    clients: usize,
    membership: &[(&Account, i64)],
    track_events: bool,
    start_after: &[(i64, i64)],
) -> Result<(Workers, usize)> {
    let jobs = membership
        .iter()
        .map(|(a, r)| ClientJob {
            token: a.token.clone(),
            rooms: vec![*r],
        })
        .collect();
    let nodes = ctx.server.peers.len() + 1;
    let worker_count =
        workers::count_for(clients, ctx.opts.per_worker, ctx.opts.workers).next_multiple_of(nodes);
    let workers = Workers::spawn(
        worker_count,
        &ctx.server.stream_urls(),
        jobs,
        ctx.opts.connect_concurrency,
        ctx.opts.read_pause_us,
        track_events,
        start_after,
    )
    .await?;
    Ok((workers, worker_count))
}

/// Clients per room. `rooms`: 5% large (weight 30), 25% medium (3), 70%
/// small (1) — with 18,000 clients in 1,000 rooms about 180, 18 and 6
/// members. Otherwise the clients are spread evenly.
fn room_sizes(scenario: ScenarioKind, clients: usize, rooms: usize) -> Vec<usize> {
    let weights: Vec<usize> = (0..rooms)
        .map(|i| {
            if scenario == ScenarioKind::Rooms {
                match i * 100 / rooms {
                    0..=4 => 30,
                    5..=29 => 3,
                    _ => 1,
                }
            } else {
                1
            }
        })
        .collect();
    let total: usize = weights.iter().sum();
    let mut sizes: Vec<usize> = weights.iter().map(|w| clients * w / total).collect();
    // Hand out what rounding left, one each, smallest rooms first.
    let mut left = clients - sizes.iter().sum::<usize>();
    for s in sizes.iter_mut().rev() {
        if left == 0 {
            break;
        }
        *s += 1;
        left -= 1;
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_sizes_add_up_and_are_mixed_for_the_rooms_scenario() {
        let sizes = room_sizes(ScenarioKind::Rooms, 18_000, 1_000);
        assert_eq!(sizes.iter().sum::<usize>(), 18_000);
        assert!(
            sizes[0] > 150 && sizes[999] < 10,
            "{} {}",
            sizes[0],
            sizes[999]
        );
        let even = room_sizes(ScenarioKind::Fanout, 10, 3);
        assert_eq!(even.iter().sum::<usize>(), 10);
        assert!(even.iter().all(|s| *s >= 3));
    }
}
