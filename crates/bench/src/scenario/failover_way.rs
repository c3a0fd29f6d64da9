//! Where a failover's time went: each moved client's way from the kill to
//! holding everything again, step by step (`job::Move`), summed up over
//! all of them, with the slowest clients' ways in full. A resume that is
//! slow on the whole says here which step it waited on.

use serde::Serialize;

use crate::clock::secs_between;
use crate::job::Move;
use crate::stats::{Latency, Summary};

/// How many of the slowest clients' ways are shown in full.
const SLOWEST: usize = 5;

#[derive(Debug, Serialize)]
pub struct Way {
    /// The planned kill (what `resumed` is timed from) → its connection ended.
    pub ended: Summary,
    /// Ended → a connect slot of its worker was free.
    pub slot_wait: Summary,
    /// Slot → TCP connected and the upgrade answered.
    pub open: Summary,
    /// Upgrade answered → every room subscribed.
    pub subscribe: Summary,
    /// Subscribed → holding everything acknowledged before the kill.
    pub catch_up: Summary,
    /// The slowest to catch up: each step's time since the kill, ms.
    pub slowest: Vec<[f64; 5]>,
}

impl Way {
    /// The ways of `moves`, timed from the planned kill at `kill_ns`.
    pub fn of(moves: &[Move], kill_ns: u64) -> Self {
        let mut steps: [Latency; 5] = Default::default();
        for m in moves {
            let marks = [kill_ns, m.ended, m.slot, m.open, m.subscribed, m.caught_up];
            for (i, step) in steps.iter_mut().enumerate() {
                if marks[i + 1] != 0 && marks[i] != 0 {
                    step.record_ns(marks[i + 1].saturating_sub(marks[i]));
                }
            }
        }
        let mut slowest: Vec<&Move> = moves.iter().filter(|m| m.caught_up != 0).collect();
        slowest.sort_by_key(|m| std::cmp::Reverse(m.caught_up));
        let since = |ns: u64| {
            if ns == 0 {
                f64::NAN
            } else {
                secs_between(kill_ns, ns) * 1000.0
            }
        };
        let [ended, slot_wait, open, subscribe, catch_up] = steps.map(|s| s.summary());
        Self {
            ended,
            slot_wait,
            open,
            subscribe,
            catch_up,
            slowest: slowest
                .into_iter()
                .take(SLOWEST)
                .map(|m| [m.ended, m.slot, m.open, m.subscribed, m.caught_up].map(since))
                .collect(),
        }
    }

    pub fn print(&self) {
        println!("  its way        ended after the kill {}", self.ended);
        println!(
            "                 waited for a connect slot {}",
            self.slot_wait
        );
        println!("                 connected and upgraded {}", self.open);
        println!("                 subscribed {}", self.subscribe);
        println!(
            "                 caught up after subscribing {}",
            self.catch_up
        );
        for w in &self.slowest {
            println!(
                "  a slowest      since the kill: ended {:.0}, slot {:.0}, upgraded {:.0}, subscribed {:.0}, caught up {:.0} ms",
                w[0], w[1], w[2], w[3], w[4]
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn way(ended: u64, slot: u64, open: u64, subscribed: u64, caught_up: u64) -> Move {
        Move {
            ended: ended * MS,
            slot: slot * MS,
            open: open * MS,
            subscribed: subscribed * MS,
            caught_up: caught_up * MS,
        }
    }

    #[test]
    fn each_step_is_timed_from_the_one_before_and_the_slowest_come_first() {
        let kill = 1000;
        let moves = [
            way(1010, 1030, 1060, 1100, 1100),
            way(1020, 1900, 1950, 1990, 2000),
            // Never subscribed: its missing steps are left out.
            way(1005, 1005, 0, 0, 0),
        ];
        let w = Way::of(&moves, kill * MS);
        assert_eq!(w.ended.count, 3);
        assert!((w.ended.max_ms - 20.0).abs() < 0.1, "{:?}", w.ended);
        assert!(
            (w.slot_wait.max_ms - 880.0).abs() < 1.0,
            "{:?}",
            w.slot_wait
        );
        assert_eq!(w.open.count, 2);
        assert!((w.open.max_ms - 50.0).abs() < 0.1, "{:?}", w.open);
        assert_eq!(w.subscribe.count, 2);
        assert_eq!(w.catch_up.count, 2);
        assert!((w.catch_up.max_ms - 10.0).abs() < 0.1, "{:?}", w.catch_up);
        assert_eq!(w.slowest.len(), 2, "only those that caught up");
        assert!((w.slowest[0][4] - 1000.0).abs() < 1e-6, "{:?}", w.slowest);
        assert!((w.slowest[0][1] - 900.0).abs() < 1e-6, "{:?}", w.slowest);
        assert!((w.slowest[1][4] - 100.0).abs() < 1e-6, "{:?}", w.slowest);
    }
}
