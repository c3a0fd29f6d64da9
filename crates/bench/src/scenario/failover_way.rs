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
    pub fn of(moves: &[Move], killed_ns: u64) -> Self {
        let mut steps: [Latency; 5] = Default::default();
        for m in moves {
            let marks = [
                killed_ns,
                m.ended,
                m.slot,
                m.open,
                m.subscribed,
                m.caught_up,
            ];
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
                secs_between(killed_ns, ns) * 1000.0
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
