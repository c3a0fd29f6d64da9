//! Writing a broadcast's frames to each of its listeners. When one
//! broadcast has many sockets to write (a big room, or many rooms' events
//! published together), they are shared between the publishing thread and
//! helper threads, one per other core, so the last listener has its frame
//! sooner (BENCHMARKS.md, round 6). The call returns only once every
//! listener is written, so the next event never overtakes this one. Small
//! broadcasts stay on the publishing thread: handing work over costs more
//! than a few hundred writes save.

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, OnceLock};

/// A helper is given a share only if it has at least this many listeners.
const MIN_SHARE: usize = 256;
/// At most this many helper threads, however many cores there are.
const MAX_HELPERS: usize = 3;

type Work = Box<dyn FnOnce() + Send>;

pub struct FanOut {
    /// How many helpers to start when the first big broadcast comes.
    wanted: usize,
    /// Each helper takes one share at a time (the publisher waits for it).
    helpers: OnceLock<Vec<SyncSender<Work>>>,
}

impl Default for FanOut {
    /// One helper per core beyond the first.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self::with_helpers((cores - 1).min(MAX_HELPERS))
    }
}

impl FanOut {
    pub fn with_helpers(wanted: usize) -> Self {
        Self {
            wanted,
            helpers: OnceLock::new(),
        }
    }

    /// Runs `write` once for each of `items`, returning when all are done.
    /// A panic in a helper's share is raised here, as if this thread had
    /// written that share (the helper itself lives on).
    pub fn each<T, F>(&self, items: &Arc<Vec<T>>, write: F)
    where
        T: Send + Sync + 'static,
        F: Fn(&T) + Send + Sync + 'static,
    {
        let wanted = (items.len() / MIN_SHARE).clamp(1, self.wanted + 1);
        let helpers: &[SyncSender<Work>] = if wanted > 1 {
            self.helpers.get_or_init(|| start(self.wanted))
        } else {
            &[]
        };
        let shares = wanted.min(helpers.len() + 1);
        if shares == 1 {
            items.iter().for_each(write);
            return;
        }
        let chunk = items.len().div_ceil(shares);
        let write = Arc::new(write);
        let (done, finished) = sync_channel::<()>(shares);
        for (i, helper) in helpers.iter().take(shares - 1).enumerate() {
            let range = share(i + 1, chunk, items.len());
            let (items, write, done) = (Arc::clone(items), Arc::clone(&write), done.clone());
            let work: Work = Box::new(move || {
                items[range].iter().for_each(|item| write(item));
                let _ = done.send(());
            });
            // Only if the helper is still busy with an earlier share (it
            // never is: this waits for every share) or gone.
            if let Err(TrySendError::Full(work) | TrySendError::Disconnected(work)) =
                helper.try_send(work)
            {
                work();
            }
        }
        drop(done);
        items[share(0, chunk, items.len())]
            .iter()
            .for_each(|item| write(item));
        // Each share reports once written; one that panicked drops its
        // sender unsent, and when no sender is left `recv` fails.
        for _ in 1..shares {
            assert!(
                finished.recv().is_ok(),
                "a fan-out helper panicked while writing its share"
            );
        }
    }
}

fn share(index: usize, chunk: usize, len: usize) -> Range<usize> {
    (index * chunk).min(len)..((index + 1) * chunk).min(len)
}

/// Starts up to `count` helper threads; each ends when the `FanOut` (its
/// sender) is dropped. A share that panics is reported by its missing
/// answer; the helper goes on with the next.
fn start(count: usize) -> Vec<SyncSender<Work>> {
    (0..count)
        .filter_map(|i| {
            let (give, take) = sync_channel::<Work>(1);
            std::thread::Builder::new()
                .name(format!("natter-fanout-{i}"))
                .spawn(move || {
                    while let Ok(work) = take.recv() {
                        let _ = catch_unwind(AssertUnwindSafe(work));
                    }
                })
                .ok()
                .map(|_| give)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn counters(n: usize) -> Arc<Vec<AtomicU32>> {
        Arc::new((0..n).map(|_| AtomicU32::new(0)).collect())
    }

    #[test]
    fn every_listener_of_a_big_room_is_written_once_before_the_call_returns() {
        let fan_out = FanOut::with_helpers(2);
        for n in [1, 255, 256, 511, 512, 1000, 10_001] {
            let items = counters(n);
            fan_out.each(&items, |c| {
                c.fetch_add(1, Ordering::Relaxed);
            });
            assert!(
                items.iter().all(|c| c.load(Ordering::Relaxed) == 1),
                "{n} listeners"
            );
        }
    }

    /// Writes 1,000 items and says which thread wrote each.
    fn writers(fan_out: &FanOut) -> Vec<Option<String>> {
        let items: Arc<Vec<std::sync::Mutex<Option<String>>>> =
            Arc::new((0..1000).map(|_| std::sync::Mutex::default()).collect());
        fan_out.each(&items, |slot| {
            *slot.lock().unwrap() = std::thread::current().name().map(str::to_owned);
        });
        items.iter().map(|s| s.lock().unwrap().clone()).collect()
    }

    fn by_helper(writers: &[Option<String>]) -> usize {
        writers
            .iter()
            .filter(|w| w.as_deref() == Some("natter-fanout-0"))
            .count()
    }

    #[test]
    fn a_big_room_is_shared_with_a_helper_thread() {
        let written = writers(&FanOut::with_helpers(1));
        assert!(written.iter().all(Option::is_some));
        assert_eq!(by_helper(&written), 500);
    }

    #[test]
    fn a_panic_in_a_helpers_share_is_raised_in_the_caller_and_the_helper_lives_on() {
        let fan_out = FanOut::with_helpers(1);
        let items = counters(1000);
        let raised = std::panic::catch_unwind(AssertUnwindSafe(|| {
            fan_out.each(&items, |c| {
                assert_ne!(
                    std::thread::current().name(),
                    Some("natter-fanout-0"),
                    "a listener's write went wrong"
                );
                c.fetch_add(1, Ordering::Relaxed);
            });
        }));
        assert!(raised.is_err());
        let written = writers(&fan_out);
        assert!(written.iter().all(Option::is_some));
        assert_eq!(by_helper(&written), 500);
    }
}
