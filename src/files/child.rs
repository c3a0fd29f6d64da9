//! Test support: runs one test of this test binary in a child process, for
//! what must be seen from outside (peak memory, a SIGKILL mid-write). The
//! child parts are `#[ignore]`d tests, so a plain run skips them.

use std::process::{Child, Command, Output, Stdio};

/// Set in the child: the test named runs its child part instead of its own.
pub const CHILD_ROLE: &str = "NATTER_TEST_CHILD_ROLE";

fn command(test: &str, role: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary"));
    cmd.args([
        test,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_ROLE, role)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd
}

/// Runs `test` with `role` to its end.
pub fn run(test: &str, role: &str) -> Output {
    let out = command(test, role).output().expect("the child runs");
    assert!(
        out.status.success(),
        "child {test} ({role}) failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Starts `test` with `role` and leaves it running.
pub fn spawn(test: &str, role: &str) -> Child {
    command(test, role).spawn().expect("the child starts")
}

/// The role this process was started in, if it is a child.
pub fn role() -> Option<String> {
    std::env::var(CHILD_ROLE).ok()
}

/// Starts the peak resident memory (`VmHWM`) afresh from what is resident
/// now, so what was built before a measurement does not hide it.
pub fn reset_peak_rss() {
    std::fs::write("/proc/self/clear_refs", "5").expect("/proc/self/clear_refs");
}

/// This process's peak resident memory so far (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line")
}

/// The number after `key=` in a child's output (the test harness may
/// have written on the same line before it).
pub fn reported(out: &Output, key: &str) -> u64 {
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|word| word.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("the child reported no {key}: {text}"))
}
