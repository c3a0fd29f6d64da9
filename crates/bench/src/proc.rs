//! What the kernel says about the server process: CPU seconds from
//! `/proc/<pid>/stat` and resident memory from `/proc/<pid>/status`.

use anyhow::{anyhow, Context, Result};
use serde::Serialize;

/// One reading of a process.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ProcSample {
    /// User plus system CPU seconds since the process started.
    pub cpu_secs: f64,
    /// Resident set now (VmRSS), KiB.
    pub rss_kib: u64,
    /// Peak resident set (VmHWM), KiB.
    pub hwm_kib: u64,
}

/// Reads `pid`'s CPU time and memory now.
pub fn sample(pid: u32) -> Result<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    Ok(ProcSample {
        cpu_secs: cpu_secs(&stat)?,
        rss_kib: status_kib(&status, "VmRSS:").unwrap_or(0),
        hwm_kib: status_kib(&status, "VmHWM:").unwrap_or(0),
    })
}

/// Several processes' readings added up (the nodes of one chat).
pub fn total(samples: &[ProcSample]) -> ProcSample {
    let mut total = ProcSample::default();
    for s in samples {
        total.cpu_secs += s.cpu_secs;
        total.rss_kib += s.rss_kib;
        total.hwm_kib += s.hwm_kib;
    }
    total
}

/// utime + stime (fields 14 and 15) in seconds. The command name (field 2)
/// may hold spaces, so fields are counted after its closing parenthesis.
#[allow(clippy::cast_precision_loss)]
fn cpu_secs(stat: &str) -> Result<f64> {
    let after = stat
        .rfind(')')
        .map(|i| &stat[i + 1..])
        .ok_or_else(|| anyhow!("unexpected /proc stat format"))?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // fields[0] is field 3 (state), so utime (14) is fields[11].
    let ticks = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| anyhow!("unexpected /proc stat format"))
    };
    let per_sec = rustix::param::clock_ticks_per_second();
    Ok((ticks(11)? + ticks(12)?) as f64 / per_sec as f64)
}

fn status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_process_can_be_read() {
        let s = sample(std::process::id()).unwrap();
        assert!(s.rss_kib > 0 && s.hwm_kib >= s.rss_kib);
        assert!(s.cpu_secs >= 0.0);
    }

    #[test]
    #[allow(clippy::cast_precision_loss)]
    fn a_command_name_with_spaces_does_not_shift_the_fields() {
        let stat = "42 (a b) S 1 2 3 4 5 6 7 8 9 10 300 200 0 0";
        let expected = 500.0 / rustix::param::clock_ticks_per_second() as f64;
        assert!((cpu_secs(stat).unwrap() - expected).abs() < 1e-9);
    }
}
