//! One WebSocket connection: a single loop over the socket, the hub queue,
//! pending sends and the heartbeat. Subscribing follows the resume rule:
//! listen first, replay from the store, then go live, dropping any live
//! event at or below what was already delivered. Once a room is live, the
//! hub writes its frames into the socket itself while nothing is queued
//! (`realtime::socket`); this loop writes the rest in order.

mod commands;
mod silence;
mod subscribe;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message as WsMessage, Utf8Bytes};

use self::silence::Silence;
use super::budget::CommandBudget;
use super::close;
use super::frame;
use super::hub::Hub;
use super::listener::{Kick, Listener, Wake};
use super::socket::SocketOut;
use super::stream_io::{Reader, StreamIo};
use super::wire::{self, ErrorDetail, Frame};
use crate::chat::Chat;
use crate::domain::{Grant, Need, Place, Posted, RoomId, Scope, User};
use crate::error::Error;

/// Limits and timings of stream connections.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// Frames that may wait for a connection before it is cut off.
    pub queue_bound: usize,
    /// Largest message a client may send, in bytes.
    pub max_message_bytes: usize,
    /// How often the server pings.
    pub ping_interval: Duration,
    /// A connection silent for this long is closed as dead.
    pub idle_timeout: Duration,
    /// The most events replayed for one room on subscribe; beyond it the
    /// client is told to page history (`resync`).
    pub max_replay: u32,
    /// The most rooms one subscribe may name.
    pub max_rooms_per_subscribe: usize,
    /// Sends over this connection waiting for their commit at once.
    pub max_pending_sends: usize,
    /// Stream connections one user may hold at once.
    pub max_per_user: usize,
    /// Commands a connection may send per second (bursts of twice that);
    /// a client that floods beyond it is disconnected. 0: no limit (so it
    /// follows `--rate-limits`; load tests turn both off).
    pub commands_per_second: u32,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            queue_bound: 1024,
            max_message_bytes: 64 * 1024,
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_mins(1),
            max_replay: 1000,
            max_rooms_per_subscribe: 1000,
            max_pending_sends: 64,
            max_per_user: 20,
            commands_per_second: 50,
        }
    }
}

/// A socket write that gives up when the listener is cut off or the peer
/// stops taking data, so a stuck peer never holds its task forever.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// The read buffer is allocated for every connection up front and never
/// shrinks (the library default is 128 KiB); commands are a few hundred
/// bytes, and a larger message is read in several chunks. 256 instead of
/// 1,024 made no measurable difference to WS sends (`send --via ws
/// --clients 32`: 14.5k-18.8k/s either way).
const READ_BUFFER: usize = 256;

enum Flow {
    Continue,
    /// The server ends the connection with this code and reason.
    Close(u16, &'static str),
    /// The client sent a close (with this code): answer it and end.
    ClientClosed(Option<u16>),
    /// The client is gone without a close: nothing more can be sent.
    Gone,
}

struct Connection {
    chat: Arc<Chat>,
    hub: Arc<Hub>,
    user: User,
    /// The server's, shared: an idle connection's future is what it costs.
    settings: Arc<StreamSettings>,
    /// Holds the subscribed rooms' cursors (shared with the hub).
    listener: Arc<Listener>,
    socket: Arc<SocketOut>,
    /// An API token's scopes and rooms (`None`: a session, which may
    /// do all its user may). Boxed: most connections are sessions.
    grant: Option<Box<Grant>>,
}

impl Connection {
    /// Whether the connection's token lets it `scope` in `room`.
    fn granted(&self, scope: Scope, room: RoomId) -> Result<(), crate::error::Error> {
        self.grant
            .as_ref()
            .map_or(Ok(()), |g| g.allow(Need::Scope(scope), Place::Room(room)))
    }
}

/// How the client's frames are read: a small buffer, and messages and
/// frames of at most `max_message_bytes` (larger ones close with 1009).
pub fn reader_config(max_message_bytes: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        // Only tungstenite's pongs are written through it: at once.
        .write_buffer_size(0)
        .max_write_buffer_size(max_message_bytes)
        .max_message_size(Some(max_message_bytes))
        .max_frame_size(Some(max_message_bytes))
}

/// A socket the HTTP server handed over after an upgrade, with whatever
/// it holds for the connection's life (its per-IP slot): realtime needs
/// only the socket, and knows nothing of the server that accepted it.
pub trait TakenOver: Send + 'static {
    fn tcp(&self) -> &Arc<tokio::net::TcpStream>;
}

/// Serves one upgraded socket until it closes. Not an `async fn`: the
/// connection is built here and moved into the future once, instead of
/// the arguments being kept in the future beside their moved copies — the
/// future is what an idle connection costs, so its size counts.
pub fn serve(
    taken: impl TakenOver,
    early: &[u8],
    chat: Arc<Chat>,
    hub: Arc<Hub>,
    (user, session, grant): (User, [u8; 32], Option<Grant>),
    settings: Arc<StreamSettings>,
) -> impl std::future::Future<Output = ()> + Send {
    let socket = Arc::new(SocketOut::new(
        Arc::clone(taken.tcp()),
        settings.queue_bound,
    ));
    let io = StreamIo::new(Arc::clone(taken.tcp()), Arc::clone(&socket), early);
    // The hello goes into the socket before the listener joins the hub:
    // the hub writes to the socket directly, and a user event (a room
    // just added) would otherwise arrive before it.
    socket.push_all(&[wire::encode(&Frame::Hello {
        user: &user,
        heartbeat_secs: settings.ping_interval.as_secs(),
    })]);
    let listener = hub.connect(
        &user,
        session,
        settings.queue_bound,
        Some(Arc::clone(&socket)),
    );
    let mut reader = Reader::new(io, reader_config(settings.max_message_bytes));
    let mut conn = Connection {
        chat,
        hub,
        user,
        settings,
        listener,
        socket,
        grant: grant.map(Box::new),
    };
    async move {
        // Holds the IP's connection slot for as long as the socket is open
        // (and, on shutdown, keeps the server up until the goodbye is out).
        let taken = taken;
        let end = conn.run(&mut reader).await;
        conn.hub
            .disconnect(&conn.listener, conn.listener.live_rooms());
        let last = match end {
            Flow::Close(code, why) => {
                tracing::debug!(user = %conn.user.id, code, why, "stream closed by the server");
                let mut last = Vec::with_capacity(2);
                if code == close::RESTART {
                    last.push(wire::encode(&Frame::Reconnect {
                        reason: "the server is restarting",
                    }));
                }
                last.push(close::frame(code, why));
                last
            }
            Flow::ClientClosed(code) => {
                tracing::debug!(user = %conn.user.id, code, "stream closed by the client");
                vec![close::reply(code)]
            }
            Flow::Continue | Flow::Gone => {
                tracing::debug!(user = %conn.user.id, "stream client gone");
                return;
            }
        };
        // Boxed: the goodbye's state is only paid for by a closing connection.
        Box::pin(close::goodbye(&conn.socket, taken.tcp(), &last)).await;
    }
}

/// The frame of the next finished send, or never while there are none
/// (made on the first send: an idle connection keeps no `FuturesUnordered`).
async fn next_send(sends: &mut Option<FuturesUnordered<PendingSend>>) -> Bytes {
    match sends {
        Some(s) if !s.is_empty() => s.next().await.expect("not empty"),
        _ => std::future::pending().await,
    }
}

impl Connection {
    async fn run(&mut self, reader: &mut Reader) -> Flow {
        // The hello was pushed by `serve`; it must be out before the rest.
        if !self.flushed().await {
            return self.cut_off();
        }
        let mut sends: Option<FuturesUnordered<PendingSend>> = None;
        let mut last_heard = Instant::now();
        let mut silence = Silence::Answered;
        let listener = Arc::clone(&self.listener);
        let socket = Arc::clone(&self.socket);
        let mut budget = CommandBudget::new(self.settings.commands_per_second);

        // Branches that await much (a subscribe's replay, a gap fill) are
        // boxed, so the future an idle connection keeps stays small.
        loop {
            let pending = sends.as_ref().map_or(0, FuturesUnordered::len);
            let flow = tokio::select! {
                biased;
                wake = listener.next() => match wake {
                    Wake::Kicked(kick) => closing(kick),
                    Wake::Frames(batch) => self.deliver(batch).await,
                    // The hub's heartbeat (`Hub::start_heartbeat`).
                    Wake::Heartbeat => {
                        if last_heard.elapsed() > self.settings.idle_timeout {
                            return Flow::Close(close::GOING_AWAY, "no answer to pings");
                        }
                        silence = silence.on_ping(|| self.hub.mark_stale(&self.listener));
                        self.flow_of(self.write(vec![frame::ping_frame()]).await)
                    }
                },
                // The hub left frames the kernel did not take at once.
                () = socket.unflushed() => self.flow_of(self.flushed().await),
                frame = next_send(&mut sends) => self.flow_of(self.write(vec![frame]).await),
                incoming = next_incoming(reader), if pending < self.settings.max_pending_sends => {
                    last_heard = Instant::now();
                    silence = silence.on_heard(|| self.hub.mark_fresh(&self.listener));
                    match incoming {
                        Incoming::Text(_) if !budget.take() => {
                            Flow::Close(close::POLICY, "too many commands: slow down")
                        }
                        Incoming::Text(text) => {
                            Box::pin(self.command(text.as_str(), &mut sends)).await
                        }
                        Incoming::Other(flow) => flow,
                    }
                }
            };
            if !matches!(flow, Flow::Continue) {
                return flow;
            }
        }
    }

    /// Carries on after a write, or ends the connection when it failed:
    /// for the reason the hub gave (a kick during the wait), or else as
    /// too slow (the peer took nothing for `WRITE_TIMEOUT`, or is gone).
    fn flow_of(&self, written: bool) -> Flow {
        if written {
            Flow::Continue
        } else {
            self.cut_off()
        }
    }

    fn cut_off(&self) -> Flow {
        closing(self.listener.kick().unwrap_or(Kick::TooSlow))
    }

    /// Writes the frames in order and waits until the kernel has taken
    /// them; false when the peer is stuck or gone.
    async fn write(&self, frames: Vec<Bytes>) -> bool {
        self.push(&frames);
        self.flushed().await
    }

    /// Hands the frames to the socket in order, in one write where the
    /// kernel takes them, without waiting.
    fn push(&self, frames: &[Bytes]) {
        self.socket.push_all(frames);
    }

    /// Waits until nothing is left unwritten; false when the listener is
    /// cut off, the socket fails or the peer takes nothing for a while.
    /// Boxed, and only when there is something to wait for: with its timer
    /// it is the largest thing the loop awaits (the loop's future was 992
    /// bytes with it inline), and most writes are taken at once.
    async fn flushed(&self) -> bool {
        if self.socket.is_flushed() {
            return true;
        }
        Box::pin(flush_all(&self.socket, &self.listener)).await
    }
}

async fn flush_all(socket: &SocketOut, listener: &Listener) -> bool {
    tokio::select! {
        r = socket.flush() => r.is_ok(),
        _ = listener.kicked() => false,
        () = tokio::time::sleep(WRITE_TIMEOUT) => false,
    }
}

/// A send waiting for its commit; it ends with its `ack` or `error` frame.
/// (The frame, not the posted message: what the select's branches yield
/// stays in the connection's future while a branch runs, and a message
/// with its result is ~250 bytes.)
type PendingSend = std::pin::Pin<Box<dyn std::future::Future<Output = Bytes> + Send>>;

/// The `ack` of a committed send, or the `error` of a refused one.
fn send_frame(client_id: &str, result: &Result<Posted, Error>) -> Bytes {
    match result {
        Ok(posted) => wire::encode(&Frame::Ack {
            client_id,
            message: &posted.message,
        }),
        Err(e) => wire::encode(&Frame::Error {
            client_id: Some(client_id),
            room_id: None,
            error: ErrorDetail::from(e),
        }),
    }
}

/// A client's message as the loop acts on it: a command's text, or what
/// anything else means for the connection. Small for the same reason as
/// `PendingSend`'s frame (tungstenite's message or error is ~100 bytes).
enum Incoming {
    Text(Utf8Bytes),
    Other(Flow),
}

async fn next_incoming(reader: &mut Reader) -> Incoming {
    let flow = match reader.next().await {
        Some(Ok(WsMessage::Text(text))) => return Incoming::Text(text),
        None => Flow::Gone,
        Some(Ok(WsMessage::Close(frame))) => Flow::ClientClosed(frame.map(|f| u16::from(f.code))),
        Some(Err(e)) => match close::for_read_error(&e) {
            Some((close::INTERNAL, why)) => {
                tracing::warn!(error = %e, "reading a stream failed");
                Flow::Close(close::INTERNAL, why)
            }
            Some((code, why)) => Flow::Close(code, why),
            None => Flow::Gone,
        },
        Some(Ok(WsMessage::Binary(_))) => {
            Flow::Close(close::UNSUPPORTED_DATA, "send JSON text frames")
        }
        Some(Ok(_)) => Flow::Continue, // ping and pong: the peer is alive
    };
    Incoming::Other(flow)
}

/// The close a kick from the hub ends the connection with.
fn closing(kick: Kick) -> Flow {
    match kick {
        Kick::TooSlow => Flow::Close(close::TOO_SLOW, "too slow: reconnect and resume"),
        Kick::SessionEnded => Flow::Close(close::SESSION_ENDED, "session ended: sign in again"),
        Kick::Restart => Flow::Close(close::RESTART, "server restarting"),
    }
}
