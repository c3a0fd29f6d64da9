//! One writer group in one transaction (`writer::run` commits each group
//! through here).
//!
//! Lock order across nodes: every node's writer takes room counter rows,
//! and two transactions that take the same rooms in opposite orders
//! deadlock (PostgreSQL waits `deadlock_timeout`, 1 s by default, then
//! rolls one back). A group's jobs were all in flight together, so any
//! order is theirs: its sends run first, as one batch that locks their
//! rooms in id order (`send_batch`), then the other jobs in arrival order.
//! Before, a job that was not a send (the outgoing webhooks' lease renewal,
//! every second on every node) split a group's sends into two batches, each
//! in id order but the second's rooms possibly below the first's: the
//! failover bench's deadlocks and 503s (issue 15).
//!
//! Other writes may still take a room after the batch (a reaction in a
//! room below the batch's), so a deadlock stays possible; when PostgreSQL
//! rolls an attempt back for one (SQLSTATE class 40), nothing of the group
//! is kept, and the writer runs its parts again each in a transaction of
//! its own (the sends' batch; each other job alone: none then holds rooms
//! out of order), each up to `ATTEMPTS` times, instead of answering
//! "unavailable".

use postgres::{Client, Transaction};

use super::send_batch::{post_all, SendJob};
use super::writer::Job;
use super::{classify, rolled_back};
use crate::domain::Event;
use crate::storage::{StoreError, StoreResult};

/// How many times a part of a group that deadlocked runs when PostgreSQL
/// keeps rolling it back for a conflict with another transaction.
pub(super) const ATTEMPTS: u32 = 5;

fn conflict() -> StoreError {
    StoreError::Unavailable(
        "the transaction conflicted with another node's (a deadlock) and was rolled back".into(),
    )
}

/// The order the group's jobs run in: sends first, by room (arrival order
/// within a room), those the batch takes before the others; then every
/// other job in arrival order.
fn running_order(group: &mut [Box<dyn Job>]) -> Vec<usize> {
    let keys: Vec<(u8, i64)> = group
        .iter_mut()
        .map(|job| match job.as_send() {
            Some(send) if send.batchable() => (0, send.room()),
            Some(send) => (1, send.room()),
            None => (2, 0),
        })
        .collect();
    let mut order: Vec<usize> = (0..group.len()).collect();
    order.sort_by_key(|&i| keys[i]);
    order
}

/// Runs the group: its batchable sends as one batch, then the other jobs
/// in `order`; false when a job or the batch failed.
fn run_batched(
    tx: &mut Transaction<'_>,
    group: &mut [Box<dyn Job>],
    order: &[usize],
    events: &mut Vec<Event>,
) -> bool {
    let mut sends: Vec<&mut SendJob> = group
        .iter_mut()
        .filter_map(|job| job.as_send())
        .filter(|send| send.batchable())
        .collect();
    let batched = sends.len();
    if batched > 0 && !post_all(tx, events, &mut sends) {
        return false;
    }
    order[batched..].iter().all(|&i| group[i].run(tx, events))
}

/// Runs the group in one transaction and commits it. On `Err` nothing of
/// it is stored (or, for an error in the commit itself, its fate is
/// unknown: the caller is told the database is unavailable, and a retry
/// of a send finds the original by its client id); `rolled_back` then says
/// whether running it again may succeed.
///
/// Jobs almost never fail, so the group first runs without savepoints (two
/// more round trips per job), its sends as one batch (`send_batch`). A
/// failed statement aborts a PostgreSQL transaction, so when a job or the
/// batch fails that attempt is rolled back and the group runs again with a
/// savepoint per job, each send alone: one failing job leaves the others'
/// writes intact. A deadlock is no job's failure: it ends the attempt.
pub(super) fn commit_group(
    client: &mut Client,
    group: &mut [Box<dyn Job>],
    events: &mut Vec<Event>,
) -> StoreResult<()> {
    let order = running_order(group);
    let mut tx = client.transaction().map_err(|e| classify(&e))?;
    if !run_batched(&mut tx, group, &order, events) {
        events.clear();
        tx.rollback().map_err(|e| classify(&e))?;
        if rolled_back() {
            return Err(conflict());
        }
        tx = client.transaction().map_err(|e| classify(&e))?;
        for &i in &order {
            let before = events.len();
            let mut savepoint = tx.savepoint("job").map_err(|e| classify(&e))?;
            if group[i].run(&mut savepoint, events) {
                savepoint.commit().map_err(|e| classify(&e))?;
                continue;
            }
            events.truncate(before);
            savepoint.rollback().map_err(|e| classify(&e))?;
            if rolled_back() {
                events.clear();
                tx.rollback().map_err(|e| classify(&e))?;
                return Err(conflict());
            }
        }
    }
    tx.commit().map_err(|e| match classify(&e) {
        StoreError::Unavailable(why) => StoreError::Unavailable(why),
        // The commit's answer was lost or refused: the caller cannot know.
        _ => StoreError::Unavailable(format!("the commit did not complete: {e}")),
    })
}
