//! The coordinator's side of the worker processes: it re-executes its own
//! binary with `--worker`, hands each one its clients, sends commands and
//! gathers their JSON reports. Clients are spread round-robin, so every
//! room has members in every worker (and, with several nodes, on every
//! node: worker `i` connects to node `i % nodes`).

use std::process::Stdio;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command as Process};

use crate::job::{ClientJob, Command, ConnectReport, Event, Job, WorkerResult};

struct Worker {
    _child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

pub struct Workers {
    workers: Vec<Worker>,
}

/// How many workers `clients` need, at most `per_worker` each.
pub fn count_for(clients: usize, per_worker: usize, forced: Option<usize>) -> usize {
    forced
        .unwrap_or_else(|| clients.div_ceil(per_worker.max(1)))
        .max(1)
}

impl Workers {
    pub async fn spawn(
        count: usize,
        stream_urls: &[String],
        clients: Vec<ClientJob>,
        connect_concurrency: usize,
        read_pause_us: u64,
        track_events: bool,
        start_after: &[(i64, i64)],
    ) -> Result<Self> {
        let mut shares: Vec<Vec<ClientJob>> = (0..count).map(|_| Vec::new()).collect();
        for (i, c) in clients.into_iter().enumerate() {
            shares[i % count].push(c);
        }
        let exe = std::env::current_exe().context("finding the bench's own binary")?;
        let mut workers = Vec::with_capacity(count);
        for (index, share) in shares.into_iter().enumerate() {
            let mut child = Process::new(&exe)
                .arg("--worker")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .context("starting a worker process")?;
            let mut stdin = child.stdin.take().expect("piped stdin");
            let stdout = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
            let job = Job {
                index,
                // Worker `i` talks to node `i % nodes`: with a count that is
                // a multiple of the nodes, each node gets an equal share.
                stream_url: stream_urls[index % stream_urls.len()].clone(),
                clients: share,
                connect_concurrency,
                read_pause_us,
                track_events,
                start_after: start_after.to_vec(),
            };
            let mut line = serde_json::to_vec(&job)?;
            line.push(b'\n');
            stdin.write_all(&line).await?;
            workers.push(Worker {
                _child: child,
                stdin,
                stdout,
            });
        }
        Ok(Self { workers })
    }

    pub async fn command(&mut self, command: &Command) -> Result<()> {
        self.command_some(command, |_| true).await
    }

    /// Sends `command` to the workers whose index `to` picks.
    pub async fn command_some(
        &mut self,
        command: &Command,
        to: impl Fn(usize) -> bool,
    ) -> Result<()> {
        let mut line = serde_json::to_vec(command)?;
        line.push(b'\n');
        for (_, w) in self.workers.iter_mut().enumerate().filter(|(i, _)| to(*i)) {
            w.stdin.write_all(&line).await?;
            w.stdin.flush().await?;
        }
        Ok(())
    }

    /// Connects every client; returns when all workers report.
    pub async fn go(&mut self) -> Result<Vec<ConnectReport>> {
        self.command(&Command::Go).await?;
        let mut reports = Vec::new();
        for event in self.next_events(Duration::from_mins(11)).await? {
            match event {
                Event::Ready(r) => reports.push(r),
                Event::Result(_) => bail!("a worker reported a result before it was ready"),
            }
        }
        Ok(reports)
    }

    /// Sends the acknowledged seqs; returns what every worker received.
    pub async fn finish(
        mut self,
        ledger: std::collections::HashMap<i64, Vec<i64>>,
        drain: Duration,
    ) -> Result<Vec<WorkerResult>> {
        let drain_ms = u64::try_from(drain.as_millis()).unwrap_or(u64::MAX);
        let ledger = ledger.into_iter().collect();
        self.command(&Command::Finish { ledger, drain_ms }).await?;
        let mut results = Vec::new();
        for event in self.next_events(drain + Duration::from_mins(1)).await? {
            match event {
                Event::Result(r) => results.push(*r),
                Event::Ready(_) => bail!("a worker reported ready twice"),
            }
        }
        Ok(results)
    }

    async fn next_events(&mut self, limit: Duration) -> Result<Vec<Event>> {
        let mut events = Vec::new();
        for (i, w) in self.workers.iter_mut().enumerate() {
            let line = tokio::time::timeout(limit, w.stdout.next_line())
                .await
                .map_err(|_| anyhow!("worker {i} did not report within {limit:?}"))??
                .ok_or_else(|| anyhow!("worker {i} exited without reporting"))?;
            events.push(
                serde_json::from_str(&line).with_context(|| format!("worker {i} said {line}"))?,
            );
        }
        Ok(events)
    }
}
