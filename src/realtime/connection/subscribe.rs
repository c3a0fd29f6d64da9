//! Subscribing with the resume rule (listen, check membership, replay,
//! go live), and writing what the hub queued for the connection in order,
//! dropping what the replay already sent and filling any gap from the store.

use std::collections::VecDeque;

use axum::body::Bytes;

use super::{Connection, Flow};
use crate::domain::{RoomId, Seq};
use crate::realtime::cursor::{Live, RoomCursor};
use crate::realtime::listener::Outbound;
use crate::realtime::wire::{self, Frame};

impl Connection {
    /// Listen first, then check membership, then replay after `cursor`
    /// (from the store, unless this node knows there is nothing to or has
    /// handed out just those events lately), then go live.
    pub(super) async fn subscribe(&mut self, room: RoomId, cursor: Seq) -> Flow {
        // A token limited to some rooms (or without `read`) gets no other.
        if let Err(e) = self.granted(crate::domain::Scope::Read, room) {
            return self.send_error(Some(room), &e).await;
        }
        if self.listener.is_live(room) {
            return Flow::Continue;
        }
        // Listening before the membership check closes the race with a
        // removal: either the check sees it, or its event reaches us after
        // we listen and takes us out again. Until the room is live, its
        // events wait in the listener's queue.
        let catchup = self.hub.subscribe_after(room, &self.listener, cursor);
        // Nothing, or only what this node handed out lately, to replay: no
        // store read, only the membership check (`hub::known`, `hub::recent`).
        let replay = if let Some(handed) = catchup.without_store() {
            let last_seq = handed.last().map_or(cursor, |(seq, _)| *seq);
            self.chat
                .check_listener(&self.user, room)
                .await
                .map(|()| (handed, last_seq))
        } else {
            let replay = self
                .chat
                .replay(&self.user, room, cursor, self.settings.max_replay + 1)
                .await;
            if let Ok((_, last_seq)) = &replay {
                self.hub.replayed(room, &self.listener, *last_seq);
            }
            replay.map(|(events, last_seq)| {
                let frames = events.iter().map(|e| (e.seq, wire::encode_event(e)));
                (frames.collect(), last_seq)
            })
        };
        let (replayed, last_seq): (Vec<(Seq, Bytes)>, Seq) = match replay {
            Ok(r) => r,
            Err(e) => {
                self.hub.unsubscribe(room, &self.listener);
                return self.send_error(Some(room), &e).await;
            }
        };
        let mut frames = Vec::with_capacity(replayed.len() + 2);
        let position = if replayed.len() > self.settings.max_replay as usize {
            // Too much to replay: say so and go live from the newest seq.
            frames.push(wire::encode(&Frame::Resync {
                room_id: room,
                after: cursor,
                up_to: last_seq,
            }));
            RoomCursor::from(last_seq)
        } else {
            let last = replayed.last().map(|(seq, _)| *seq);
            frames.extend(replayed.into_iter().map(|(_, frame)| frame));
            RoomCursor::after_replay(cursor, last)
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
        self.flow_of(self.flushed().await)
    }

    pub(super) async fn deliver(&mut self, batch: VecDeque<Outbound>) -> Flow {
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
        self.flow_of(self.flushed().await)
    }
}
