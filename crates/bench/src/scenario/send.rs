//! `send`: as many acknowledged (committed) sends as the server takes, over
//! HTTP or the stream. `--clients` connections, each keeping `--inflight`
//! sends outstanding (HTTP: one per connection unless raised), spread over
//! `--rooms` rooms.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Result;

use super::{join_senders, measured, Ctx, Load};
use crate::clock::{now_ns, secs_between};
use crate::report::{Report, SendSummary};

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
    report.setup_secs = secs_between(setup_started, now_ns());

    let before = ctx.sample()?;
    let before_ns = now_ns();
    let weights: Vec<(i64, f64)> = rooms.iter().map(|r| (*r, 1.0)).collect();
    let highest = Arc::new(Mutex::new(HashMap::new()));
    let handles = ctx.start_senders(&senders, &weights, &highest, &Load::of(plan));
    let (sends, _ledger) = join_senders(handles).await?;
    let after = ctx.sample()?;
    measured(&mut report, &before, before_ns, &after, now_ns());

    let secs = secs_between(sends.first_ns, sends.last_ns);
    #[allow(clippy::cast_precision_loss)]
    let per_sec = if secs > 0.0 {
        sends.acked as f64 / secs
    } else {
        0.0
    };
    report.errors.merge(sends.errors.clone());
    report.sends = Some(SendSummary {
        via: format!("{:?}", plan.via).to_lowercase(),
        attempted: sends.attempted,
        acked: sends.acked,
        per_sec,
        ack_latency: sends.ack.summary(),
    });
    Ok(report)
}
