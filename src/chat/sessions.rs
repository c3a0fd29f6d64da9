//! Session hygiene: each user's signed-in devices (what, where from, when
//! last seen; end any one), sessions that end after an idle time, and an
//! admin's "sign out everywhere" for someone else.
//!
//! "Last seen" is written at most once per `touch_every` per session (a
//! few minutes; less with short idle times), so an active user costs one
//! small write every few minutes, not one per request; and those writes
//! are gathered into batches off the request path (`seen_writes`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use super::credentials::SessionToken;
use super::seen_writes::SeenWrites;
use super::Chat;
use crate::domain::{Device, Timestamp, User, UserId};
use crate::error::{Error, Result};
use crate::storage::{AuditedChange, SessionSeen};

/// At most this many sessions are remembered as recently seen; past it the
/// memory starts over (each session then writes once more).
const MAX_REMEMBERED: usize = 100_000;
/// Idle sessions ended per write.
const PRUNE_BATCH: u32 = 500;
/// The longest a user agent is kept.
const MAX_AGENT_CHARS: usize = 200;

/// When each session's use was last written, and how long a session may
/// stay unused.
#[derive(Debug)]
pub struct SessionClock {
    idle: Mutex<Duration>,
    /// Per session: when its use was last written, and a fingerprint of
    /// the user agent and address it was written with.
    last_written: Mutex<HashMap<[u8; 32], (i64, u64)>>,
    /// The uses to write.
    writes: Arc<SeenWrites>,
}

impl Default for SessionClock {
    fn default() -> Self {
        Self {
            idle: Mutex::new(Duration::from_hours(30 * 24)),
            last_written: Mutex::default(),
            writes: Arc::default(),
        }
    }
}

impl SessionClock {
    fn idle(&self) -> Duration {
        *self.idle.lock().expect("session clock")
    }

    /// How stale "last seen" may be: an eighth of the idle time, at most
    /// five minutes.
    fn touch_every(&self) -> Duration {
        (self.idle() / 8).min(Duration::from_mins(5))
    }

    /// Whether this use should be written (and, if so, notes it now):
    /// the first use this process sees, a new browser or address, or the
    /// last write being older than `touch_every`.
    fn due(&self, hash: [u8; 32], looks: u64, now: Timestamp) -> bool {
        let every = i64::try_from(self.touch_every().as_millis()).unwrap_or(i64::MAX);
        let mut written = self.last_written.lock().expect("session clock");
        if written.get(&hash).is_some_and(|&(at, seen_looks)| {
            seen_looks == looks && now.millis().saturating_sub(at) < every
        }) {
            return false;
        }
        if written.len() >= MAX_REMEMBERED {
            written.clear();
        }
        written.insert(hash, (now.millis(), looks));
        true
    }
}

/// The public name of a session: 16 hex digits of its token's hash.
fn device_id(hash: &[u8; 32]) -> String {
    hash[..8]
        .iter()
        .fold(String::with_capacity(16), |mut id, b| {
            let _ = write!(id, "{b:02x}");
            id
        })
}

impl Chat {
    /// Notes that a session was used (from the request's user agent and
    /// address), to be written shortly with other sessions' uses: the
    /// request does not wait for it, and failing to write it never fails
    /// the request.
    pub fn session_seen(&self, token: &SessionToken, user_agent: &str, ip: &str) {
        let now = Timestamp::now();
        let hash = token.hash();
        let looks = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (user_agent, ip).hash(&mut h);
            h.finish()
        };
        if !self.sessions.due(hash, looks, now) {
            return;
        }
        let seen = SessionSeen {
            at: now,
            user_agent: user_agent.chars().take(MAX_AGENT_CHARS).collect(),
            ip: ip.to_owned(),
        };
        self.sessions.writes.note(&self.store, hash, seen);
    }

    /// The user's signed-in devices, most recently used first.
    pub async fn devices(&self, user: &User, current: &SessionToken) -> Result<Vec<Device>> {
        let current = current.hash();
        // The uses this node noted are part of the answer.
        self.sessions.writes.write(&*self.store).await;
        let sessions = self.store.sessions_of(user.id).await?;
        Ok(sessions
            .into_iter()
            .map(|s| Device {
                id: device_id(&s.token_hash),
                user_agent: s.user_agent,
                ip: s.ip,
                signed_in_at: s.created_at,
                last_seen_at: s.last_seen_at,
                current: s.token_hash == current,
            })
            .collect())
    }

    /// Signs one of the user's devices out (its live connections close).
    pub async fn end_device(&self, user: &User, id: &str) -> Result<()> {
        let gone = || Error::not_found("You have no signed-in device with that id.");
        let sessions = self.store.sessions_of(user.id).await?;
        let hash = sessions
            .iter()
            .map(|s| s.token_hash)
            .find(|h| device_id(h) == id)
            .ok_or_else(gone)?;
        if !self.store.end_session_of(user.id, hash).await? {
            return Err(gone());
        }
        Ok(())
    }

    /// An admin signs a user out everywhere: every session ends and their
    /// live connections close at once. Audited.
    pub async fn sign_out_user_everywhere(&self, admin: &User, user: UserId) -> Result<()> {
        self.require_admin(admin).await?;
        let name = self.existing_name_of(user).await?;
        let change = AuditedChange::SignOutEverywhere { user };
        self.audited(admin, "sign_out_everywhere", name, None, change)
            .await?;
        tracing::info!(admin = %admin.id, user = %user, "signed out everywhere by an admin");
        Ok(())
    }

    /// Sessions unused for `idle` end: pruned every quarter of it (at most
    /// hourly, at least every second). Holds the chat weakly, so the task
    /// ends with its app.
    pub fn end_idle_sessions(self: &Arc<Self>, idle: Duration) {
        *self.sessions.idle.lock().expect("session clock") = idle;
        let chat: Weak<Chat> = Arc::downgrade(self);
        let every = (idle / 4).clamp(Duration::from_secs(1), Duration::from_hours(1));
        tokio::spawn(async move {
            loop {
                let Some(chat) = chat.upgrade() else { return };
                if let Err(e) = chat.prune_idle_sessions(idle).await {
                    tracing::warn!(error = %e, "cannot end idle sessions; trying again later");
                }
                drop(chat);
                tokio::time::sleep(every).await;
            }
        });
    }

    async fn prune_idle_sessions(&self, idle: Duration) -> Result<u64> {
        let idle_ms = i64::try_from(idle.as_millis()).unwrap_or(i64::MAX);
        let since = Timestamp(Timestamp::now().millis().saturating_sub(idle_ms));
        // A session used just now must not be judged by an older "last seen".
        self.sessions.writes.write(&*self.store).await;
        let mut total = 0u64;
        loop {
            let n = self.store.prune_idle_sessions(since, PRUNE_BATCH).await?;
            total += u64::from(n);
            if n < PRUNE_BATCH {
                if total > 0 {
                    tracing::info!(sessions = total, "ended idle sessions");
                }
                return Ok(total);
            }
        }
    }
}
