//! Latency histograms that can travel between processes, and the counters
//! every scenario reports. Histograms are HDR (3 significant digits) in
//! microseconds; they cross process boundaries as (value, count) pairs.

use std::collections::HashMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Highest latency recorded without saturating: 5 minutes in µs.
const MAX_US: u64 = 300_000_000;

/// A latency histogram in microseconds.
#[derive(Debug, Clone)]
pub struct Latency(Histogram<u64>);

impl Default for Latency {
    fn default() -> Self {
        Self(Histogram::new_with_bounds(1, MAX_US, 3).expect("valid histogram bounds"))
    }
}

impl Latency {
    /// Records a duration given in nanoseconds (clamped to the range).
    pub fn record_ns(&mut self, ns: u64) {
        self.0.saturating_record((ns / 1000).clamp(1, MAX_US));
    }

    pub fn merge(&mut self, other: &Latency) {
        self.0
            .add(&other.0)
            .expect("histograms with the same bounds");
    }

    pub fn to_wire(&self) -> WireLatency {
        WireLatency(
            self.0
                .iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect(),
        )
    }

    pub fn from_wire(wire: &WireLatency) -> Self {
        let mut h = Self::default();
        for &(value, count) in &wire.0 {
            h.0.saturating_record_n(value, count);
        }
        h
    }

    #[allow(clippy::cast_precision_loss)]
    pub fn summary(&self) -> Summary {
        let ms = |us: u64| us as f64 / 1000.0;
        Summary {
            count: self.0.len(),
            p50_ms: ms(self.0.value_at_quantile(0.50)),
            p99_ms: ms(self.0.value_at_quantile(0.99)),
            p999_ms: ms(self.0.value_at_quantile(0.999)),
            max_ms: ms(self.0.max()),
            mean_ms: self.0.mean() / 1000.0,
        }
    }
}

/// A histogram as JSON: recorded (µs value, count) pairs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WireLatency(pub Vec<(u64, u64)>);

/// The percentiles a report shows, in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Summary {
    pub count: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.count == 0 {
            return write!(f, "(none)");
        }
        write!(
            f,
            "p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
            self.p50_ms, self.p99_ms, self.p999_ms, self.max_ms
        )
    }
}

/// Per message, its slowest delivery: "post to all received" is when the
/// last member has it. Messages are keyed by (room, seq); each process
/// keeps the slowest of its own receivers, the coordinator the slowest of all.
#[derive(Debug, Clone, Default)]
pub struct Slowest(HashMap<(i64, i64), u64>);

/// `Slowest` as JSON: (room, seq, ns) triples.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WireSlowest(pub Vec<(i64, i64, u64)>);

impl Slowest {
    pub fn record_ns(&mut self, message: (i64, i64), ns: u64) {
        let slowest = self.0.entry(message).or_default();
        *slowest = (*slowest).max(ns);
    }

    pub fn merge_wire(&mut self, wire: &WireSlowest) {
        for &(room, seq, ns) in &wire.0 {
            self.record_ns((room, seq), ns);
        }
    }

    pub fn to_wire(&self) -> WireSlowest {
        WireSlowest(self.0.iter().map(|(&(r, s), &ns)| (r, s, ns)).collect())
    }

    /// One value per message: the histogram of "post to all received".
    pub fn latency(&self) -> Latency {
        let mut h = Latency::default();
        for &ns in self.0.values() {
            h.record_ns(ns);
        }
        h
    }
}

/// Errors counted, with the first few kept to show what went wrong.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Errors {
    pub count: u64,
    pub samples: Vec<String>,
}

impl Errors {
    const KEEP: usize = 8;

    pub fn add(&mut self, what: impl Into<String>) {
        self.count += 1;
        if self.samples.len() < Self::KEEP {
            self.samples.push(what.into());
        }
    }

    pub fn merge(&mut self, other: Errors) {
        self.count += other.count;
        for s in other.samples {
            if self.samples.len() < Self::KEEP {
                self.samples.push(s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_survives_the_trip_through_json() {
        let mut h = Latency::default();
        for ns in [1_500_000, 2_000_000, 9_000_000, 250_000] {
            h.record_ns(ns);
        }
        let json = serde_json::to_string(&h.to_wire()).unwrap();
        let back = Latency::from_wire(&serde_json::from_str(&json).unwrap());
        assert_eq!(back.summary().count, 4);
        assert!((back.summary().max_ms - 9.0).abs() < 0.01);
        assert!((back.summary().p50_ms - h.summary().p50_ms).abs() < 1e-9);
    }

    #[test]
    fn a_message_counts_once_at_its_slowest_delivery_across_processes() {
        let (mut one, mut other) = (Slowest::default(), Slowest::default());
        one.record_ns((1, 5), 2_000_000);
        one.record_ns((1, 5), 7_000_000);
        one.record_ns((1, 6), 1_000_000);
        other.record_ns((1, 5), 3_000_000);
        other.record_ns((2, 5), 4_000_000);
        let mut all = Slowest::default();
        for part in [&one, &other] {
            let json = serde_json::to_string(&part.to_wire()).unwrap();
            all.merge_wire(&serde_json::from_str(&json).unwrap());
        }
        let s = all.latency().summary();
        assert_eq!(s.count, 3);
        assert!((s.max_ms - 7.0).abs() < 0.01);
    }
}
