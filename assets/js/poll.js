// Polling transport: new messages in the open room every 2 s, my room list
// (unread counts) every 5 s. It exposes a tiny interface (start, refresh*,
// stop, callbacks) so a WebSocket client can replace it without touching
// chat.js.

import { get, roomPath } from './api.js';

const MESSAGE_INTERVAL_MS = 2000;
const ROOMS_INTERVAL_MS = 5000;
const MAX_BACKOFF_MS = 30000;

// Runs `task` repeatedly with `interval` between runs, never overlapping.
// task() may return 'again' to run again right away (more pages waiting).
function loop(task, interval, onStatus) {
  let timer = null;
  let running = false;
  let again = false;
  let stopped = false;
  let failures = 0;

  async function run() {
    clearTimeout(timer);
    timer = null;
    if (stopped) return;
    if (running) {
      again = true; // a refresh arrived mid-request: run once more after
      return;
    }
    running = true;
    let delay = interval;
    try {
      if ((await task()) === 'again') delay = 0;
      failures = 0;
      onStatus(true);
    } catch (err) {
      // Back off while the server is unreachable; auth errors are handled
      // by api.js (redirect), anything else is reported.
      failures += 1;
      delay = Math.min(interval * 2 ** failures, MAX_BACKOFF_MS);
      onStatus(false, err);
    }
    running = false;
    if (again) {
      again = false;
      delay = 0;
    }
    if (!stopped) timer = setTimeout(run, delay);
  }

  return {
    // The caller has just loaded fresh data, so the first run waits.
    start() {
      timer = setTimeout(run, interval);
    },
    now: () => run(),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

// cursor(): { roomId, after } for the open room, or null while it loads.
// onMessages(cursor, messages): new messages after cursor.after.
// onRooms(rooms, requestedAt): the full RoomSummary list, with the
// performance.now() time the request started (to drop stale answers).
// onStatus(ok, error): connectivity, for a "reconnecting" banner.
export function startPolling({ cursor, onMessages, onRooms, onStatus = () => {} }) {
  const messages = loop(
    async () => {
      const c = cursor();
      if (!c) return undefined;
      const data = await get(roomPath(c.roomId, `/messages?after=${encodeURIComponent(c.after)}&limit=200`));
      const messages = data.messages ?? [];
      onMessages(c, messages);
      // More waiting: fetch the next batch now (guarded against a server
      // that says has_more but sends nothing, which would spin).
      return data.has_more && messages.length ? 'again' : undefined;
    },
    MESSAGE_INTERVAL_MS,
    onStatus,
  );
  const rooms = loop(
    async () => {
      const requestedAt = performance.now();
      const data = await get('/api/v1/rooms');
      onRooms(data.rooms ?? [], requestedAt);
    },
    ROOMS_INTERVAL_MS,
    onStatus,
  );
  messages.start();
  rooms.start();

  return {
    refreshMessages: messages.now,
    refreshRooms: rooms.now,
    stop() {
      messages.stop();
      rooms.stop();
    },
  };
}
