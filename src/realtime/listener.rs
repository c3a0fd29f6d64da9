//! One listener (a stream connection or a long-poll) as the hub sees it:
//! its bounded queue, its wake-ups and kicks, the rooms it is live in with
//! their cursors, and the rule for when a frame may go straight into its
//! socket instead of through the queue.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use tokio::sync::Notify;

use super::cursor::{Live, RoomCursor};
use super::live_rooms::LiveRooms;
use super::socket::SocketOut;
use crate::domain::{RoomId, Seq, UserId};

/// What a listener's queue carries. Frames are whole WebSocket text
/// frames (`frame::text_frame`), made once for every listener.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A room event with its seq (deduplicated against the replay).
    Event {
        room: RoomId,
        seq: Seq,
        frame: Bytes,
    },
    /// A frame about a room without a seq (membership, typing, presence).
    Room { room: RoomId, frame: Bytes },
    /// A frame for this user alone (e.g. `room.added`).
    User(Bytes),
    /// The user left the room or was removed: stop sending it.
    Removed { room: RoomId },
}

pub type ListenerId = u64;

/// Why the hub told a listener to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kick {
    /// Its queue was full: it reads too slowly.
    TooSlow,
    /// Its session was signed out (or the password changed).
    SessionEnded,
    /// The server is shutting down.
    Restart,
}

/// What a listener wakes up for.
#[derive(Debug)]
pub enum Wake {
    /// Everything queued since the last wake, oldest first.
    Frames(VecDeque<Outbound>),
    Kicked(Kick),
    /// Time to ping the peer and check it has answered lately.
    Heartbeat,
}

/// One connection (or long-poll) as the hub sees it. Its queue lives here
/// rather than in a channel: an idle listener then holds no queue memory
/// at all (a tokio mpsc allocates a 32-slot block up front, ~2.3 KiB per
/// connection with its shared state), and the receiver takes the whole
/// queue at once, so draining it frees it.
pub struct Listener {
    pub id: ListenerId,
    pub user: UserId,
    pub username: String,
    /// The SHA-256 of the session token it came with.
    pub(super) session: [u8; 32],
    pub(super) inbox: Mutex<Inbox>,
    /// The connection's socket, which `offer` writes to directly while
    /// nothing is queued (`None` for long-polls).
    socket: Option<Arc<SocketOut>>,
    /// Woken on the first frame into an empty queue and on a kick; with
    /// one waiting task per listener, `notify_one`'s stored permit means
    /// no wake-up is lost between a check and the wait.
    wake: Notify,
    /// The hub's count of listeners ever cut off.
    cut_count: Arc<AtomicU64>,
}

pub(super) struct Inbox {
    pub(super) queue: VecDeque<Outbound>,
    /// Frames that may wait before the listener is cut off.
    bound: usize,
    kick: Option<Kick>,
    /// The hub's heartbeat came by since the last `Heartbeat` wake.
    beat: bool,
    /// Unregistered: nothing more is queued.
    closed: bool,
    /// Rooms whose replay has been written, with the last seq sent: their
    /// live frames go straight to the socket while `queue` is empty and
    /// not `draining`; otherwise they queue behind what is already there.
    live: LiveRooms,
    /// The connection took the queue and has not finished writing it.
    draining: bool,
}

/// What `offer` does with a frame when nothing is queued.
enum Direct {
    Write(Bytes),
    /// Already sent (by a replay).
    Drop,
    /// The connection's task must see it (a gap, a room not live yet).
    Queue,
}

impl Inbox {
    /// Whether a frame may go straight to the socket: nothing is queued or
    /// being written ahead of it, and the listener is still wanted.
    fn writes_through(&self) -> bool {
        self.kick.is_none() && !self.closed && self.queue.is_empty() && !self.draining
    }

    fn direct(&mut self, out: &Outbound) -> Direct {
        match out {
            Outbound::Event { room, seq, frame } => {
                let Some(cursor) = self.live.get_mut(*room) else {
                    return Direct::Queue;
                };
                match cursor.live(*seq) {
                    Live::Next => {
                        cursor.sent(*seq);
                        Direct::Write(frame.clone())
                    }
                    Live::Duplicate => Direct::Drop,
                    Live::Gap { .. } => Direct::Queue,
                }
            }
            Outbound::Room { room, frame } if self.live.contains(*room) => {
                Direct::Write(frame.clone())
            }
            Outbound::User(frame) => Direct::Write(frame.clone()),
            Outbound::Room { .. } | Outbound::Removed { .. } => Direct::Queue,
        }
    }
}

impl Listener {
    /// A listener for `user` with a queue of `bound` frames, writing to
    /// `socket` (a stream) or only queueing (a long-poll); `cut_count`
    /// counts the hub's cut-offs.
    pub(super) fn new(
        id: ListenerId,
        user: &crate::domain::User,
        session: [u8; 32],
        bound: usize,
        socket: Option<Arc<SocketOut>>,
        cut_count: Arc<AtomicU64>,
    ) -> Self {
        Self {
            id,
            user: user.id,
            username: user.username.clone(),
            session,
            inbox: Mutex::new(Inbox {
                queue: VecDeque::new(),
                bound,
                kick: None,
                beat: false,
                closed: false,
                live: LiveRooms::default(),
                draining: false,
            }),
            socket,
            wake: Notify::new(),
            cut_count,
        }
    }

    /// Waits for queued frames or a kick (a kick comes first).
    pub async fn next(&self) -> Wake {
        loop {
            if let Some(wake) = self.try_next() {
                return wake;
            }
            self.wake.notified().await;
        }
    }

    pub(super) fn try_next(&self) -> Option<Wake> {
        let mut inbox = self.inbox.lock().expect("listener lock");
        if let Some(kick) = inbox.kick {
            return Some(Wake::Kicked(kick));
        }
        if !inbox.queue.is_empty() {
            inbox.draining = true;
            return Some(Wake::Frames(std::mem::take(&mut inbox.queue)));
        }
        if std::mem::take(&mut inbox.beat) {
            return Some(Wake::Heartbeat);
        }
        None
    }

    /// The frames taken by the last `Wake::Frames` are written (or
    /// dropped): live frames may go straight to the socket again.
    pub fn drained(&self) {
        self.inbox.lock().expect("listener lock").draining = false;
    }

    /// Where the connection stands in `room`, if it is live there.
    pub fn cursor(&self, room: RoomId) -> Option<RoomCursor> {
        self.inbox.lock().expect("listener lock").live.get(room)
    }

    /// Records that the connection has sent `room` up to `seq`.
    pub fn sent(&self, room: RoomId, seq: Seq) {
        if let Some(c) = self.inbox.lock().expect("listener lock").live.get_mut(room) {
            c.sent(seq);
        }
    }

    /// The room's replay is written: later frames for it may be written
    /// as they come.
    pub fn go_live(&self, room: RoomId, cursor: RoomCursor) {
        self.inbox
            .lock()
            .expect("listener lock")
            .live
            .insert(room, cursor);
    }

    /// Stops sending the room; returns whether it was live.
    pub fn leave_room(&self, room: RoomId) -> bool {
        self.inbox.lock().expect("listener lock").live.remove(room)
    }

    pub fn is_live(&self, room: RoomId) -> bool {
        self.inbox
            .lock()
            .expect("listener lock")
            .live
            .contains(room)
    }

    /// The rooms the connection is live in.
    pub fn live_rooms(&self) -> Vec<RoomId> {
        self.inbox.lock().expect("listener lock").live.rooms()
    }

    /// Marks a heartbeat as due and wakes the connection.
    pub(super) fn beat(&self) {
        {
            let mut inbox = self.inbox.lock().expect("listener lock");
            if inbox.kick.is_some() || inbox.closed || inbox.beat {
                return;
            }
            inbox.beat = true;
        }
        self.wake.notify_one();
    }

    /// Completes once the hub has told this listener to go.
    pub async fn kicked(&self) -> Kick {
        loop {
            if let Some(kick) = self.kick() {
                return kick;
            }
            // Woken by frames too; `next` finds those still queued.
            self.wake.notified().await;
        }
    }

    pub fn kick(&self) -> Option<Kick> {
        self.inbox.lock().expect("listener lock").kick
    }

    /// The first kick wins; returns whether this one was it.
    pub(super) fn kick_with(&self, why: Kick) -> bool {
        let first = {
            let mut inbox = self.inbox.lock().expect("listener lock");
            let first = inbox.kick.is_none();
            if first {
                inbox.kick = Some(why);
                // Nobody will read them now.
                inbox.queue = VecDeque::new();
            }
            first
        };
        self.wake.notify_one();
        first
    }

    /// Writes the frame to the socket if nothing is ahead of it, or else
    /// queues it, without waiting; when too much waits (in the queue or
    /// in the socket) the listener is cut off.
    pub(super) fn offer(&self, out: Outbound) -> bool {
        let mut inbox = self.inbox.lock().expect("listener lock");
        if inbox.kick.is_some() {
            return false;
        }
        if inbox.closed {
            // The connection is closing and unregisters itself.
            return true;
        }
        if let Some(socket) = self.socket.as_ref().filter(|_| inbox.writes_through()) {
            match inbox.direct(&out) {
                Direct::Write(frame) => return self.write(inbox, socket, frame),
                Direct::Drop => return true,
                Direct::Queue => {}
            }
        }
        if inbox.queue.len() >= inbox.bound {
            drop(inbox);
            return self.cut_off();
        }
        let was_empty = inbox.queue.is_empty();
        inbox.queue.push_back(out);
        drop(inbox);
        // A non-empty queue has had its wake-up already.
        if was_empty {
            self.wake.notify_one();
        }
        true
    }

    /// Offers a run of consecutive events of one room (oldest first), with
    /// `joined` their frames back to back: one write when the listener is
    /// live in the room and the run's first event is the next it needs
    /// (the hub fell behind and catches up a write per listener, not per
    /// event), else event by event.
    pub(super) fn offer_run(&self, room: RoomId, run: &[(Seq, Bytes)], joined: &Bytes) -> bool {
        let (Some((first, _)), Some((last, _))) = (run.first(), run.last()) else {
            return true;
        };
        if let Some(socket) = &self.socket {
            let mut inbox = self.inbox.lock().expect("listener lock");
            if inbox.writes_through() {
                if let Some(cursor) = inbox.live.get_mut(room) {
                    if cursor.live(*first) == Live::Next {
                        cursor.sent(*last);
                        return self.write(inbox, socket, joined.clone());
                    }
                }
            }
        }
        run.iter().all(|(seq, frame)| {
            self.offer(Outbound::Event {
                room,
                seq: *seq,
                frame: frame.clone(),
            })
        })
    }

    /// Writes to the socket while still holding the inbox lock, so the task
    /// cannot take a queue and write it ahead of this frame; cuts the
    /// listener off when too much already waits in the socket.
    fn write(&self, inbox: MutexGuard<'_, Inbox>, socket: &SocketOut, frame: Bytes) -> bool {
        if socket.offer(frame).is_ok() {
            return true;
        }
        drop(inbox);
        self.cut_off()
    }

    /// Cuts the listener off for reading too slowly; always false (the
    /// frame was not taken).
    fn cut_off(&self) -> bool {
        if self.kick_with(Kick::TooSlow) {
            self.cut_count.fetch_add(1, Ordering::Relaxed);
        }
        false
    }

    pub(super) fn close(&self) {
        let mut inbox = self.inbox.lock().expect("listener lock");
        inbox.closed = true;
        inbox.queue = VecDeque::new();
    }
}
