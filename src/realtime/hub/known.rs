//! How far this node has a room, for a resume without a store read: the
//! newest seq the hub handed to the room's listeners, and the newest seq a
//! replay from the store found, both since the room got its listeners
//! here. A client subscribing with a cursor at or past both has nothing to
//! replay: every event handed over before its subscribe has a seq at or
//! below its cursor, every one committed after the first replay's read
//! reaches it live, and those committed before are at or below that
//! replay's newest seq. Most resumes are such: a failed node's clients
//! arrive on the others holding what those handed out too.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::domain::Seq;

/// Both marks change under the hub's lock (read or write) and are read
/// under its write lock, so the lock orders them with the listeners.
pub(super) struct Known {
    handed: AtomicI64,
    /// -1 until a replay from the store has said where the room was.
    replayed: AtomicI64,
}

impl Default for Known {
    fn default() -> Self {
        Self {
            handed: AtomicI64::new(0),
            replayed: AtomicI64::new(-1),
        }
    }
}

impl Known {
    pub(super) fn handed(&self, seq: Seq) {
        self.handed.fetch_max(seq.0, Ordering::Relaxed);
    }

    pub(super) fn replayed(&self, seq: Seq) {
        self.replayed.fetch_max(seq.0, Ordering::Relaxed);
    }

    /// The seq a cursor must have reached to need no replay; `None` until
    /// a replay has read the room since it got its listeners here.
    pub(super) fn upto(&self) -> Option<Seq> {
        let replayed = self.replayed.load(Ordering::Relaxed);
        (replayed >= 0).then(|| Seq(replayed.max(self.handed.load(Ordering::Relaxed))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_known_until_a_replay_has_read_the_room() {
        let known = Known::default();
        known.handed(Seq(7));
        assert_eq!(known.upto(), None, "handed alone says nothing of before");
        known.replayed(Seq(5));
        assert_eq!(known.upto(), Some(Seq(7)));
        known.replayed(Seq(9));
        known.handed(Seq(8));
        assert_eq!(known.upto(), Some(Seq(9)));
    }
}
