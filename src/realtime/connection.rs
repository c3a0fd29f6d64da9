//! One WebSocket connection: a single loop over the socket, the hub queue,
//! pending sends and the heartbeat. Subscribing follows the resume rule:
//! listen first, replay from the store, then go live, dropping any live
//! event at or below what was already delivered. Once a room is live, the
//! hub writes its frames into the socket itself while nothing is queued
//! (`realtime::socket`); this loop writes the rest in order.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use tokio_tungstenite::WebSocketStream;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::Message as WsMessage;

use super::cursor::{Live, RoomCursor};
use super::hub::Hub;
use super::listener::{Kick, Listener, Outbound, Wake};
use super::socket::{self, SocketOut, StreamIo};
use super::wire::{self, Command, ErrorDetail, Frame};
use crate::chat::Chat;
use crate::domain::{Posted, RoomId, Seq, User};
use crate::error::Error;
use crate::http::server::TakenOver;

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

/// Close codes (RFC 6455 and our 4000-range).
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_RESTART: u16 = 1012;
/// Cut off for not reading fast enough: reconnect and resume.
pub const CLOSE_TOO_SLOW: u16 = 4008;
/// The session was signed out: do not reconnect without signing in.
pub const CLOSE_SESSION_ENDED: u16 = 4001;

/// A socket write that gives up when the listener is cut off or the peer
/// stops taking data, so a stuck peer never holds its task forever.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// The read buffer is allocated for every connection up front and never
/// shrinks (the library default is 128 KiB); commands are a few hundred
/// bytes, and a larger message is read in several chunks. 256 instead of
/// 1,024 made no measurable difference to WS sends (`send --via ws
/// --clients 32`: 14.5k-18.8k/s either way).
const READ_BUFFER: usize = 256;

/// The reading side: tungstenite parses the client's frames (and answers
/// its pings through the shared socket); the server's own frames are
/// written as bytes framed once (`socket::text_frame`).
type Reader = WebSocketStream<StreamIo>;

enum Flow {
    Continue,
    Close(u16, &'static str),
}

struct Connection {
    chat: Arc<Chat>,
    hub: Arc<Hub>,
    user: User,
    settings: StreamSettings,
    /// Holds the subscribed rooms' cursors (shared with the hub).
    listener: Arc<Listener>,
    socket: Arc<SocketOut>,
}

/// Serves one upgraded socket until it closes. Not an `async fn`: the
/// connection is built here and moved into the future once, instead of
/// the arguments being kept in the future beside their moved copies — the
/// future is what an idle connection costs, so its size counts.
pub fn serve(
    taken: TakenOver,
    early: &[u8],
    chat: Arc<Chat>,
    hub: Arc<Hub>,
    user: User,
    session: [u8; 32],
    settings: StreamSettings,
) -> impl std::future::Future<Output = ()> + Send {
    let socket = Arc::new(SocketOut::new(Arc::clone(&taken.tcp), settings.queue_bound));
    let io = StreamIo::new(Arc::clone(&taken.tcp), Arc::clone(&socket), early);
    let listener = hub.connect(
        &user,
        session,
        settings.queue_bound,
        Some(Arc::clone(&socket)),
    );
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        // Only tungstenite's pongs are written through it: at once.
        .write_buffer_size(0)
        .max_write_buffer_size(settings.max_message_bytes)
        .max_message_size(Some(settings.max_message_bytes))
        .max_frame_size(Some(settings.max_message_bytes));
    let mut conn = Connection {
        chat,
        hub,
        user,
        settings,
        listener,
        socket,
    };
    async move {
        // Holds the IP's connection slot for as long as the socket is open.
        let _taken = taken;
        let mut reader = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
        let reason = conn.run(&mut reader).await;
        conn.hub
            .disconnect(&conn.listener, conn.listener.live_rooms());
        if let Flow::Close(code, why) = reason {
            conn.socket.push(socket::close_frame(code, why));
            let _ = tokio::time::timeout(Duration::from_secs(1), conn.socket.flush()).await;
        }
    }
}

/// The next finished send, or never while there are none (made on the
/// first send: an idle connection keeps no `FuturesUnordered`).
async fn next_send(sends: &mut Option<FuturesUnordered<PendingSend>>) -> SendDone {
    match sends {
        Some(s) if !s.is_empty() => s.next().await.expect("not empty"),
        _ => std::future::pending().await,
    }
}

impl Connection {
    async fn run(&mut self, reader: &mut Reader) -> Flow {
        let hello = wire::encode(&Frame::Hello {
            user: &self.user,
            heartbeat_secs: self.settings.ping_interval.as_secs(),
        });
        if !self.write(vec![hello]).await {
            return Flow::Close(CLOSE_TOO_SLOW, "too slow");
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
                    Wake::Kicked(Kick::TooSlow) => Flow::Close(CLOSE_TOO_SLOW, "too slow: reconnect and resume"),
                    Wake::Kicked(Kick::SessionEnded) => Flow::Close(CLOSE_SESSION_ENDED, "session ended: sign in again"),
                    Wake::Kicked(Kick::Restart) => {
                        // Not through `write`: it gives up once the listener is
                        // kicked, and this kick is the reason for the frame.
                        let bye = wire::encode(&Frame::Reconnect { reason: "the server is restarting" });
                        self.socket.push(bye);
                        let _ = tokio::time::timeout(WRITE_TIMEOUT, self.socket.flush()).await;
                        Flow::Close(CLOSE_RESTART, "server restarting")
                    }
                    Wake::Frames(batch) => self.deliver(batch).await,
                    // The hub's heartbeat (`Hub::start_heartbeat`).
                    Wake::Heartbeat => {
                        if last_heard.elapsed() > self.settings.idle_timeout {
                            return Flow::Close(CLOSE_GOING_AWAY, "no answer to pings");
                        }
                        silence = silence.on_ping(|| self.hub.mark_stale(&self.listener));
                        Self::flow_of(self.write(vec![socket::ping_frame()]).await)
                    }
                },
                // The hub left frames the kernel did not take at once.
                () = socket.unflushed() => Self::flow_of(self.flushed().await),
                (client_id, result) = next_send(&mut sends) => {
                    let result: Result<Posted, Error> = result;
                    let frame = match &result {
                        Ok(posted) => wire::encode(&Frame::Ack { client_id: &client_id, message: &posted.message }),
                        Err(e) => wire::encode(&Frame::Error { client_id: Some(&client_id), room_id: None, error: ErrorDetail::from(e) }),
                    };
                    Self::flow_of(self.write(vec![frame]).await)
                }
                incoming = reader.next(), if pending < self.settings.max_pending_sends => {
                    last_heard = Instant::now();
                    silence = silence.on_heard(|| self.hub.mark_fresh(&self.listener));
                    match incoming {
                        None | Some(Ok(WsMessage::Close(_))) => return Flow::Continue,
                        Some(Err(e)) => read_error(&e),
                        Some(Ok(WsMessage::Text(_))) if !budget.take() => {
                            Flow::Close(CLOSE_POLICY, "too many commands: slow down")
                        }
                        Some(Ok(WsMessage::Text(text))) => {
                            Box::pin(self.command(text.as_str(), &mut sends)).await
                        }
                        Some(Ok(WsMessage::Binary(_))) => Flow::Close(CLOSE_POLICY, "send JSON text frames"),
                        Some(Ok(_)) => Flow::Continue, // ping and pong: the peer is alive
                    }
                }
            };
            if let Flow::Close(..) = flow {
                return flow;
            }
        }
    }

    fn flow_of(written: bool) -> Flow {
        if written {
            Flow::Continue
        } else {
            Flow::Close(CLOSE_TOO_SLOW, "too slow: reconnect and resume")
        }
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

    async fn command(
        &mut self,
        text: &str,
        sends: &mut Option<FuturesUnordered<PendingSend>>,
    ) -> Flow {
        let command = match serde_json::from_str::<Command>(text) {
            Ok(c) => c,
            Err(e) => {
                let error =
                    Error::invalid("invalid_command", format!("That command is not valid: {e}"));
                return self.send_error(None, &error).await;
            }
        };
        match command {
            Command::Ping => Self::flow_of(self.write(vec![wire::encode(&Frame::Pong)]).await),
            Command::Subscribe { rooms } => {
                if rooms.len() > self.settings.max_rooms_per_subscribe {
                    let error = Error::invalid(
                        "too_many_rooms",
                        format!(
                            "Subscribe to at most {} rooms at once.",
                            self.settings.max_rooms_per_subscribe
                        ),
                    );
                    return self.send_error(None, &error).await;
                }
                let rooms = match wire::cursors(rooms) {
                    Ok(rooms) => rooms,
                    Err(e) => return self.send_error(None, &e).await,
                };
                for (room, cursor) in rooms {
                    if let Flow::Close(code, why) = self.subscribe(room, cursor).await {
                        return Flow::Close(code, why);
                    }
                }
                Flow::Continue
            }
            Command::Unsubscribe { rooms } => {
                let mut frames = Vec::new();
                for room in rooms {
                    if self.listener.leave_room(room) {
                        self.hub.unsubscribe(room, &self.listener);
                        frames.push(wire::encode(&Frame::Unsubscribed { room_id: room }));
                    }
                }
                Self::flow_of(self.write(frames).await)
            }
            Command::Send {
                room_id,
                client_id,
                body,
            } => {
                let chat = Arc::clone(&self.chat);
                let user = self.user.clone();
                sends
                    .get_or_insert_with(FuturesUnordered::new)
                    .push(Box::pin(async move {
                        let result = chat.post_message(&user, room_id, &client_id, &body).await;
                        (client_id, result)
                    }));
                Flow::Continue
            }
            Command::Typing { room_id } => {
                if self.listener.is_live(room_id) {
                    self.hub.typing(room_id, &self.listener);
                }
                Flow::Continue
            }
            Command::TypingStopped { room_id } => {
                if self.listener.is_live(room_id) {
                    self.hub.typing_stopped(room_id, &self.listener);
                }
                Flow::Continue
            }
        }
    }

    async fn send_error(&self, room: Option<RoomId>, error: &Error) -> Flow {
        let frame = wire::encode(&Frame::Error {
            client_id: None,
            room_id: room,
            error: ErrorDetail::from(error),
        });
        Self::flow_of(self.write(vec![frame]).await)
    }

    /// Listen first, then check membership, then replay after `cursor`,
    /// then go live.
    async fn subscribe(&mut self, room: RoomId, cursor: Seq) -> Flow {
        if self.listener.is_live(room) {
            return Flow::Continue;
        }
        // Listening before the membership check closes the race with a
        // removal: either the check sees it, or its event reaches us after
        // we listen and takes us out again. Until the room is live, its
        // events wait in the listener's queue.
        self.hub.subscribe(room, &self.listener);
        let replay = self
            .chat
            .replay(&self.user, room, cursor, self.settings.max_replay + 1)
            .await;
        let (events, last_seq) = match replay {
            Ok(r) => r,
            Err(e) => {
                self.hub.unsubscribe(room, &self.listener);
                return self.send_error(Some(room), &e).await;
            }
        };
        let mut frames = Vec::with_capacity(events.len() + 2);
        let position = if events.len() > self.settings.max_replay as usize {
            // Too much to replay: say so and go live from the newest seq.
            frames.push(wire::encode(&Frame::Resync {
                room_id: room,
                after: cursor,
                up_to: last_seq,
            }));
            RoomCursor::from(last_seq)
        } else {
            frames.extend(events.iter().map(wire::encode_event));
            RoomCursor::after_replay(cursor, events.iter().map(|e| e.seq))
        };
        frames.push(wire::encode(&Frame::Subscribed {
            room_id: room,
            last_seq: position.delivered(),
        }));
        let (count, online) = self.hub.online(room);
        frames.push(wire::encode(&Frame::Presence {
            room_id: room,
            count,
            online,
        }));
        self.push(&frames);
        // After the replay's frames, so nothing live can pass them.
        self.listener.go_live(room, position);
        Self::flow_of(self.flushed().await)
    }

    async fn deliver(&mut self, batch: VecDeque<Outbound>) -> Flow {
        let mut frames = Vec::with_capacity(batch.len());
        for out in batch {
            match out {
                Outbound::Event { room, seq, frame } => {
                    let Some(position) = self.listener.cursor(room) else {
                        continue;
                    };
                    match position.live(seq) {
                        Live::Duplicate => continue, // already sent by the replay
                        Live::Next => {}
                        Live::Gap { after, missing } => {
                            // A hole (not expected on one node): fill it from the store.
                            let fill = self.chat.replay(&self.user, room, after, missing);
                            match Box::pin(fill).await {
                                Ok((filled, _)) => {
                                    frames.extend(filled.iter().map(wire::encode_event));
                                }
                                Err(_) => continue,
                            }
                        }
                    }
                    self.listener.sent(room, seq);
                    frames.push(frame);
                }
                Outbound::Room { room, frame } => {
                    if self.listener.is_live(room) {
                        frames.push(frame);
                    }
                }
                Outbound::User(frame) => frames.push(frame),
                Outbound::Removed { room } => {
                    self.listener.leave_room(room);
                    frames.push(wire::encode(&Frame::RoomRemoved { room_id: room }));
                }
            }
        }
        self.push(&frames);
        // Written in order: the hub may write straight to the socket again.
        self.listener.drained();
        Self::flow_of(self.flushed().await)
    }
}

async fn flush_all(socket: &SocketOut, listener: &Listener) -> bool {
    tokio::select! {
        r = socket.flush() => r.is_ok(),
        _ = listener.kicked() => false,
        () = tokio::time::sleep(WRITE_TIMEOUT) => false,
    }
}

/// Whether the peer answered the server's last ping. A live peer answers
/// within milliseconds, long before the next heartbeat; one that has not
/// answered by then is probably gone (a laptop lid, a lost network), so
/// its user stops counting as online (`Hub::mark_stale`) until it is heard
/// again, while the connection itself waits for the idle timeout. One
/// byte in the connection's future, and no timer of its own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Silence {
    /// Heard from since the last ping.
    Answered,
    /// A ping is out, unanswered so far.
    Waiting,
    /// A heartbeat came round with the ping unanswered: shown offline.
    Stale,
}

impl Silence {
    fn on_ping(self, mark_stale: impl FnOnce()) -> Self {
        match self {
            Self::Answered => Self::Waiting,
            Self::Waiting => {
                mark_stale();
                Self::Stale
            }
            Self::Stale => Self::Stale,
        }
    }

    fn on_heard(self, mark_fresh: impl FnOnce()) -> Self {
        if self == Self::Stale {
            mark_fresh();
        }
        Self::Answered
    }
}

/// A token bucket for one connection's commands: no map, no lock.
/// `None` when commands are not limited.
struct CommandBudget(Option<Bucket>);

struct Bucket {
    tokens: f64,
    burst: f64,
    per_second: f64,
    at: Instant,
}

impl CommandBudget {
    fn new(per_second: u32) -> Self {
        if per_second == 0 {
            return Self(None);
        }
        let per_second = f64::from(per_second);
        Self(Some(Bucket {
            tokens: per_second * 2.0,
            burst: per_second * 2.0,
            per_second,
            at: Instant::now(),
        }))
    }

    fn take(&mut self) -> bool {
        let Some(b) = &mut self.0 else { return true };
        let now = Instant::now();
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * b.per_second).min(b.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

type SendDone = (String, Result<Posted, Error>);
type PendingSend = std::pin::Pin<Box<dyn std::future::Future<Output = SendDone> + Send>>;

/// A read error: an oversize message is closed with 1009, as RFC 6455 says.
fn read_error(e: &tungstenite::Error) -> Flow {
    if let tungstenite::Error::Capacity(_) = e {
        return Flow::Close(CLOSE_TOO_BIG, "message too big");
    }
    Flow::Close(CLOSE_POLICY, "protocol error")
}
