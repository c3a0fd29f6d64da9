//! Publishing: the hub hears every committed event (as the store's
//! `Publisher`), encodes each room's run of events once and writes the
//! shared bytes to the room's listeners (several cores for a big batch);
//! membership changes, ended sessions and profile changes go to whom they
//! concern.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;

use super::Hub;
use crate::domain::{Event, RoomChange, RoomEvent, RoomId, Seq, UserId};
use crate::realtime::listener::{Listener, Outbound};
use crate::realtime::wire::{self, Frame};
use crate::storage::Publisher;

impl Hub {
    fn dispatch(&self, event: &Event) {
        match event {
            // Fanned out by `publish`, a room's events together.
            Event::Room(e) => {
                if let Some(prepared) = self.prepare(e.room_id, &[e]) {
                    self.write_runs(vec![prepared]);
                }
            }
            Event::Sessions(ended) => self.end_sessions(ended),
            Event::Person(changed) => self.tell_room_mates(changed),
            // For caches in front of the store; no listener is told.
            Event::Changed(_) => {}
            Event::Membership(m) => {
                let mut state = self.state.write().expect("hub lock");
                // A logged change reached the room as its `member.joined` /
                // `member.left` room event (with a seq): one frame each.
                // Only changes outside the log are told here, without a seq.
                if let Some(entry) = state.rooms.get(&m.room_id).filter(|_| !m.logged) {
                    let frame = if m.joined {
                        wire::encode(&Frame::MemberJoined {
                            room_id: m.room_id,
                            member: &m.member,
                        })
                    } else {
                        wire::encode(&Frame::MemberLeft {
                            room_id: m.room_id,
                            member: &m.member,
                        })
                    };
                    Self::offer_room(
                        entry,
                        &Outbound::Room {
                            room: m.room_id,
                            frame,
                        },
                    );
                }
                let own: Vec<Arc<Listener>> = state
                    .users
                    .get(&m.member.user_id)
                    .cloned()
                    .unwrap_or_default();
                if m.joined {
                    let added = wire::encode(&Frame::RoomAdded { room_id: m.room_id });
                    for l in &own {
                        l.offer(Outbound::User(added.clone()));
                    }
                } else {
                    // Authorization is live: the departed user's listeners
                    // leave the room now, before any later event is sent.
                    for l in &own {
                        if self.leave(&mut state, m.room_id, l.id) {
                            self.interest(m.room_id, false);
                        }
                        l.offer(Outbound::Removed { room: m.room_id });
                    }
                }
            }
        }
    }

    /// A room's events (in seq order), encoded, and who is to get them.
    fn prepare(&self, room: RoomId, events: &[&RoomEvent]) -> Option<(Run, Vec<Arc<Listener>>)> {
        // The listeners are copied out and written to after the lock is
        // released: each write is a system call (a room of 10,000 is tens
        // of milliseconds of them), and connections coming and going need
        // the lock meanwhile. One that leaves in between is still safe: a
        // removal is published through here, so it is applied after this
        // run and before the next; an unsubscribe or a disconnect takes
        // the room out of the listener's live set first, and frames of a
        // room that is not live are dropped by its connection.
        let (listeners, stopped_typing, frames) = {
            let state = self.state.read().expect("hub lock");
            let entry = state.rooms.get(&room)?;
            // Encoded under the lock (shared; a few microseconds), as only
            // rooms with listeners here need them and `recent` keeps them.
            let frames: Vec<(Seq, Bytes)> = events
                .iter()
                .map(|e| (e.seq, wire::encode_event(e)))
                .collect();
            // Under the lock a subscribe takes: it sees these as handed
            // over, or is among the listeners they go to.
            if let Some(newest) = events.iter().map(|e| e.seq).max() {
                entry.known.handed(newest);
            }
            let mut recent = entry.recent.lock().expect("recent frames");
            for (event, (seq, frame)) in events.iter().zip(&frames) {
                let created = matches!(event.change, RoomChange::MessageCreated { .. });
                recent.note(*seq, created, frame);
            }
            drop(recent);
            // Sending ends typing, so typing again right away is announced.
            let stopped: Vec<UserId> = events
                .iter()
                .filter_map(|e| match &e.change {
                    RoomChange::MessageCreated { message }
                        if entry.typing.contains_key(&message.author_id) =>
                    {
                        Some(message.author_id)
                    }
                    _ => None,
                })
                .collect();
            (entry.listeners.clone(), stopped, frames)
        };
        if !stopped_typing.is_empty() {
            let mut state = self.state.write().expect("hub lock");
            if let Some(entry) = state.rooms.get_mut(&room) {
                for author in stopped_typing {
                    entry.typing.remove(&author);
                }
            }
        }
        let joined = frames
            .windows(2)
            .all(|w| w[1].0 .0 == w[0].0 .0 + 1)
            .then(|| {
                if let [(_, only)] = frames.as_slice() {
                    return only.clone();
                }
                let mut all = Vec::with_capacity(frames.iter().map(|f| f.1.len()).sum());
                for (_, frame) in &frames {
                    all.extend_from_slice(frame);
                }
                Bytes::from(all)
            });
        Some((
            Run {
                room,
                frames,
                joined,
            },
            listeners,
        ))
    }

    /// Writes each room's run to its listeners: all the rooms of one
    /// publish together, so a batch big enough is shared between cores
    /// (`FanOut`) whether it is one big room or many small ones. A room's
    /// listeners each appear once, so per-room order holds on any thread;
    /// rooms have no order between them.
    fn write_runs(&self, prepared: Vec<(Run, Vec<Arc<Listener>>)>) {
        let mut writes = Vec::with_capacity(prepared.iter().map(|(_, l)| l.len()).sum());
        let mut runs = Vec::with_capacity(prepared.len());
        let delivered: usize = prepared.iter().map(|(r, l)| r.frames.len() * l.len()).sum();
        self.deliveries
            .fetch_add(delivered as u64, Ordering::Relaxed);
        for (index, (run, listeners)) in prepared.into_iter().enumerate() {
            writes.extend(listeners.into_iter().map(|l| (l, index)));
            runs.push(run);
        }
        self.fan_out.each(&Arc::new(writes), move |(l, index)| {
            runs[*index].write_to(l);
        });
    }
}

/// One room's events, encoded once for all its listeners.
struct Run {
    room: RoomId,
    frames: Vec<(Seq, Bytes)>,
    /// All the frames in one buffer, when their seqs are consecutive (as
    /// they are with one writer): a listener next in line gets them in one
    /// write.
    joined: Option<Bytes>,
}

impl Run {
    fn write_to(&self, listener: &Listener) {
        if let Some(joined) = &self.joined {
            listener.offer_run(self.room, &self.frames, joined);
            return;
        }
        for (seq, frame) in &self.frames {
            listener.offer(Outbound::Event {
                room: self.room,
                seq: *seq,
                frame: frame.clone(),
            });
        }
    }
}

impl Publisher for Hub {
    /// Room events go out room by room, each room's run of events in one
    /// write per listener where it can; other events keep their place
    /// (the room events before them are sent first).
    fn publish(&self, events: &[Event]) {
        let mut runs: Vec<(RoomId, Vec<&RoomEvent>)> = Vec::new();
        let send_runs = |runs: &mut Vec<(RoomId, Vec<&RoomEvent>)>| {
            let prepared: Vec<_> = runs
                .drain(..)
                .filter_map(|(room, run)| self.prepare(room, &run))
                .collect();
            if !prepared.is_empty() {
                self.write_runs(prepared);
            }
        };
        for event in events {
            match event {
                Event::Room(e) => match runs.iter_mut().find(|(room, _)| *room == e.room_id) {
                    Some((_, run)) => run.push(e),
                    None => runs.push((e.room_id, vec![e])),
                },
                Event::Changed(_) => {}
                other => {
                    send_runs(&mut runs);
                    self.dispatch(other);
                }
            }
        }
        send_runs(&mut runs);
    }
}
