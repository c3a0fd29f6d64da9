//! `ImageWorkers`: runs image previews on blocking threads, at most one
//! job per core at a time, with a bounded queue in front. A preview costs
//! tens of milliseconds of CPU; run on the async runtime it would stall
//! every socket of that worker thread, and run without a bound a burst of
//! uploads would take every core and `max_alloc` of memory per job.
//! One `ImageWorkers` per app (no statics), shared by its handlers.

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::image::make_preview;
use super::{read_all, FileKey, FileStore, ImageLimits, ImageSummary, Preview, PreviewError};

#[derive(Debug, Clone)]
pub struct ImageWorkers {
    /// Jobs running now: one per core.
    running: Arc<Semaphore>,
    /// Jobs running or waiting: past this a job is refused as `Busy`
    /// rather than queued without end.
    admitted: Arc<Semaphore>,
    limits: ImageLimits,
}

impl ImageWorkers {
    /// One job per core, and four waiting per core.
    pub fn new(limits: ImageLimits) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::with_capacity(cores, 4 * cores, limits)
    }

    /// `jobs` at a time, `queue` more waiting.
    pub fn with_capacity(jobs: usize, queue: usize, limits: ImageLimits) -> Self {
        assert!(jobs > 0, "at least one image job must be able to run");
        Self {
            running: Arc::new(Semaphore::new(jobs)),
            admitted: Arc::new(Semaphore::new(jobs + queue)),
            limits,
        }
    }

    pub fn limits(&self) -> &ImageLimits {
        &self.limits
    }

    /// Makes a preview of encoded image bytes.
    pub async fn run(&self, bytes: Vec<u8>, what: Preview) -> Result<ImageSummary, PreviewError> {
        let limits = self.limits;
        self.run_job(move || make_preview(&bytes, what, &limits))
            .await
    }

    /// Runs `job` on a blocking thread once a core is free for it.
    async fn run_job<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T, PreviewError> + Send + 'static,
    ) -> Result<T, PreviewError> {
        let admitted = Arc::clone(&self.admitted)
            .try_acquire_owned()
            .map_err(|_| PreviewError::Busy)?;
        let running = Arc::clone(&self.running)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        // The permits go with the job: if the caller gives up waiting, the
        // thread still counts against the cores until it has finished.
        tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running);
            job()
        })
        .await
        .unwrap_or_else(|e| {
            Err(PreviewError::Corrupt(format!(
                "the preview job failed: {e}"
            )))
        })
    }

    /// Makes a preview of a stored file (read whole, up to the input limit).
    pub async fn preview(
        &self,
        store: &dyn FileStore,
        key: &FileKey,
        what: Preview,
    ) -> Result<ImageSummary, PreviewError> {
        let bytes = read_all(store, key, self.limits.max_input_bytes)
            .await
            .map_err(|e| PreviewError::Unreadable(e.to_string()))?
            .ok_or(PreviewError::TooLarge {
                width: 0,
                height: 0,
            })?;
        self.run(bytes, what).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::image::tests::photo_jpeg;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn a_job_past_the_queue_is_refused_as_busy_and_the_rest_finish() {
        // One running, one waiting: a third at once is refused, never queued.
        let workers = ImageWorkers::with_capacity(1, 1, ImageLimits::default());
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (first, second, third) = tokio::join!(
            workers.run_job(move || held.recv().map_err(|_| PreviewError::Busy)),
            workers.run_job(|| Ok(())),
            async {
                let refused = workers.run_job(|| Ok(())).await;
                release.send(()).expect("the first job waits");
                refused
            },
        );
        assert_eq!(
            (first, second, third),
            (Ok(()), Ok(()), Err(PreviewError::Busy))
        );
        // Once they are done there is room again, for a real preview too.
        let again = workers.run(photo_jpeg(300, 200), Preview::Thumbnail { max_side: 100 });
        assert_eq!(again.await.expect("room again").preview.width, 100);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_jobs_run_at_once_than_were_allowed() {
        let workers = ImageWorkers::with_capacity(2, 100, ImageLimits::default());
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..8)
            .map(|_| {
                let (workers, now, most) = (workers.clone(), now.clone(), most.clone());
                tokio::spawn(async move {
                    workers
                        .run_job(move || {
                            let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(running, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(20));
                            now.fetch_sub(1, Ordering::SeqCst);
                            Ok(())
                        })
                        .await
                })
            })
            .collect();
        for job in jobs {
            job.await.expect("joined").expect("ran");
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }
}
