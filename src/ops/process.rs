//! The process's own figures for `/metrics` (CPU time, resident memory,
//! open files), read from `/proc` at scrape time under the names the
//! Prometheus client libraries use, so existing dashboards work.

use super::metrics::Metrics;

/// Adds the process probe (Linux; elsewhere it reports nothing).
pub fn observe(metrics: &Metrics) {
    metrics.probe(|m| {
        if let Some(s) = read() {
            m.gauge("process_cpu_seconds_total", &[]).set(s.cpu_seconds);
            m.gauge("process_resident_memory_bytes", &[])
                .set(s.rss_bytes);
            m.gauge("process_open_fds", &[]).set(s.open_fds);
            if let Some(max) = s.max_fds {
                m.gauge("process_max_fds", &[]).set(max);
            }
        }
    });
}

struct Sample {
    cpu_seconds: f64,
    rss_bytes: f64,
    open_fds: f64,
    max_fds: Option<f64>,
}

/// Clock ticks per second for `/proc/self/stat` (`USER_HZ`, 100 on every
/// Linux platform Rust supports).
const TICKS_PER_SECOND: f64 = 100.0;
const PAGE_BYTES: f64 = 4096.0;

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn read() -> Option<Sample> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (in parentheses, which may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: f64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as f64;
    let max_fds = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))?
                .split_whitespace()
                .nth(3)?
                .parse()
                .ok()
        });
    Some(Sample {
        cpu_seconds: ticks / TICKS_PER_SECOND,
        rss_bytes: pages * PAGE_BYTES,
        open_fds,
        max_fds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_figures_are_read_on_linux() {
        if cfg!(target_os = "linux") {
            let s = read().expect("/proc is readable");
            assert!(s.rss_bytes > 1_000_000.0);
            assert!(s.open_fds >= 3.0);
        }
    }
}
