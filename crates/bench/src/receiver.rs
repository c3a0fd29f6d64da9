//! One receiving client in a worker: connects, subscribes with its cursors,
//! and checks every room event it gets (by room and seq) while recording
//! send → receive latency. Workers run on one thread, so all clients of a
//! worker share one `RefCell` of counters and one histogram without locks.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::time::Duration;

use tokio::sync::{watch, Semaphore};

use crate::client::{clip, Frame};
use crate::clock::now_ns;
use crate::job::ClientJob;
use crate::job::SeenEvent;
use crate::lean_ws::{Incoming, LeanWs};
use crate::live_event::{is_room_event, Kind, LiveEvent};

mod state;
pub use state::{ClientState, Phase, Shared};

/// Where connection `attempt` of a client in `worker` comes from:
/// 127.<run>.<worker>.<attempt+1>, so neither a worker's 15k clients nor
/// their reconnects (while old sockets sit in TIME_WAIT) run out of ports.
/// `run` (1–200, from the coordinator's process id) keeps a run clear of
/// the previous run's ~19k TIME_WAIT sockets too: on the same addresses,
/// `bind` had to search past them, and the generator, not the server,
/// set the connect rate (400/s instead of 5,000/s, measured).
fn source_ip(worker: usize, attempt: u32) -> IpAddr {
    let run = u8::try_from(std::os::unix::process::parent_id() % 200 + 1).unwrap_or(1);
    let w = u8::try_from(worker % 250).unwrap_or(0);
    let a = u8::try_from(attempt % 250 + 1).unwrap_or(1);
    IpAddr::V4(Ipv4Addr::new(127, run, w, a))
}

/// Unexpected closes a client recovers from before it gives up.
const MAX_UNEXPECTED: u32 = 10;
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_mins(1);

pub struct Receiver {
    pub index: usize,
    pub worker: usize,
    pub job: ClientJob,
    pub url: Rc<str>,
    pub shared: Rc<RefCell<Shared>>,
    pub control: watch::Receiver<Phase>,
    pub gate: Rc<Semaphore>,
}

impl Receiver {
    pub async fn run(mut self) {
        let mut attempt = 0u32;
        let mut unexpected = 0u32;
        let mut moving = false;
        loop {
            let Some(generation) = self.wait_for_connect().await else {
                return;
            };
            let Some(mut ws) = self
                .connect_and_subscribe(generation, &mut attempt, moving)
                .await
            else {
                return;
            };
            moving = false;
            // Live: read until told otherwise or the server closes. The
            // wait for a phase change is made once per change, not once per
            // frame (re-registering it for every frame was ~6% of a worker).
            let mut control = self.control.clone();
            let server_closed = loop {
                let outcome = {
                    let changed = control.changed();
                    tokio::pin!(changed);
                    loop {
                        tokio::select! {
                            msg = ws.next() => match msg {
                                Ok(Incoming::Text(t)) => { self.handle(t); }
                                Ok(Incoming::Closed(Some(code))) => break Live::Closed(format!("closed by the server: {code}")),
                                Ok(Incoming::Closed(None)) => break Live::Closed("connection ended".into()),
                                Err(e) => break Live::Closed(format!("read: {e:#}")),
                            },
                            changed = &mut changed => break Live::PhaseChanged(changed.is_ok()),
                        }
                    }
                };
                match outcome {
                    Live::Closed(why) => break Some(why),
                    Live::PhaseChanged(true)
                        if *control.borrow() == Phase::Connected(generation) => {}
                    Live::PhaseChanged(_) => break None,
                }
            };
            // Dropped without a close handshake, like a cut connection.
            drop(ws);
            if server_closed.is_some() && self.move_elsewhere() {
                // Its node was killed, as the coordinator announced: not
                // an error, the event being measured.
                moving = true;
            } else if let Some(why) = server_closed {
                let mut s = self.shared.borrow_mut();
                s.unexpected_closes += 1;
                s.errors.add(why);
                unexpected += 1;
                if unexpected > MAX_UNEXPECTED {
                    return;
                }
            }
        }
    }

    /// After a `Failover`, a client whose connection ended switches to one
    /// of the other nodes (spread by client index, as a load balancer
    /// would); true when it did. It moves once: a second close is an error.
    fn move_elsewhere(&mut self) -> bool {
        let mut s = self.shared.borrow_mut();
        if s.failover_urls.is_empty() || s.clients[self.index].moved {
            return false;
        }
        s.clients[self.index].way.ended = now_ns();
        self.url = Rc::clone(&s.failover_urls[self.index % s.failover_urls.len()]);
        true
    }

    /// Waits until the phase says "connected"; None on stop.
    async fn wait_for_connect(&mut self) -> Option<u32> {
        loop {
            match *self.control.borrow_and_update() {
                Phase::Connected(g) => return Some(g),
                Phase::Stop => return None,
                Phase::Wait | Phase::Away => {}
            }
            self.control.changed().await.ok()?;
        }
    }

    async fn connect_and_subscribe(
        &mut self,
        generation: u32,
        attempt: &mut u32,
        moving: bool,
    ) -> Option<LeanWs> {
        // Waiting for the gate is the generator's doing, not the server's:
        // the clock starts once this client may connect.
        let gate = Rc::clone(&self.gate);
        let _permit = gate.acquire().await.ok()?;
        let started = now_ns();
        if moving {
            self.shared.borrow_mut().clients[self.index].way.slot = started;
        }
        for _ in 0..5 {
            *attempt += 1;
            match self.try_connect(*attempt).await {
                Ok(ws) => {
                    self.record_connected(generation, started, moving);
                    return Some(ws);
                }
                Err(e) => {
                    self.shared
                        .borrow_mut()
                        .errors
                        .add(format!("connect: {e:#}"));
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        self.shared.borrow_mut().failed += 1;
        None
    }

    async fn try_connect(&mut self, attempt: u32) -> anyhow::Result<LeanWs> {
        let mut ws = LeanWs::connect(
            &self.url,
            &self.job.token,
            Some(source_ip(self.worker, attempt)),
        )
        .await?;
        {
            let mut s = self.shared.borrow_mut();
            let client = &mut s.clients[self.index];
            // Moving: it left the killed node and has not subscribed yet.
            if client.way.ended != 0 && !client.moved {
                client.way.open = now_ns();
            }
        }
        let cursors: serde_json::Map<String, serde_json::Value> = {
            let s = self.shared.borrow();
            let state = &s.clients[self.index];
            state
                .rooms
                .iter()
                .map(|(r, seen)| (r.to_string(), seen.highest().into()))
                .collect()
        };
        let subscribe = serde_json::json!({ "type": "subscribe", "rooms": cursors });
        ws.send_text(&subscribe.to_string()).await?;
        let mut pending = self.job.rooms.len();
        tokio::time::timeout(SUBSCRIBE_TIMEOUT, async {
            while pending > 0 {
                match ws.next().await {
                    Ok(Incoming::Text(t)) => {
                        if self.handle(t) == Handled::Subscribed {
                            pending -= 1;
                        }
                    }
                    Ok(Incoming::Closed(code)) => {
                        anyhow::bail!("closed while subscribing ({code:?})")
                    }
                    Err(e) => anyhow::bail!("while subscribing: {e:#}"),
                }
            }
            Ok(())
        })
        .await
        .map_err(|_| anyhow::anyhow!("not subscribed within {SUBSCRIBE_TIMEOUT:?}"))??;
        Ok(ws)
    }

    fn record_connected(&self, generation: u32, started: u64, moved: bool) {
        let now = now_ns();
        let mut s = self.shared.borrow_mut();
        if moved {
            s.clients[self.index].moved = true;
            s.clients[self.index].way.subscribed = now;
        }
        if generation == 0 && !moved {
            s.connected += 1;
            s.connect.record_ns(now - started);
            s.connect_end_ns = s.connect_end_ns.max(now);
        } else {
            s.reconnected += 1;
            s.reconnect.record_ns(now - started);
            s.reconnect_end_ns = s.reconnect_end_ns.max(now);
        }
        self.check_caught_up(&mut s, now);
    }

    fn handle(&self, text: &str) -> Handled {
        let now = now_ns();
        let mut s = self.shared.borrow_mut();
        if let Some(event) = LiveEvent::scan(text) {
            // A reaction's identity is read (with a full parse) once per
            // event and worker, only when the run times events.
            let key = if s.track_events
                && matches!(event.kind, Kind::ReactionAdded | Kind::ReactionRemoved)
                && !s.events.contains_key(&(event.room, event.seq))
            {
                Frame::parse(text).ok().and_then(|f| f.reaction_key())
            } else {
                None
            };
            return self.record(&mut s, event, key, text, now);
        }
        let frame = match Frame::parse(text) {
            Ok(f) => f,
            Err(e) => {
                s.errors.add(format!("{e:#}"));
                return Handled::Other;
            }
        };
        if let Some(event) = LiveEvent::of(&frame) {
            let key = if s.track_events {
                frame.reaction_key()
            } else {
                None
            };
            return self.record(&mut s, event, key, text, now);
        }
        match frame.kind.as_ref() {
            kind if is_room_event(kind) => {
                s.errors
                    .add(format!("event without room or seq: {}", clip(text)));
                Handled::Other
            }
            "subscribed" => Handled::Subscribed,
            "resync" => {
                s.resyncs += 1;
                s.errors
                    .add(format!("told to resync (too far behind): {}", clip(text)));
                Handled::Other
            }
            "error" | "reconnect" => {
                s.errors.add(clip(text).to_owned());
                Handled::Other
            }
            _ => Handled::Other,
        }
    }

    /// Checks a room event off against what this client has seen.
    fn record(
        &self,
        s: &mut Shared,
        event: LiveEvent,
        key: Option<String>,
        text: &str,
        now: u64,
    ) -> Handled {
        let state = &mut s.clients[self.index];
        let Some(seen) = state.room(event.room) else {
            s.errors
                .add(format!("event of a room not subscribed: {}", clip(text)));
            return Handled::Other;
        };
        if !seen.insert(event.seq) {
            state.duplicates += 1;
        }
        if let Some(sent) = event.stamp {
            let took = now.saturating_sub(sent);
            s.latency.record_ns(took);
            s.slowest.record_ns((event.room, event.seq), took);
        }
        s.deliveries += 1;
        s.kinds[event.kind.index()] += 1;
        if s.track_events {
            s.events
                .entry((event.room, event.seq))
                .and_modify(|e| {
                    e.first_ns = e.first_ns.min(now);
                    e.last_ns = e.last_ns.max(now);
                })
                .or_insert_with(|| SeenEvent {
                    room: event.room,
                    seq: event.seq,
                    kind: event.kind.index(),
                    first_ns: now,
                    last_ns: now,
                    stamp: event.stamp,
                    key,
                });
        }
        if s.first_ns == 0 {
            s.first_ns = now;
        }
        s.last_ns = now;
        self.check_caught_up(s, now);
        Handled::Event
    }

    fn check_caught_up(&self, s: &mut Shared, now: u64) {
        let client = &s.clients[self.index];
        // In a failover only a client that has moved can be resumed: the
        // events it gets before its node dies do not count.
        if s.reconnect_at_ns == 0
            || client.caught_up
            || (!s.failover_urls.is_empty() && !client.moved)
        {
            return;
        }
        if s.clients[self.index].reached(&s.target) {
            s.clients[self.index].caught_up = true;
            s.clients[self.index].way.caught_up = now;
            let took = now.saturating_sub(s.reconnect_at_ns);
            s.caught_up.record_ns(took);
        }
    }
}

/// Why a live connection's read loop stopped.
enum Live {
    Closed(String),
    /// The phase changed (false: the coordinator is gone).
    PhaseChanged(bool),
}

#[derive(Debug, PartialEq, Eq)]
enum Handled {
    Event,
    Subscribed,
    Other,
}

#[cfg(test)]
mod tests;
