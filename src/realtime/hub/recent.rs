//! A room's newest messages as this node handed them out, for a catch-up
//! without a store read. A failed node's clients arrive on the others a
//! few messages behind, thousands at once; each replay was a store read
//! and a decode, and the frames are here already.
//!
//! Only an unbroken run of new messages is kept: any other event (an edit,
//! a deletion, an expiry, a reaction) or a seq out of turn empties it. So
//! what it hands out is what the store would replay (each message as it
//! was created, nothing changed since that this node has heard of), or
//! what a client that had stayed connected got live.

use std::collections::VecDeque;

use axum::body::Bytes;

use crate::domain::Seq;

/// At most this many frames per room...
const MAX_FRAMES: usize = 16;
/// ...and this many bytes: only rooms with listeners here keep any.
const MAX_BYTES: usize = 8 * 1024;

#[derive(Default)]
pub(super) struct Recent {
    frames: VecDeque<(Seq, Bytes)>,
    bytes: usize,
}

impl Recent {
    /// A room event handed out here, in the order handed; `created`: it is
    /// a new message.
    pub(super) fn note(&mut self, seq: Seq, created: bool, frame: &Bytes) {
        let in_turn = self
            .frames
            .back()
            .is_none_or(|(last, _)| seq.0 == last.0 + 1);
        let kept = created && frame.len() <= MAX_BYTES;
        if !kept || !in_turn {
            self.frames.clear();
            self.bytes = 0;
        }
        if !kept {
            return;
        }
        while self.frames.len() >= MAX_FRAMES || self.bytes + frame.len() > MAX_BYTES {
            let Some((_, old)) = self.frames.pop_front() else {
                break;
            };
            self.bytes -= old.len();
        }
        self.bytes += frame.len();
        self.frames.push_back((seq, frame.clone()));
    }

    /// The frames after `cursor`, when they are every event after it up to
    /// `upto` (the newest this node knows of); otherwise `None`.
    pub(super) fn after(&self, cursor: Seq, upto: Seq) -> Option<Vec<(Seq, Bytes)>> {
        let (first, _) = self.frames.front()?;
        let (last, _) = self.frames.back()?;
        let covered = first.0 <= cursor.0 + 1 && cursor.0 < last.0 && last.0 >= upto.0;
        covered.then(|| {
            self.frames
                .iter()
                .filter(|(seq, _)| seq.0 > cursor.0)
                .cloned()
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: usize) -> Bytes {
        Bytes::from(vec![b'x'; n])
    }

    fn seqs(frames: Option<Vec<(Seq, Bytes)>>) -> Option<Vec<i64>> {
        frames.map(|f| f.iter().map(|(s, _)| s.0).collect())
    }

    #[test]
    fn new_messages_in_turn_are_handed_from_just_after_the_cursor() {
        let mut recent = Recent::default();
        for seq in 5..=8 {
            recent.note(Seq(seq), true, &frame(10));
        }
        assert_eq!(seqs(recent.after(Seq(6), Seq(8))), Some(vec![7, 8]));
        assert_eq!(seqs(recent.after(Seq(4), Seq(8))), Some(vec![5, 6, 7, 8]));
        assert_eq!(recent.after(Seq(3), Seq(8)), None, "seq 4 is not here");
        assert_eq!(recent.after(Seq(8), Seq(8)), None, "nothing to hand");
        assert_eq!(
            recent.after(Seq(6), Seq(9)),
            None,
            "seq 9 is known elsewhere"
        );
    }

    #[test]
    fn any_other_event_or_a_seq_out_of_turn_empties_it() {
        let mut recent = Recent::default();
        recent.note(Seq(1), true, &frame(10));
        recent.note(Seq(2), true, &frame(10));
        recent.note(Seq(3), false, &frame(10)); // say, a deletion
        assert_eq!(recent.after(Seq(0), Seq(3)), None);
        recent.note(Seq(4), true, &frame(10));
        assert_eq!(seqs(recent.after(Seq(3), Seq(4))), Some(vec![4]));
        assert_eq!(
            recent.after(Seq(2), Seq(4)),
            None,
            "the deletion is not kept"
        );
        recent.note(Seq(6), true, &frame(10)); // seq 5 went missing
        assert_eq!(recent.after(Seq(4), Seq(6)), None);
        assert_eq!(seqs(recent.after(Seq(5), Seq(6))), Some(vec![6]));
    }

    #[test]
    fn it_keeps_the_newest_within_its_bounds() {
        let mut recent = Recent::default();
        for seq in 1..=40 {
            recent.note(Seq(seq), true, &frame(10));
        }
        assert_eq!(recent.frames.len(), MAX_FRAMES);
        assert_eq!(seqs(recent.after(Seq(39), Seq(40))), Some(vec![40]));
        assert_eq!(recent.after(Seq(20), Seq(40)), None);
        recent.note(Seq(41), true, &frame(MAX_BYTES / 2 + 1));
        recent.note(Seq(42), true, &frame(MAX_BYTES / 2 + 1));
        assert_eq!(seqs(recent.after(Seq(41), Seq(42))), Some(vec![42]));
        assert!(recent.bytes <= MAX_BYTES);
        recent.note(Seq(43), true, &frame(MAX_BYTES + 1));
        assert_eq!(recent.after(Seq(42), Seq(43)), None, "too big to keep");
    }
}
