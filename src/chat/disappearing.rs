//! Disappearing messages: the room's timer (set by its owner, or by either
//! person of a direct room) and the one expiry task that makes messages
//! disappear on time. The task waits on the soonest expiry the store holds
//! (an index, not a timer per message), is woken when a sooner one is
//! stored, and expires in small slices through the ordinary write path,
//! one after the other, so the sends that queue meanwhile go in between and
//! a million messages due at once never hold up a send for long.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use super::Chat;
use crate::domain::{Role, Room, RoomId, RoomKind, Timestamp, User};
use crate::error::{Error, Result};
use crate::storage::Expired;

/// The longest server-wide retention: ten years.
pub const MAX_RETENTION_DAYS: u32 = 3650;
/// The longest timer: a year.
pub const MAX_DISAPPEAR_SECS: u32 = 365 * 24 * 3600;
/// The most messages one expiry call takes while the server is serving.
/// The store writes it in short transactions (SQLite: parts of 2 ms, with
/// the sends that queued meanwhile written between them; PostgreSQL: one),
/// so that a send waits that long at most (BENCHMARKS.md, issue 18). The
/// next slice is asked for once this one is answered.
const SLICE: u32 = 1000;
/// How long the task rests after a full slice, as a multiple of the time
/// the slice took.
const REST: f64 = 1.5;
/// At start-up nobody waits on the writer: bigger writes, fewer events.
const STARTUP_BATCH: u32 = 1000;
/// The task looks up again at least this often, so it stops soon after
/// its app is dropped.
const MAX_NAP: Duration = Duration::from_secs(30);

/// When the expiry task next wakes, and how to wake it sooner.
#[derive(Debug)]
pub struct ExpiryClock {
    /// Milliseconds since the epoch; `i64::MIN` while the task is looking
    /// (every stored expiry wakes it then), `i64::MAX` with nothing pending.
    next_wake: AtomicI64,
    wake: Notify,
}

impl Default for ExpiryClock {
    fn default() -> Self {
        Self {
            next_wake: AtomicI64::new(i64::MIN),
            wake: Notify::new(),
        }
    }
}

impl ExpiryClock {
    /// A message that disappears at `at` was stored: wake the task if that
    /// is sooner than it planned. One atomic read per such send.
    pub fn stored(&self, at: Timestamp) {
        let next = self.next_wake.load(Ordering::Acquire);
        if next == i64::MIN || at.millis() < next {
            self.wake.notify_one();
        }
    }
}

impl Chat {
    /// Sets how long messages posted from now on stay (0 turns it off).
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %id))]
    pub async fn set_disappearing(&self, user: &User, id: RoomId, secs: u32) -> Result<Room> {
        let (room, membership) = self.member_room(user, id).await?;
        if room.kind != RoomKind::Direct && membership.role != Role::Owner {
            return Err(Error::Forbidden(
                "Only the room's owner can set disappearing messages.".into(),
            ));
        }
        if secs > MAX_DISAPPEAR_SECS {
            return Err(Error::invalid(
                "disappearing_invalid",
                format!("Messages can disappear after at most {MAX_DISAPPEAR_SECS} seconds (a year); 0 turns it off."),
            ));
        }
        let seq = self
            .store
            .set_disappearing(id, secs, &user.username)
            .await?;
        Ok(Room {
            disappear_after_secs: secs,
            last_seq: seq,
            ..room
        })
    }

    /// Makes every message that is already due disappear; returns how many.
    /// Run at start-up before anything is served, so nothing that expired
    /// while the server was down is ever handed out.
    pub async fn expire_overdue(&self) -> Result<u64> {
        // Files left queued by a crash after an expiry's commit go first.
        self.delete_expired_files().await?;
        let mut total = 0u64;
        loop {
            let done = self
                .store
                .expire_due(Timestamp::now(), STARTUP_BATCH)
                .await?;
            total += u64::from(done.messages);
            if !done.more_due(STARTUP_BATCH) {
                break;
            }
        }
        loop {
            let done = self.retain_batch(STARTUP_BATCH).await?;
            total += u64::from(done.messages);
            if !done.more_due(STARTUP_BATCH) {
                self.delete_expired_files().await?;
                return Ok(total);
            }
        }
    }

    /// One batch of the server-wide retention (none when it is off).
    async fn retain_batch(&self, limit: u32) -> Result<Expired> {
        let days = self.store.retention_days().await?;
        if days == 0 {
            return Ok(Expired::default());
        }
        let cutoff = Timestamp(Timestamp::now().millis() - i64::from(days) * 86_400_000);
        Ok(self.store.expire_posted_before(cutoff, limit).await?)
    }

    /// The server-wide retention in days (0: off); admins only.
    pub async fn retention_days(&self, admin: &User) -> Result<u32> {
        self.require_admin(admin).await?;
        Ok(self.store.retention_days().await?)
    }

    /// Sets the server-wide retention: messages older than `days` days
    /// disappear (0 turns it off). Audited.
    pub async fn set_retention_days(&self, admin: &User, days: u32) -> Result<()> {
        self.require_admin(admin).await?;
        if days > MAX_RETENTION_DAYS {
            return Err(Error::invalid(
                "retention_invalid",
                format!("Retention is at most {MAX_RETENTION_DAYS} days; 0 turns it off."),
            ));
        }
        let change = crate::storage::AuditedChange::RetentionDays(days);
        self.audited(admin, "retention", format!("{days} days"), None, change)
            .await?;
        self.expiry.wake.notify_one();
        Ok(())
    }

    /// Starts the expiry task. It holds the chat only while it works, so
    /// dropping the app stops it.
    pub fn start_expiry(self: &Arc<Self>) {
        let chat = Arc::downgrade(self);
        let clock = Arc::clone(&self.expiry);
        tokio::spawn(expire_forever(chat, clock));
    }
}

async fn expire_forever(chat: Weak<Chat>, clock: Arc<ExpiryClock>) {
    loop {
        let Some(next) = expire_what_is_due(&chat, &clock).await else {
            return;
        };
        let nap = next.map_or(MAX_NAP, |at| {
            let ms = at.millis().saturating_sub(Timestamp::now().millis()).max(0);
            Duration::from_millis(u64::try_from(ms).unwrap_or(0)).min(MAX_NAP)
        });
        tokio::select! {
            () = tokio::time::sleep(nap) => {}
            () = clock.wake.notified() => {}
        }
    }
}

/// One round: expires due messages slice by slice, then returns the
/// soonest pending expiry (`None` outside: the chat is gone).
async fn expire_what_is_due(chat: &Weak<Chat>, clock: &ExpiryClock) -> Option<Option<Timestamp>> {
    // Looking: any expiry stored from here on wakes the next nap at once.
    clock.next_wake.store(i64::MIN, Ordering::Release);
    loop {
        let chat = chat.upgrade()?;
        let started = std::time::Instant::now();
        let due = chat.store.expire_due(Timestamp::now(), SLICE).await;
        // Retention rides along, one slice a round.
        let retained = match &due {
            Ok(_) => chat.retain_batch(SLICE).await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot apply the retention setting");
                Expired::default()
            }),
            Err(_) => Expired::default(),
        };
        if matches!(&due, Ok(d) if d.files > 0) || retained.files > 0 {
            // The files of what just expired: their rows are gone already.
            if let Err(e) = chat.delete_expired_files().await {
                tracing::error!(error = %e, "cannot delete the files of expired messages; trying again next round");
            }
        }
        match due {
            // A full slice: more may be due. The task rests one and a half
            // times as long as the slice took: a backlog takes at most two
            // fifths of the writer's time and of the disk's, and sends keep
            // the rest (a million messages go in about 40 s beside 1,000
            // sends a second, whose ack p99 rose 1.5x, against 2.7x when
            // resting as long as the slice took; BENCHMARKS.md).
            Ok(d) if d.more_due(SLICE) || retained.more_due(SLICE) => {
                drop(chat);
                tokio::time::sleep(started.elapsed().mul_f64(REST)).await;
                continue;
            }
            Ok(d) => {
                if d.messages + retained.messages > 0 {
                    tracing::debug!(
                        messages = d.messages + retained.messages,
                        "messages disappeared"
                    );
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot make due messages disappear; trying again in a second");
                return Some(Some(Timestamp(Timestamp::now().millis() + 1000)));
            }
        }
        let next = match chat.store.next_expiry().await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the next expiry; trying again in a second");
                Some(Timestamp(Timestamp::now().millis() + 1000))
            }
        };
        clock
            .next_wake
            .store(next.map_or(i64::MAX, Timestamp::millis), Ordering::Release);
        return Some(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sooner_expiry_wakes_the_task_and_a_later_one_does_not() {
        let clock = ExpiryClock::default();
        clock.next_wake.store(10_000, Ordering::Release);
        clock.stored(Timestamp(20_000));
        let woke = futures_util::FutureExt::now_or_never(clock.wake.notified());
        assert!(woke.is_none(), "a later expiry changes nothing");
        clock.stored(Timestamp(5_000));
        clock.wake.notified().await;
    }

    #[tokio::test]
    async fn while_the_task_is_looking_every_stored_expiry_wakes_it() {
        let clock = ExpiryClock::default();
        clock.stored(Timestamp(i64::MAX - 1));
        clock.wake.notified().await;
    }
}
