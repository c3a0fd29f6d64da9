//! The metrics of one app, in Prometheus text format.
//!
//! Each app has a recorder of its own, never the process-wide one the
//! `metrics` macros use: two apps in one test process (or one process
//! hosting two) keep apart counts, and nothing is installed globally. Code
//! that counts holds handles (`Counter`, `Histogram`: an `Arc` around
//! atomics) taken from that recorder when the app is built, so counting on
//! a hot path is one relaxed atomic add, with no lookup by name. What other
//! parts already count (the hub's deliveries and cut-offs, open
//! connections, rate-limit refusals) is read when `/metrics` is scraped,
//! by probes, rather than counted twice.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use metrics::{
    Counter, Gauge, Histogram, Key, Label, Level, Metadata, Recorder, SharedString, Unit,
};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

/// Series names, in one place.
pub mod names {
    pub const CONNECTIONS: &str = "natter_connections";
    pub const STREAM_LISTENERS: &str = "natter_stream_listeners";
    pub const ROOMS_WITH_LISTENERS: &str = "natter_rooms_with_listeners";
    pub const DELIVERIES: &str = "natter_deliveries_total";
    pub const CUT_OFFS: &str = "natter_stream_cut_offs_total";
    pub const CATCHUPS: &str = "natter_stream_catchups_total";
    pub const SEND_ACK: &str = "natter_send_ack_seconds";
    pub const COMMIT_BATCH: &str = "natter_commit_batch_size";
    pub const COMMIT_FLUSH: &str = "natter_commit_flush_seconds";
    pub const WRITE_QUEUE: &str = "natter_write_queue_depth";
    pub const HTTP_REQUESTS: &str = "natter_http_requests_total";
    pub const HTTP_DURATION: &str = "natter_http_request_duration_seconds";
    pub const RATE_LIMITED: &str = "natter_rate_limited_total";
    pub const DATABASE_BYTES: &str = "natter_database_bytes";
}

/// (name, unit, help) for every series.
const DESCRIPTIONS: &[(&str, Option<Unit>, &str)] = &[
    (names::CONNECTIONS, None, "Open client connections, by kind (http, websocket)."),
    (names::STREAM_LISTENERS, None, "Live event listeners (stream and long-poll) on this node."),
    (names::ROOMS_WITH_LISTENERS, None, "Rooms with at least one live listener on this node."),
    (names::DELIVERIES, None, "Event frames handed to listeners (rate() is deliveries per second)."),
    (names::CATCHUPS, None, "Subscribes by where their catch-up came from: none needed, this node's recent frames (memory), or a store read (store)."),
    (names::CUT_OFFS, None, "Listeners cut off for reading too slowly; their waiting frames are dropped and they resume from their cursor."),
    (names::SEND_ACK, Some(Unit::Seconds), "Time from a send reaching the server to its durable acknowledgement."),
    (names::COMMIT_BATCH, Some(Unit::Count), "Writes committed together in one group-commit transaction."),
    (names::COMMIT_FLUSH, Some(Unit::Seconds), "Time to flush (fdatasync) the write-ahead log."),
    (names::WRITE_QUEUE, Some(Unit::Count), "Writes waiting for the database writer when its last group began."),
    (names::HTTP_REQUESTS, None, "HTTP requests answered, by method, route and status."),
    (names::HTTP_DURATION, Some(Unit::Seconds), "Time to answer an HTTP request, by route."),
    (names::RATE_LIMITED, None, "Requests refused by a rate limit, by limit."),
    (names::DATABASE_BYTES, Some(Unit::Bytes), "Size of the database files (main file and write-ahead log)."),
];

const LATENCY_BUCKETS: &[f64] = &[
    0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// How often histograms are folded into their buckets, so samples between
/// scrapes take bounded memory.
const UPKEEP: Duration = Duration::from_secs(5);

static META: Metadata<'static> = Metadata::new("natter", Level::INFO, Some("natter"));

/// Reads a part of the app when `/metrics` is scraped.
type Probe = Box<dyn Fn(&Metrics) + Send + Sync>;

/// One app's metrics. Cloning shares them.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    probes: Mutex<Vec<Probe>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(names::COMMIT_BATCH.into()), BATCH_BUCKETS)
            })
            .expect("the buckets are not empty")
            .build_recorder();
        for (name, unit, help) in DESCRIPTIONS {
            let help = SharedString::const_str(help);
            if name.ends_with("_total") {
                recorder.describe_counter((*name).into(), *unit, help);
            } else if matches!(unit, Some(Unit::Seconds)) || *name == names::COMMIT_BATCH {
                recorder.describe_histogram((*name).into(), *unit, help);
            } else {
                recorder.describe_gauge((*name).into(), *unit, help);
            }
        }
        let handle = recorder.handle();
        Self(Arc::new(Inner {
            recorder,
            handle,
            probes: Mutex::new(Vec::new()),
        }))
    }

    fn key(name: &'static str, labels: &[(&'static str, &str)]) -> Key {
        let labels: Vec<Label> = labels
            .iter()
            .map(|(k, v)| Label::new(*k, (*v).to_owned()))
            .collect();
        Key::from_parts(name, labels)
    }

    pub fn counter(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Counter {
        self.0
            .recorder
            .register_counter(&Self::key(name, labels), &META)
    }

    pub fn gauge(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Gauge {
        self.0
            .recorder
            .register_gauge(&Self::key(name, labels), &META)
    }

    pub fn histogram(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Histogram {
        self.0
            .recorder
            .register_histogram(&Self::key(name, labels), &META)
    }

    /// Adds a probe, run at every scrape to read a part of the app.
    pub fn probe(&self, probe: impl Fn(&Metrics) + Send + Sync + 'static) {
        self.0
            .probes
            .lock()
            .expect("probes lock")
            .push(Box::new(probe));
    }

    /// The Prometheus text: probes first, so gauges are current.
    pub fn render(&self) -> String {
        for probe in self.0.probes.lock().expect("probes lock").iter() {
            probe(self);
        }
        self.0.handle.render()
    }

    /// Folds histogram samples into buckets every few seconds, for as
    /// long as the app (holding the metrics) lives.
    pub fn start_upkeep(&self) {
        let weak: Weak<Inner> = Arc::downgrade(&self.0);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(UPKEEP);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                inner.handle.run_upkeep();
            }
        });
    }

    pub fn commits(&self) -> CommitMetrics {
        CommitMetrics {
            batch: self.histogram(names::COMMIT_BATCH, &[]),
            flush: self.histogram(names::COMMIT_FLUSH, &[]),
            queue: self.gauge(names::WRITE_QUEUE, &[]),
        }
    }

    pub fn sends(&self) -> Histogram {
        self.histogram(names::SEND_ACK, &[])
    }
}

/// What the database writer records: per group, not per write.
#[derive(Clone)]
pub struct CommitMetrics {
    pub batch: Histogram,
    pub flush: Histogram,
    pub queue: Gauge,
}

impl Default for CommitMetrics {
    /// Counts nothing (for a store outside an app, as in unit tests).
    fn default() -> Self {
        Self {
            batch: Histogram::noop(),
            flush: Histogram::noop(),
            queue: Gauge::noop(),
        }
    }
}

impl CommitMetrics {
    /// A group of `writes` began with `waiting` more in the queue.
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    pub fn group(&self, writes: usize, waiting: usize) {
        self.batch.record(writes as f64);
        self.queue.set(waiting as f64);
    }

    pub fn flushed(&self, took: Duration) {
        self.flush.record(took);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_apps_keep_apart_counts() {
        let a = Metrics::new();
        let b = Metrics::new();
        a.counter(names::DELIVERIES, &[]).increment(5);
        b.counter(names::DELIVERIES, &[]).increment(1);
        assert!(a.render().contains("natter_deliveries_total 5"));
        assert!(b.render().contains("natter_deliveries_total 1"));
    }

    #[test]
    fn probes_run_at_every_scrape_and_histograms_have_buckets() {
        let m = Metrics::new();
        let n = std::sync::atomic::AtomicU64::new(0);
        let n = Arc::new(n);
        let seen = Arc::clone(&n);
        m.probe(move |m| {
            let v = seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            m.counter(names::CUT_OFFS, &[]).absolute(v);
        });
        m.render();
        assert!(m.render().contains("natter_stream_cut_offs_total 2"));
        m.sends().record(0.003);
        let text = m.render();
        assert!(
            text.contains("natter_send_ack_seconds_bucket{le=\"0.005\"} 1"),
            "{text}"
        );
        assert!(text.contains("# HELP natter_send_ack_seconds"), "{text}");
    }
}
