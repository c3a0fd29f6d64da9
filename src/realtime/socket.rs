//! A stream connection's socket, owned by its task for reading and shared
//! with the hub for writing. The hub writes a live frame straight into the
//! socket from the thread that publishes it (one non-blocking `send`, no
//! task to wake, no per-connection framing or copy); only what the kernel
//! does not take at once waits here, for the connection's task to flush.
//! Every byte the server sends on the connection goes through one
//! [`SocketOut`], so frames from the hub, the task and tungstenite (its
//! pongs) never interleave inside each other.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};

use axum::body::Bytes;
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// The hub offered a frame while too many were already waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// The writing side of a connection's socket.
pub struct SocketOut {
    tcp: Arc<TcpStream>,
    waiting: Mutex<Waiting>,
    /// Woken when bytes are left waiting, so the task flushes them.
    unflushed: Notify,
    /// Frames from the hub that may wait before the listener is cut off.
    bound: usize,
}

#[derive(Default)]
struct Waiting {
    /// Each with whether the hub offered it (only those count toward the
    /// bound: the task's own frames, such as a long replay, are waited
    /// for by the task itself).
    frames: VecDeque<(Bytes, bool)>,
    /// How many of `frames` the hub offered.
    offered: usize,
    /// The socket failed: what is written is dropped (the task's read
    /// sees the failure and ends the connection).
    failed: bool,
    /// The first of `frames` has been partly written: its rest must go
    /// out before anything else, or the stream breaks mid-frame.
    partial: bool,
    /// The goodbye is written (`close_with`): nothing may follow it.
    sealed: bool,
}

/// Slices handed to one `writev`.
const WRITEV_MAX: usize = 64;

impl SocketOut {
    pub fn new(tcp: Arc<TcpStream>, bound: usize) -> Self {
        Self {
            tcp,
            waiting: Mutex::new(Waiting::default()),
            unflushed: Notify::new(),
            bound,
        }
    }

    /// Writes a frame from the hub, or keeps it if the socket is busy; at
    /// the bound it refuses (the caller cuts the listener off).
    pub fn offer(&self, frame: Bytes) -> Result<(), Full> {
        self.put(frame, true)
    }

    /// Writes (or keeps) a frame of the connection's own; not bounded here:
    /// the task waits for its own writes to be flushed.
    pub fn push(&self, frame: Bytes) {
        let _ = self.put(frame, false);
    }

    /// Writes (or keeps) several frames of the connection's own, in order,
    /// in one system call: a subscribe's replay, `subscribed` and
    /// `presence`, or a batch the connection drained. Each `send` costs
    /// more than its bytes (10 µs of kernel on a slow host, mostly the
    /// loopback or network work done per call), so one per frame was most
    /// of the cost of connecting. Not bounded, like `push`.
    pub fn push_all(&self, frames: &[Bytes]) {
        // A drained batch can come to nothing (all duplicates of a replay):
        // no lock, no empty `sendmsg`.
        if frames.is_empty() {
            return;
        }
        let mut waiting = self.waiting.lock().expect("socket lock");
        if waiting.failed || waiting.sealed {
            return;
        }
        if waiting.frames.is_empty() {
            self.write_through(waiting, frames, false);
            return;
        }
        // Frames already waiting are the task's to flush (it was told);
        // these go behind them.
        for frame in frames {
            waiting.keep(frame.clone(), false);
        }
    }

    fn put(&self, frame: Bytes, bounded: bool) -> Result<(), Full> {
        let mut waiting = self.waiting.lock().expect("socket lock");
        if waiting.failed || waiting.sealed {
            return Ok(());
        }
        if waiting.frames.is_empty() {
            self.write_through(waiting, std::slice::from_ref(&frame), bounded);
            return Ok(());
        }
        if bounded && waiting.offered >= self.bound {
            return Err(Full);
        }
        waiting.keep(frame, bounded);
        Ok(())
    }

    /// With nothing waiting: writes the frames straight to the kernel (up to
    /// `WRITEV_MAX` in one call), keeps what it did not take, and tells the
    /// task when anything was kept. Straight to the kernel rather than
    /// through tokio's `try_write`: that first reads the socket's readiness
    /// from its registration, one more cold cache line per listener on the
    /// publish thread. It is safe to skip: only tokio's own would-block
    /// results clear its readiness, so its wakeups for the task's `flush`
    /// are unchanged.
    fn write_through(&self, mut waiting: MutexGuard<'_, Waiting>, frames: &[Bytes], offered: bool) {
        let socket = socket2::SockRef::from(&*self.tcp);
        let sent = if let [frame] = frames {
            // The publish thread's case, once per listener: a plain `send`.
            socket.send(frame)
        } else {
            let mut slices = [IoSlice::new(&[]); WRITEV_MAX];
            let count = frames.len().min(WRITEV_MAX);
            for (slice, frame) in slices.iter_mut().zip(frames) {
                *slice = IoSlice::new(frame);
            }
            socket.send_vectored(&slices[..count])
        };
        let mut written = match sent {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
            Err(_) => {
                waiting.failed = true;
                return;
            }
        };
        // Only what the kernel did not take is kept (most connections
        // never need the queue's memory).
        for frame in frames {
            if written >= frame.len() {
                written -= frame.len();
            } else {
                if waiting.frames.is_empty() {
                    waiting.partial = written > 0;
                }
                waiting.keep(frame.slice(written..), offered);
                written = 0;
            }
        }
        if waiting.frames.is_empty() {
            return;
        }
        drop(waiting);
        self.unflushed.notify_one();
    }

    /// Writes the connection's last frames (its goodbye) in place of
    /// whatever is still waiting — all but the rest of a frame already
    /// partly written — and refuses every frame after them. Waiting frames
    /// are the client's to fetch again from its cursors; the goodbye is
    /// what it must see.
    pub fn close_with(&self, last: &[Bytes]) {
        let mut waiting = self.waiting.lock().expect("socket lock");
        if waiting.failed || waiting.sealed {
            return;
        }
        let keep = usize::from(waiting.partial);
        waiting.frames.truncate(keep);
        waiting.offered = waiting.frames.iter().filter(|(_, o)| *o).count();
        waiting.sealed = true;
        if waiting.frames.is_empty() {
            self.write_through(waiting, last, false);
        } else {
            for frame in last {
                waiting.keep(frame.clone(), false);
            }
        }
    }

    /// Ends the server's side of the stream (after the goodbye is out).
    pub fn shut_down_writing(&self) {
        let _ = socket2::SockRef::from(&*self.tcp).shutdown(std::net::Shutdown::Write);
    }

    /// Whether nothing is waiting to be written.
    pub fn is_flushed(&self) -> bool {
        let waiting = self.waiting.lock().expect("socket lock");
        waiting.frames.is_empty() || waiting.failed
    }

    /// Completes when bytes have been left waiting (possibly already
    /// written by the time it is polled: `flush` then finds nothing).
    pub async fn unflushed(&self) {
        self.unflushed.notified().await;
    }

    /// Writes what is waiting until nothing is, or the socket fails.
    pub async fn flush(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_flush(cx)).await
    }

    pub(super) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            {
                let mut waiting = self.waiting.lock().expect("socket lock");
                if waiting.failed {
                    return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
                }
                loop {
                    if waiting.frames.is_empty() {
                        return Poll::Ready(Ok(()));
                    }
                    let slices: Vec<IoSlice<'_>> = waiting
                        .frames
                        .iter()
                        .take(WRITEV_MAX)
                        .map(|(f, _)| IoSlice::new(f))
                        .collect();
                    match self.tcp.try_write_vectored(&slices) {
                        Ok(n) => waiting.consume(n),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => {
                            waiting.failed = true;
                            return Poll::Ready(Err(e));
                        }
                    }
                }
            }
            ready!(self.tcp.poll_write_ready(cx))?;
        }
    }
}

impl Waiting {
    fn keep(&mut self, frame: Bytes, offered: bool) {
        self.frames.push_back((frame, offered));
        self.offered += usize::from(offered);
    }

    /// Drops the first `n` bytes of the waiting frames.
    fn consume(&mut self, mut n: usize) {
        while n > 0 {
            let Some((front, offered)) = self.frames.front_mut() else {
                return;
            };
            if front.len() <= n {
                n -= front.len();
                self.offered -= usize::from(*offered);
                self.frames.pop_front();
                self.partial = false;
            } else {
                let rest = front.slice(n..);
                *front = rest;
                n = 0;
                self.partial = true;
            }
        }
    }
}

#[cfg(test)]
mod tests;
