// Keeps the page live: the per-room cursors, the WebSocket stream (or the
// polling fallback) and delivery of the outbox. It turns the wire into a
// few calls on `handlers`; what they mean for the page is chat.js's
// business.
//
// A cursor is the highest seq this page has of a room. Room events at or
// below it are duplicates (a replay overlapping what we had) and dropped,
// so every handler sees each event once, in seq order.

import { get, post, roomPath } from './api.js';
import { Stream } from './stream.js';
import { startPolling } from './poll.js';

// handlers: onEvent(event), onFrame(frame), onAck(message),
// onResync(roomId, after, upTo), onReconnected(), onRefreshRooms(),
// onConnection(up), onSignedOut()
export function startLive({ outbox, openRoom, handlers }) {
  const cursors = new Map();
  let mode = 'stream'; // or 'poll' once the WebSocket proved impossible
  let poller = null;
  let connectedBefore = false;

  // Drops duplicates and moves the cursor; true when the event is new.
  function advance(roomId, seq) {
    const have = cursors.get(roomId);
    if (have === undefined) return false; // not (or no longer) one of my rooms
    if (seq <= have) return false;
    cursors.set(roomId, seq);
    return true;
  }

  function roomEvent(event) {
    if (advance(event.room_id, event.seq)) handlers.onEvent(event);
  }

  function frame(f) {
    switch (f.type) {
      case 'message.created':
      case 'message.edited':
      case 'message.deleted':
      case 'thread.updated':
      case 'messages.expired':
      case 'room.disappearing_changed':
        roomEvent(f);
        break;
      case 'subscribed':
        if (cursors.has(f.room_id) && f.last_seq > cursors.get(f.room_id)) cursors.set(f.room_id, f.last_seq);
        break;
      case 'resync':
        // More was missed than the server replays: it goes live from up_to
        // and we fetch the gap over HTTP.
        if (cursors.has(f.room_id)) cursors.set(f.room_id, Math.max(cursors.get(f.room_id), f.up_to));
        handlers.onResync(f.room_id, f.after, f.up_to);
        break;
      case 'ack':
        outbox.confirm(f.client_id);
        handlers.onAck(f.message);
        break;
      case 'error':
        if (f.client_id) outbox.fail(f.client_id, f.error?.message ?? '');
        else if (f.room_id) handlers.onRefreshRooms(); // no longer allowed in: the list will drop it
        break;
      default:
        // Every room event carries its room's seq (reactions, pins, room
        // changes, ...): one log, one cursor.
        if (typeof f.seq === 'number' && typeof f.room_id === 'number') roomEvent(f);
        else handlers.onFrame(f);
    }
  }

  const stream = new Stream({
    cursors: () => Object.fromEntries(cursors),
    onFrame: frame,
    onState(state) {
      if (state === 'open') {
        handlers.onConnection(true);
        outbox.flush();
        // Rooms I was added to or removed from meanwhile: catch up after a gap.
        if (connectedBefore) handlers.onReconnected();
        connectedBefore = true;
      } else if (state === 'unavailable') {
        startFallback();
      } else if (state === 'signed-out') {
        handlers.onSignedOut();
      } else {
        outbox.connectionLost();
        handlers.onConnection(false);
      }
    },
    // Refused before `hello`: a 401 here (answered by api.js's handler)
    // means the session has ended; anything else, keep trying.
    onRefused: () => get('/api/v1/me').catch(() => {}),
  });

  function startFallback() {
    mode = 'poll';
    outbox.connectionLost();
    poller = startPolling({
      cursor() {
        const id = openRoom();
        return id !== null && cursors.has(id) ? { roomId: id, after: cursors.get(id) } : null;
      },
      onEvents(roomId, events) {
        for (const e of events) roomEvent(e);
      },
      onRooms: handlers.onRefreshRooms,
      onStatus(ok) {
        handlers.onConnection(ok);
        if (ok) outbox.flush();
      },
    });
    outbox.flush();
  }

  // Over HTTP (fallback mode): a network failure leaves the entry pending
  // for the next flush; a refusal marks it failed. Same client_id either way.
  function postEntry(entry) {
    post(roomPath(entry.room_id, '/messages'), { body: entry.body, client_id: entry.client_id, files: entry.files ?? [] }).then(
      ({ message }) => {
        outbox.confirm(entry.client_id);
        handlers.onAck(message);
      },
      (err) => {
        if (err.status === 0 || err.status >= 500) outbox.connectionLost();
        else if (err.status !== 401) outbox.fail(entry.client_id, err.message);
      },
    );
    return true;
  }

  outbox.transmit = (entry) => {
    if (mode === 'poll') return postEntry(entry);
    return stream.send({ type: 'send', room_id: entry.room_id, client_id: entry.client_id, body: entry.body, files: entry.files ?? [] });
  };

  stream.start();

  return {
    // A room I am (now) in, known to be complete up to `seq`.
    track(roomId, seq) {
      if (cursors.has(roomId)) return;
      cursors.set(roomId, seq);
      stream.subscribe({ [roomId]: seq });
    },
    forget(roomId) {
      cursors.delete(roomId);
    },
    roomOpened() {
      poller?.refresh();
    },
    typing(roomId) {
      stream.send({ type: 'typing', room_id: roomId });
    },
    typingStopped(roomId) {
      stream.send({ type: 'typing.stopped', room_id: roomId });
    },
    // The session ended: no more connecting, polling or sending.
    stop() {
      stream.stop();
      poller?.stop();
    },
  };
}
