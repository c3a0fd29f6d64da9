//! One connection to a NATS server, kept up by a task of its own: it
//! connects (and connects again, with back-off, whenever the connection
//! drops), subscribes to the subjects the node wants at that moment, writes
//! what the node publishes and hands what arrives to `on_message`. While it
//! is down, publishing drops (the bus is a hint; the store is the truth and
//! `bus::watermark` repairs from it), and `connected` says so.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Notify};

use super::protocol::{self, ServerLine};
use crate::bus::BusUrl;

/// What arrives: the subject and the payload.
pub type OnMessage = Arc<dyn Fn(&str, Bytes) + Send + Sync>;

/// Publishes waiting to be written; beyond this they are dropped.
const OUTGOING: usize = 8192;
/// How long connecting (and the server's greeting) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A PING this often; two unanswered mean the connection is dead (a
/// server that vanished without closing it).
const PING_EVERY: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// Lines longer than this are not NATS (INFO is the longest, ~1 KiB).
const MAX_LINE: u64 = 64 * 1024;

pub struct Link {
    connected: AtomicBool,
    /// Counts connections made, so others can tell a reconnection.
    sessions: AtomicU64,
    max_payload: AtomicUsize,
    outgoing: mpsc::Sender<Vec<u8>>,
    /// The subjects wanted now; the task subscribes to match.
    wanted: Mutex<HashSet<String>>,
    changed: Notify,
}

impl Link {
    /// Starts the connection task on the current runtime.
    pub fn start(url: BusUrl, name: String, on_message: OnMessage) -> Arc<Self> {
        let (outgoing, rx) = mpsc::channel(OUTGOING);
        let link = Arc::new(Self {
            connected: AtomicBool::new(false),
            sessions: AtomicU64::new(0),
            max_payload: AtomicUsize::new(protocol::DEFAULT_MAX_PAYLOAD),
            outgoing,
            wanted: Mutex::default(),
            changed: Notify::new(),
        });
        tokio::spawn(run(Arc::clone(&link), url, name, rx, on_message));
        link
    }

    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    /// How many times the link has connected.
    pub fn sessions(&self) -> u64 {
        self.sessions.load(Ordering::Acquire)
    }

    /// Queues a publish; returns whether it was taken (not while down, not
    /// beyond the server's payload limit or the queue's bound). Never waits.
    pub fn publish(&self, subject: &str, payload: &[u8]) -> bool {
        self.is_connected()
            && payload.len() <= self.max_payload.load(Ordering::Relaxed)
            && self
                .outgoing
                .try_send(protocol::publish(subject, payload))
                .is_ok()
    }

    /// Wants (or no longer wants) a subject's messages. Quick: the task
    /// sends the SUB or UNSUB.
    pub fn want(&self, subject: String, wanted: bool) {
        let mut subjects = self.wanted.lock().expect("subjects lock");
        let changed = if wanted {
            subjects.insert(subject)
        } else {
            subjects.remove(&subject)
        };
        drop(subjects);
        if changed {
            self.changed.notify_one();
        }
    }
}

async fn run(
    link: Arc<Link>,
    url: BusUrl,
    name: String,
    mut outgoing: mpsc::Receiver<Vec<u8>>,
    on_message: OnMessage,
) {
    let mut backoff = Duration::from_millis(50);
    let mut said_down = false;
    loop {
        let result = session(&link, &url, &name, &mut outgoing, &on_message).await;
        let was_up = link.connected.swap(false, Ordering::AcqRel);
        if was_up {
            backoff = Duration::from_millis(50);
            said_down = false;
        }
        if let Err(e) = result {
            if !said_down {
                tracing::warn!(bus = %url, error = %e, "bus connection lost; delivery between nodes falls back to the store until it returns");
                said_down = true;
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn session(
    link: &Arc<Link>,
    url: &BusUrl,
    name: &str,
    outgoing: &mut mpsc::Receiver<Vec<u8>>,
    on_message: &OnMessage,
) -> std::io::Result<()> {
    let timed_out = || std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in time");
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(url.address()))
        .await
        .map_err(|_| timed_out())??;
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let greeting = tokio::time::timeout(CONNECT_TIMEOUT, async {
        expect_info(link, &mut read).await?;
        write
            .write_all(protocol::connect(name, url.user(), url.password()).as_bytes())
            .await?;
        expect_pong(&mut read).await
    });
    greeting.await.map_err(|_| timed_out())??;
    // Publishes queued before this connection are old news: the watermark
    // brings their events from the store.
    while outgoing.try_recv().is_ok() {}
    let mut subscribed = HashMap::new();
    let mut next_sid = 1u64;
    sync_subscriptions(link, &mut subscribed, &mut next_sid, &mut write).await?;
    link.sessions.fetch_add(1, Ordering::AcqRel);
    link.connected.store(true, Ordering::Release);
    tracing::info!(bus = %url, "bus connected");

    let unanswered = Arc::new(AtomicU32::new(0));
    let ping_in = Arc::new(Notify::new());
    let mut reader = tokio::spawn(read_loop(
        read,
        Arc::clone(on_message),
        Arc::clone(&ping_in),
        Arc::clone(&unanswered),
        Arc::clone(link),
    ));
    let _stop_reader = AbortOnDrop(reader.abort_handle());
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            ended = &mut reader => {
                return ended.unwrap_or_else(|e| Err(std::io::Error::other(e)));
            }
            Some(bytes) = outgoing.recv() => write.write_all(&bytes).await?,
            () = link.changed.notified() => {
                sync_subscriptions(link, &mut subscribed, &mut next_sid, &mut write).await?;
            }
            () = ping_in.notified() => write.write_all(b"PONG\r\n").await?,
            _ = ping.tick() => {
                if unanswered.fetch_add(1, Ordering::AcqRel) >= 2 {
                    return Err(timed_out());
                }
                write.write_all(b"PING\r\n").await?;
            }
        }
    }
}

struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn read_line(read: &mut BufReader<OwnedReadHalf>) -> std::io::Result<Option<ServerLine>> {
    let mut line = String::new();
    let n = (&mut *read).take(MAX_LINE).read_line(&mut line).await?;
    if n == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(protocol::parse(line.trim_end_matches(['\r', '\n'])))
}

async fn expect_info(link: &Link, read: &mut BufReader<OwnedReadHalf>) -> std::io::Result<()> {
    match read_line(read).await? {
        Some(ServerLine::Info { max_payload }) => {
            link.max_payload.store(max_payload, Ordering::Relaxed);
            Ok(())
        }
        _ => Err(std::io::Error::other("not a NATS server (no INFO)")),
    }
}

async fn expect_pong(read: &mut BufReader<OwnedReadHalf>) -> std::io::Result<()> {
    loop {
        match read_line(read).await? {
            Some(ServerLine::Pong) => return Ok(()),
            Some(ServerLine::Err(why)) => return Err(std::io::Error::other(why)),
            _ => {}
        }
    }
}

async fn read_loop(
    mut read: BufReader<OwnedReadHalf>,
    on_message: OnMessage,
    ping_in: Arc<Notify>,
    unanswered: Arc<AtomicU32>,
    link: Arc<Link>,
) -> std::io::Result<()> {
    loop {
        match read_line(&mut read).await? {
            Some(ServerLine::Msg { subject, len }) => {
                if len > 64 << 20 {
                    return Err(std::io::Error::other("a message larger than any payload"));
                }
                let mut payload = vec![0; len + 2];
                read.read_exact(&mut payload).await?;
                payload.truncate(len);
                on_message(&subject, Bytes::from(payload));
            }
            Some(ServerLine::Ping) => ping_in.notify_one(),
            Some(ServerLine::Pong) => unanswered.store(0, Ordering::Release),
            Some(ServerLine::Info { max_payload }) => {
                link.max_payload.store(max_payload, Ordering::Relaxed);
            }
            Some(ServerLine::Err(why)) => {
                tracing::warn!(%why, "the bus refused something");
            }
            Some(ServerLine::Ok) | None => {}
        }
    }
}

/// Subscribes to the subjects wanted now and unsubscribes from the rest.
async fn sync_subscriptions(
    link: &Link,
    subscribed: &mut HashMap<String, u64>,
    next_sid: &mut u64,
    write: &mut OwnedWriteHalf,
) -> std::io::Result<()> {
    let wanted = link.wanted.lock().expect("subjects lock").clone();
    let mut commands = String::new();
    subscribed.retain(|subject, sid| {
        let keep = wanted.contains(subject);
        if !keep {
            protocol::unsubscribe(&mut commands, &sid.to_string());
        }
        keep
    });
    for subject in wanted {
        if let std::collections::hash_map::Entry::Vacant(entry) = subscribed.entry(subject) {
            protocol::subscribe(&mut commands, entry.key(), &next_sid.to_string());
            entry.insert(*next_sid);
            *next_sid += 1;
        }
    }
    if !commands.is_empty() {
        write.write_all(commands.as_bytes()).await?;
    }
    Ok(())
}
