//! The resume rule for one room of one connection, kept apart from sockets
//! so it can be checked exhaustively (see the property tests below):
//! after replaying from the store, a live event is sent only if it is the
//! next seq; one at or below what was sent is a duplicate of the replay;
//! one further ahead means a hole, filled from the store first.

use crate::domain::Seq;

/// What to do with a live event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    /// Already sent (by the replay or before): drop it.
    Duplicate,
    /// The next one: send it.
    Next,
    /// Events after `after` and before this one are missing: send those
    /// (`missing` of them) from the store, then this one.
    Gap { after: Seq, missing: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomCursor {
    delivered: Seq,
}

impl RoomCursor {
    /// After replaying `replayed` (ascending seqs) from `cursor`.
    pub fn after_replay(cursor: Seq, replayed: impl IntoIterator<Item = Seq>) -> Self {
        Self {
            delivered: replayed.into_iter().last().unwrap_or(cursor).max(cursor),
        }
    }

    /// Going live from `seq` without replaying (the client pages history).
    pub fn from(seq: Seq) -> Self {
        Self { delivered: seq }
    }

    pub fn delivered(self) -> Seq {
        self.delivered
    }

    pub fn live(self, seq: Seq) -> Live {
        if seq <= self.delivered {
            Live::Duplicate
        } else if seq.0 == self.delivered.0 + 1 {
            Live::Next
        } else {
            Live::Gap {
                after: self.delivered,
                missing: u32::try_from(seq.0 - self.delivered.0 - 1).unwrap_or(u32::MAX),
            }
        }
    }

    /// Records that everything up to `seq` has been sent.
    pub fn sent(&mut self, seq: Seq) {
        self.delivered = self.delivered.max(seq);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A model of one room: `total` events commit one by one. The client
    /// listens from commit index `listen_at`, the replay reads the store at
    /// commit index `replay_at` (after listening), the client's cursor is
    /// `cursor`, and some live events are lost on the way (`dropped`).
    /// Whatever happens, the client must get cursor+1..=total, once each,
    /// in order.
    fn run(total: i64, cursor: i64, listen_at: i64, replay_at: i64, dropped: &[bool]) -> Vec<i64> {
        let store = |after: i64, upto: i64, limit: u32| -> Vec<i64> {
            (after + 1..=upto).take(limit as usize).collect()
        };
        let mut out: Vec<i64> = store(cursor, replay_at, u32::MAX);
        let mut room = RoomCursor::after_replay(Seq(cursor), out.iter().map(|s| Seq(*s)));
        // Live: every event committed after the listener was registered,
        // minus those lost; the store holds everything committed so far.
        for seq in (listen_at + 1)..=total {
            if dropped
                .get(usize::try_from(seq).unwrap())
                .copied()
                .unwrap_or(false)
                && seq < total
            {
                continue;
            }
            match room.live(Seq(seq)) {
                Live::Duplicate => {}
                Live::Next => {
                    out.push(seq);
                    room.sent(Seq(seq));
                }
                Live::Gap { after, missing } => {
                    let filled = store(after.0, seq - 1, missing);
                    out.extend(&filled);
                    out.push(seq);
                    room.sent(Seq(seq));
                }
            }
        }
        out
    }

    proptest! {
        #[test]
        fn resume_delivers_every_event_once_in_order(
            total in 0i64..200,
            cursor_frac in 0.0f64..=1.0,
            listen_frac in 0.0f64..=1.0,
            replay_frac in 0.0f64..=1.0,
            dropped in proptest::collection::vec(any::<bool>(), 0..200),
        ) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
            let at = |f: f64, lo: i64| lo + ((total - lo) as f64 * f) as i64;
            let cursor = at(cursor_frac, 0);
            let listen_at = at(listen_frac, 0);
            // The replay reads after the listener is registered: that order is the rule.
            let replay_at = at(replay_frac, listen_at);
            let got = run(total, cursor, listen_at, replay_at, &dropped);
            let want: Vec<i64> = (cursor + 1..=total).collect();
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn a_hole_in_the_live_feed_is_filled_from_the_store() {
        let room = RoomCursor::after_replay(Seq(0), [Seq(1), Seq(2), Seq(3)]);
        assert_eq!(room.live(Seq(2)), Live::Duplicate);
        assert_eq!(room.live(Seq(4)), Live::Next);
        assert_eq!(
            room.live(Seq(6)),
            Live::Gap {
                after: Seq(3),
                missing: 2
            }
        );
    }
}
