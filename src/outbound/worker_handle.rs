//! A running delivery worker, as its owner holds it: wake it after a
//! commit, stop it, or wait for it to pause.

use std::sync::Arc;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::delivery::Paused;

/// A running worker.
pub struct WorkerHandle {
    wake: Arc<Notify>,
    task: JoinHandle<Paused>,
}

impl WorkerHandle {
    pub(super) fn new(wake: Arc<Notify>, task: JoinHandle<Paused>) -> Self {
        Self { wake, task }
    }

    /// Tells the worker new events were committed for its target. Call it
    /// after the commit (persist, then publish); a wake before the worker
    /// waits is kept, so none is lost.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops the worker now, even mid-delivery (see [`DeliveryWorker::run`]).
    pub fn stop(&self) {
        self.task.abort();
    }

    /// Waits for the worker to pause; `None` if it was stopped.
    pub async fn paused(self) -> Option<Paused> {
        self.task.await.ok()
    }

    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}
