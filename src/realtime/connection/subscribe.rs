//! Subscribing with the resume rule (listen, check membership, replay,
//! go live), and writing what the hub queued for the connection in order,
//! dropping what the replay already sent and filling any gap from the store.

use std::collections::VecDeque;

use super::{Connection, Flow};
use crate::domain::{RoomId, Seq};
use crate::realtime::cursor::{Live, RoomCursor};
use crate::realtime::listener::Outbound;
use crate::realtime::wire::{self, Frame};

impl Connection {
    /// Listen first, then check membership, then replay after `cursor`
    /// (unless this node knows there is nothing to), then go live.
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
        let known = self.hub.subscribe(room, &self.listener);
        // A cursor at or past what this node has of the room needs no
        // store read, only the membership check (`hub::known`).
        let replay = if known.is_some_and(|upto| cursor >= upto) {
            self.chat
                .check_listener(&self.user, room)
                .await
                .map(|()| (Vec::new(), cursor))
        } else {
            let replay = self
                .chat
                .replay(&self.user, room, cursor, self.settings.max_replay + 1)
                .await;
            if let Ok((_, last_seq)) = &replay {
                self.hub.replayed(room, &self.listener, *last_seq);
            }
            replay
        };
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
