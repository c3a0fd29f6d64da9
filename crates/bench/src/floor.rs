//! `floor`: what this machine's kernel alone takes to put one small frame
//! into each of C loopback TCP connections and have it read — no chat
//! server, no WebSocket, no JSON. A server that writes each delivery with
//! its own `send` cannot beat it on the same machine, so it is the floor
//! under the `fanout` figures (BENCHMARKS.md compares the two). Past the
//! rate the writers keep, a server that joins queued deliveries into one
//! `send` (as natter does when behind) can: the floor never joins.
//!
//! The coordinator accepts the connections and writes every frame from
//! `--writers` threads (natter fans a room out from one thread); reader
//! processes (re-executions of this binary with `--floor-reader`) connect,
//! wait in `epoll` and read each frame's send stamp, as lean as a reader
//! can be. Frames are `--size` bytes; the first 8 are the time the message
//! was due, so writers that fall behind show it as latency.

use std::io::{BufRead, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rustix::event::epoll;
use rustix::time::{clock_gettime, ClockId};
use serde::{Deserialize, Serialize};

use crate::cli::{Opts, Plan, ScenarioKind};
use crate::clock::{now_ns, secs_between};
use crate::report::Machine;
use crate::stats::{Latency, Slowest, Summary, WireLatency, WireSlowest};

/// What one reader process is asked to do (its command-line argument).
#[derive(Debug, Serialize, Deserialize)]
pub struct ReaderJob {
    pub index: usize,
    pub server: SocketAddr,
    pub connections: usize,
    pub size: usize,
    /// As the workers' `--read-pause-us`, so the floor reads as they do.
    pub read_pause_us: u64,
}

/// What a reader reports when it is done.
#[derive(Debug, Serialize, Deserialize)]
struct ReaderResult {
    deliveries: u64,
    latency: WireLatency,
    /// Keyed (0, send stamp): a message is known by its stamp here.
    slowest: WireSlowest,
    cpu_secs: f64,
}

#[derive(Debug, Serialize)]
pub struct FloorReport {
    pub machine: Machine,
    pub connections: usize,
    pub writers: usize,
    pub readers: usize,
    pub messages: u64,
    pub size: usize,
    /// CPU of the writing threads, per frame written.
    pub writer_us_per_send: f64,
    /// CPU of the reader processes, per frame read.
    pub reader_us_per_delivery: f64,
    /// From the first frame of a message written to the last (writers only).
    pub write_all: Summary,
    /// How late the writers started the most overdue message: above zero,
    /// they could not keep the rate and the latencies include the wait.
    pub late_max_ms: f64,
    /// No message began a millisecond or more late.
    pub kept_rate: bool,
    pub deliveries: u64,
    pub lost: u64,
    /// Over the time the writing really took (longer than `--duration`
    /// when the writers fell behind).
    pub per_sec: f64,
    pub latency: Summary,
    /// Per message, from when it was due to its last frame read.
    pub all_received: Summary,
}

/// Runs the floor measurement with the fanout knobs: `--clients`, `--rate`,
/// `--duration`, `--size`, `--workers` (reader processes), `--writers`.
pub async fn run(opts: &Opts) -> Result<FloorReport> {
    let plan = Plan::new(ScenarioKind::Floor, opts);
    let (connections, duration, size) = (plan.clients, plan.duration, plan.size.max(8));
    let rate = plan.rate.max(0.1);
    let writers = opts.writers.max(1);
    let readers = crate::workers::count_for(connections, opts.per_worker, opts.workers);

    let listener = tokio::net::TcpSocket::new_v4()?;
    listener.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    let listener = listener.listen(4096)?;
    let server = listener.local_addr()?;

    let mut children = Vec::with_capacity(readers);
    for index in 0..readers {
        let share = connections / readers + usize::from(index < connections % readers);
        children.push(Reader::spawn(&ReaderJob {
            index,
            server,
            connections: share,
            size,
            read_pause_us: opts.read_pause_us,
        })?);
    }
    let mut sockets = Vec::with_capacity(connections);
    while sockets.len() < connections {
        let (tcp, _) = tokio::time::timeout(Duration::from_secs(30), listener.accept())
            .await
            .context("the readers did not connect within 30 s")??;
        tcp.set_nodelay(true)?;
        let tcp = tcp.into_std()?;
        tcp.set_nonblocking(false)?;
        sockets.push(tcp);
    }
    for child in &mut children {
        child.wait_for("ready")?;
    }

    let Written {
        messages,
        write_all,
        late_max_ns,
        took_secs,
        cpu_secs: writer_cpu_secs,
    } = tokio::task::spawn_blocking(move || write_frames(&sockets, writers, rate, duration, size))
        .await?;

    let mut latency = Latency::default();
    let mut slowest = Slowest::default();
    let (mut deliveries, mut reader_cpu) = (0, 0.0);
    for child in children {
        let result = child.finish(messages)?;
        deliveries += result.deliveries;
        reader_cpu += result.cpu_secs;
        latency.merge(&Latency::from_wire(&result.latency));
        slowest.merge_wire(&result.slowest);
    }
    let expected = messages * connections as u64;
    #[allow(clippy::cast_precision_loss)]
    let (expected_f, deliveries_f) = (expected as f64, deliveries as f64);
    Ok(FloorReport {
        machine: Machine::read(),
        connections,
        writers,
        readers,
        messages,
        size,
        writer_us_per_send: writer_cpu_secs * 1e6 / expected_f.max(1.0),
        reader_us_per_delivery: reader_cpu * 1e6 / deliveries_f.max(1.0),
        write_all: write_all.summary(),
        deliveries,
        lost: expected.saturating_sub(deliveries),
        #[allow(clippy::cast_precision_loss)]
        late_max_ms: late_max_ns as f64 / 1e6,
        kept_rate: late_max_ns < 1_000_000,
        per_sec: deliveries_f / took_secs.max(duration),
        latency: latency.summary(),
        all_received: slowest.latency().summary(),
    })
}

/// What the writers did.
struct Written {
    messages: u64,
    /// Per message, from its first frame written to its last.
    write_all: Latency,
    late_max_ns: u64,
    /// From the first message's due time to the last one written.
    took_secs: f64,
    cpu_secs: f64,
}

/// Writes `rate` frames a second for `duration` seconds to every socket,
/// split between `writers` threads. A frame is stamped with the time its
/// message was due, not the time its writing began: writers that fall
/// behind the rate show it as latency, as a server's queue would, instead
/// of hiding it (and the run then takes longer than `duration`).
fn write_frames(
    sockets: &[TcpStream],
    writers: usize,
    rate: f64,
    duration: f64,
    size: usize,
) -> Written {
    // Bounded: rate × duration messages, each a bounded loop of writes.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let messages = (rate * duration).ceil().max(1.0) as u64;
    let chunk = sockets.len().div_ceil(writers);
    let cpu_ns = AtomicU64::new(0);
    let mut write_all = Latency::default();
    let mut late_max_ns = 0;
    let start_ns = now_ns();
    for m in 0..messages {
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let due_ns = start_ns + (m as f64 * 1e9 / rate) as u64;
        std::thread::sleep(Duration::from_nanos(due_ns.saturating_sub(now_ns())));
        let began = now_ns();
        late_max_ns = late_max_ns.max(began.saturating_sub(due_ns));
        let mut frame = vec![b'x'; size];
        frame[..8].copy_from_slice(&due_ns.to_le_bytes());
        let write_share = |share: &[TcpStream]| {
            let cpu = thread_cpu_ns();
            for mut tcp in share {
                // A reader that went away only lowers the count it reports.
                let _ = tcp.write_all(&frame);
            }
            cpu_ns.fetch_add(thread_cpu_ns() - cpu, Ordering::Relaxed);
        };
        std::thread::scope(|scope| {
            let mut shares = sockets.chunks(chunk);
            let mine = shares.next().unwrap_or_default();
            for share in shares {
                scope.spawn(|| write_share(share));
            }
            write_share(mine);
        });
        write_all.record_ns(now_ns() - began);
    }
    #[allow(clippy::cast_precision_loss)]
    Written {
        messages,
        write_all,
        late_max_ns,
        took_secs: secs_between(start_ns, now_ns()),
        cpu_secs: cpu_ns.into_inner() as f64 / 1e9,
    }
}

fn thread_cpu_ns() -> u64 {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(t.tv_nsec).unwrap_or(0)
}

/// The coordinator's handle on one reader process.
struct Reader {
    child: Child,
    stdin: ChildStdin,
    stdout: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl Reader {
    fn spawn(job: &ReaderJob) -> Result<Self> {
        let exe = std::env::current_exe().context("finding the bench's own binary")?;
        let mut child = Command::new(exe)
            .arg("--floor-reader")
            .arg(serde_json::to_string(job)?)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting a floor reader")?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = std::io::BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        Ok(Self {
            child,
            stdin,
            stdout,
        })
    }

    fn wait_for(&mut self, word: &str) -> Result<String> {
        match self.stdout.next() {
            Some(line) => {
                let line = line?;
                if !line.starts_with(word) {
                    bail!("a floor reader said {line:?} instead of {word:?}");
                }
                Ok(line)
            }
            None => bail!("a floor reader ended before saying {word:?}"),
        }
    }

    /// Tells the reader how many frames each connection gets, and takes its result.
    fn finish(mut self, messages: u64) -> Result<ReaderResult> {
        writeln!(self.stdin, "{messages}")?;
        let line = self.wait_for("{")?;
        self.child.wait()?;
        Ok(serde_json::from_str(&line)?)
    }
}

/// A reader process: connects its share, says `ready`, reads until every
/// connection has the number of frames given on stdin (or 10 s more pass),
/// and prints its result as one JSON line.
pub fn reader_main(job: &str) -> Result<()> {
    let job: ReaderJob = serde_json::from_str(job)?;
    let run = u8::try_from(std::process::id() % 200 + 1).unwrap_or(1);
    let mut conns = Vec::with_capacity(job.connections);
    let poll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    for i in 0..job.connections {
        // Each source address has its own ephemeral ports.
        let source = IpAddr::V4(Ipv4Addr::new(
            127,
            run,
            u8::try_from(200 + job.index % 50).unwrap_or(200),
            u8::try_from(1 + i / 20_000).unwrap_or(1),
        ));
        let tcp = runtime.block_on(async {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(SocketAddr::new(source, 0))?;
            socket.connect(job.server).await?.into_std()
        })?;
        tcp.set_nonblocking(true)?;
        epoll::add(
            &poll,
            tcp.as_fd(),
            epoll::EventData::new_u64(i as u64),
            epoll::EventFlags::IN | epoll::EventFlags::ET,
        )?;
        conns.push(Conn {
            tcp,
            have: 0,
            stamp: [0; 8],
        });
    }
    println!("ready");

    let target = Arc::new(AtomicU64::new(u64::MAX));
    {
        let target = Arc::clone(&target);
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
            target.store(line.trim().parse().unwrap_or(0), Ordering::SeqCst);
        });
    }
    let mut latency = Latency::default();
    let mut slowest = Slowest::default();
    let mut deliveries = 0u64;
    let mut events = Vec::with_capacity(1024);
    let mut scratch = vec![0u8; 64 * 1024];
    let mut told_at: Option<Instant> = None;
    loop {
        let per_conn = target.load(Ordering::SeqCst);
        if per_conn != u64::MAX {
            let since = *told_at.get_or_insert_with(Instant::now);
            if deliveries >= per_conn * job.connections as u64
                || since.elapsed() > Duration::from_secs(10)
            {
                break;
            }
        }
        events.clear();
        let timeout = rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: 100_000_000,
        };
        epoll::wait(
            &poll,
            rustix::buffer::spare_capacity(&mut events),
            Some(&timeout),
        )?;
        for event in &events {
            let conn = &mut conns[usize::try_from(event.data.u64()).unwrap_or(0)];
            deliveries += conn.read_all(&mut scratch, job.size, &mut latency, &mut slowest);
        }
        // Everything ready was read (a full batch may have more waiting):
        // pause before the next wait, as a worker does before it parks.
        if job.read_pause_us > 0 && events.len() < events.capacity() {
            std::thread::sleep(Duration::from_micros(job.read_pause_us));
        }
    }
    let result = ReaderResult {
        deliveries,
        latency: latency.to_wire(),
        slowest: slowest.to_wire(),
        cpu_secs: crate::proc::sample(std::process::id()).map_or(0.0, |p| p.cpu_secs),
    };
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

/// One reader connection: how much of the current frame has arrived.
struct Conn {
    tcp: TcpStream,
    have: usize,
    stamp: [u8; 8],
}

impl Conn {
    /// Reads until the socket is empty (it is edge-triggered); records a
    /// latency per whole frame and gives how many there were.
    fn read_all(
        &mut self,
        scratch: &mut [u8],
        size: usize,
        latency: &mut Latency,
        slowest: &mut Slowest,
    ) -> u64 {
        let mut frames = 0;
        loop {
            let n = match self.tcp.read(scratch) {
                Ok(0) | Err(_) => return frames,
                Ok(n) => n,
            };
            let now = now_ns();
            let mut data = &scratch[..n];
            while !data.is_empty() {
                let take = (size - self.have).min(data.len());
                if self.have < 8 {
                    let upto = (8 - self.have).min(take);
                    self.stamp[self.have..self.have + upto].copy_from_slice(&data[..upto]);
                }
                self.have += take;
                data = &data[take..];
                if self.have == size {
                    let sent = u64::from_le_bytes(self.stamp);
                    latency.record_ns(now.saturating_sub(sent));
                    slowest.record_ns(
                        (0, i64::try_from(sent).unwrap_or(0)),
                        now.saturating_sub(sent),
                    );
                    self.have = 0;
                    frames += 1;
                }
            }
            if n < scratch.len() {
                return frames;
            }
        }
    }
}

impl FloorReport {
    pub fn print(&self) {
        let m = &self.machine;
        println!(
            "== Floor: {} connections, {} writer thread(s), {} reader process(es), {} messages of {} bytes (no server: the kernel alone)",
            self.connections, self.writers, self.readers, self.messages, self.size
        );
        println!(
            "machine          {} cores, {}, kernel {} (readers on the same cores)",
            m.nproc, m.cpu, m.kernel
        );
        println!(
            "writers          {:.2} µs CPU per frame written; writing one message to all: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {}",
            self.writer_us_per_send,
            self.write_all.p50_ms,
            self.write_all.p99_ms,
            self.write_all.max_ms,
            if self.kept_rate {
                "kept the rate".to_owned()
            } else {
                format!(
                    "fell behind the rate (a message began up to {:.0} ms late)",
                    self.late_max_ms
                )
            }
        );
        println!(
            "readers          {:.2} µs CPU per frame read (whole process)",
            self.reader_us_per_delivery
        );
        let l = &self.latency;
        println!(
            "deliveries       {} = {:.0}/s; send->receive p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
            self.deliveries, self.per_sec, l.p50_ms, l.p99_ms, l.p999_ms, l.max_ms
        );
        println!(
            "all received     per message, from when it was due to the last read: {}",
            self.all_received
        );
        println!("integrity        lost {}", self.lost);
        println!(
            "result           {}",
            if self.lost == 0 { "OK" } else { "FAILED" }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn writers_that_cannot_keep_the_rate_say_so_and_stamp_frames_with_their_due_time() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let writer_side = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut reader_side, _) = listener.accept().unwrap();
        // Frames far bigger than the socket buffers: the second message
        // cannot start until the reader, asleep for 300 ms, drains the first.
        let size = 16 << 20;
        let reader = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let mut frame = vec![0; size];
            let mut stamps = Vec::new();
            for _ in 0..2 {
                reader_side.read_exact(&mut frame).unwrap();
                stamps.push(u64::from_le_bytes(frame[..8].try_into().unwrap()));
            }
            stamps
        });
        let written = write_frames(&[writer_side], 1, 100.0, 0.02, size);
        let stamps = reader.join().unwrap();

        assert_eq!(written.messages, 2);
        assert!(written.late_max_ns > 200_000_000, "{}", written.late_max_ns);
        assert!(written.took_secs > 0.2, "{}", written.took_secs);
        // Stamped when due (10 ms apart), not when the late write began.
        assert_eq!(stamps[1] - stamps[0], 10_000_000);
    }
}
