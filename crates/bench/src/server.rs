//! The server under test: started here from `--server-bin` (fresh temporary
//! data directory, pid known), or an already running one given by `--url`
//! and `--pid`. Only loopback addresses are ever targeted.

use std::path::Path;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use reqwest::Url;
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::clock::now_ns;
use crate::proc::{self, ProcSample};

/// How the server started, when we started it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Startup {
    /// From spawn to the "listening" log line.
    pub listening_ms: f64,
    /// From spawn to the first answered health check.
    pub ready_ms: f64,
    /// Resident memory right after start-up, KiB.
    pub idle_rss_kib: u64,
}

pub struct Server {
    pub url: Url,
    pub pid: u32,
    pub startup: Option<Startup>,
    /// The other nodes of the same chat (`--nodes`), sharing its database
    /// and bus; clients are spread over all of them.
    pub peers: Vec<Server>,
    // Kept for their Drop: the child is killed and the data removed. The
    // child sits in a lock so that `kill` can take it through `&self`.
    child: Mutex<Option<Child>>,
    /// Set by `kill`: the node's last reading before it died, which stands
    /// for it from then on (a dead process has nothing to read).
    last: Mutex<Option<ProcSample>>,
    _data: Option<tempfile::TempDir>,
}

impl Server {
    pub fn attach(url: &str, pid: u32) -> Result<Self> {
        let url = loopback_url(url)?;
        proc::sample(pid).with_context(|| format!("no process {pid} to measure"))?;
        Ok(Self {
            url,
            pid,
            startup: None,
            peers: Vec::new(),
            child: Mutex::new(None),
            last: Mutex::new(None),
            _data: None,
        })
    }

    pub async fn start(bin: &Path, extra_args: &[String]) -> Result<Self> {
        let data = tempfile::Builder::new().prefix("natter-bench-").tempdir()?;
        let path = data.path().to_owned();
        Self::launch(bin, extra_args, &path, Some(data)).await
    }

    /// Starts `nodes` servers with the same arguments (for more than one,
    /// they must name one PostgreSQL `--database-url` and a `--bus-url`);
    /// the first is the one setup talks to.
    pub async fn start_nodes(bin: &Path, extra_args: &[String], nodes: usize) -> Result<Self> {
        let mut first = Self::start(bin, extra_args).await?;
        for _ in 1..nodes.max(1) {
            first.peers.push(Self::start(bin, extra_args).await?);
        }
        Ok(first)
    }

    /// Node `i` (0: this one).
    pub fn node(&self, i: usize) -> Option<&Server> {
        self.nodes().nth(i)
    }

    /// Every node, this one first.
    pub fn nodes(&self) -> impl Iterator<Item = &Server> {
        std::iter::once(self).chain(&self.peers)
    }

    /// Starts the server on a data directory the caller keeps (and may
    /// have filled); dropping the server kills it and leaves the directory.
    pub async fn start_in(bin: &Path, extra_args: &[String], data: &Path) -> Result<Self> {
        Self::launch(bin, extra_args, data, None).await
    }

    async fn launch(
        bin: &Path,
        extra_args: &[String],
        data: &Path,
        owned: Option<tempfile::TempDir>,
    ) -> Result<Self> {
        let started = Instant::now();
        let mut child = Command::new(bin)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data)
            .args(extra_args)
            .env("NO_COLOR", "1")
            // A load test is many requests from one address: the server's
            // per-address limits (where it has them) would refuse them. A
            // `--server-arg --rate-limits=true` flag still wins over this.
            .env("NATTER_RATE_LIMITS", "false")
            // Thousands of clients share a few source addresses and users.
            .env("NATTER_MAX_CONNECTIONS_PER_IP", "0")
            .env("NATTER_WS_MAX_PER_USER", "100000")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let address = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(addr) = listening_address(&line) {
                    return Ok(addr);
                }
            }
            bail!("the server exited before it was listening")
        })
        .await
        .context("the server did not say it was listening within 30 s")??;
        let listening_ms = started.elapsed().as_secs_f64() * 1000.0;
        // Keep reading the server's log so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let url = loopback_url(&format!("http://{address}"))?;
        let health = url.join("/api/v1/health")?;
        let client = reqwest::Client::new();
        let ready_ms = loop {
            if client
                .get(health.clone())
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break started.elapsed().as_secs_f64() * 1000.0;
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!("the server did not answer its health check within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        let idle_rss_kib = proc::sample(pid)?.rss_kib;
        Ok(Self {
            url,
            pid,
            startup: Some(Startup {
                listening_ms,
                ready_ms,
                idle_rss_kib,
            }),
            peers: Vec::new(),
            child: Mutex::new(Some(child)),
            last: Mutex::new(None),
            _data: owned,
        })
    }

    /// Kills the server (as a crash would: acknowledged writes are on disk)
    /// and waits until it is gone, so its database can be opened alone.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(child) = self.child.get_mut().expect("child lock").as_mut() {
            child.kill().await?;
        }
        Ok(())
    }

    /// SIGKILLs this node at once, as a power cut would (nothing flushed,
    /// no goodbye to its clients), and waits until it is gone. Returns the
    /// monotonic ns at which the signal was sent.
    pub async fn kill(&self) -> Result<u64> {
        let last = proc::sample(self.pid)?;
        let mut child = self
            .child
            .lock()
            .expect("child lock")
            .take()
            .context("only a server the bench started can be killed")?;
        child.start_kill()?;
        let at = now_ns();
        *self.last.lock().expect("last lock") = Some(last);
        child.wait().await?;
        Ok(at)
    }

    /// The whole chat's reading: CPU and memory summed over its nodes.
    pub fn sample(&self) -> Result<ProcSample> {
        Ok(proc::total(&self.node_samples()?))
    }

    /// One reading per node, this one first (a killed node's last one).
    pub fn node_samples(&self) -> Result<Vec<ProcSample>> {
        self.nodes()
            .map(|n| match *n.last.lock().expect("last lock") {
                Some(last) => Ok(last),
                None => proc::sample(n.pid),
            })
            .collect()
    }

    /// The stream's `ws://` URL.
    pub fn stream_url(&self) -> String {
        let mut url = self.url.clone();
        let _ = url.set_scheme("ws");
        url.join("/api/v1/stream").expect("valid path").to_string()
    }

    /// Every node's stream URL, this one first: client `i` uses `i % len`.
    pub fn stream_urls(&self) -> Vec<String> {
        self.nodes().map(Server::stream_url).collect()
    }
}

/// The `host:port` in the server's "natter is listening on http://..." line.
fn listening_address(line: &str) -> Option<String> {
    let rest = line.split("natter is listening on http://").nth(1)?;
    let addr: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '\u{1b}')
        .collect();
    (!addr.is_empty()).then_some(addr)
}

/// Parses `url` and refuses anything that is not on this machine's loopback:
/// load must never leave the machine.
pub fn loopback_url(url: &str) -> Result<Url> {
    let parsed = Url::parse(url).with_context(|| format!("{url} is not a URL"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !loopback || parsed.scheme() != "http" {
        bail!("{url}: only http:// on 127.x.x.x, localhost or [::1] may be benchmarked");
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls_are_accepted() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9:1",
            "http://localhost:3000",
            "http://[::1]:80",
        ] {
            assert!(loopback_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1:80",
            "http://example.com",
            "http://192.168.1.2",
            "https://127.0.0.1",
            "http://[::2]:1",
        ] {
            assert!(loopback_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_address_is_read_from_the_log_line() {
        let line = "2026-01-01T00:00:00Z  INFO natter: natter is listening on http://127.0.0.1:4567 address=127.0.0.1:4567";
        assert_eq!(listening_address(line).as_deref(), Some("127.0.0.1:4567"));
        assert_eq!(listening_address("other"), None);
    }
}
