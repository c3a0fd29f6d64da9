// Fallback transport, used only when the WebSocket cannot connect at all
// (e.g. a proxy that drops Upgrade). It long-polls the open room's events
// (GET /api/v1/rooms/{id}/events?after=&wait=25), which delivers the same
// room events as the stream, and refreshes the room list (unread counts)
// every 10 s. Sends go over HTTP; see live.js.

import { get, roomPath } from './api.js';
import { backoffDelay } from './stream.js';

const WAIT_SECONDS = 25;
const ROOMS_INTERVAL_MS = 10_000;

// cursor(): { roomId, after } for the open room, or null.
// onEvents(roomId, events): room events after `after`, oldest first.
// onRooms(): time to refresh the room list.
// onStatus(ok): whether the last request reached the server.
export function startPolling({ cursor, onEvents, onRooms, onStatus }) {
  let controller = null;
  let failures = 0;
  let stopped = false;

  async function pollOnce() {
    const c = cursor();
    if (!c) return new Promise((resolve) => setTimeout(resolve, 1000));
    controller = new AbortController();
    const path = roomPath(c.roomId, `/events?after=${encodeURIComponent(c.after)}&wait=${WAIT_SECONDS}`);
    const data = await get(path, { signal: controller.signal });
    onEvents(c.roomId, data.events ?? []);
    return undefined;
  }

  async function loop() {
    while (!stopped) {
      try {
        await pollOnce();
        failures = 0;
        onStatus(true);
      } catch (err) {
        if (err.code !== 'aborted') {
          onStatus(false);
          failures += 1;
          await new Promise((resolve) => setTimeout(resolve, backoffDelay(failures)));
        }
      }
    }
  }

  loop();
  const rooms = setInterval(onRooms, ROOMS_INTERVAL_MS);

  return {
    // The open room changed: stop waiting on the old one.
    refresh() {
      controller?.abort();
    },
    stop() {
      stopped = true;
      clearInterval(rooms);
      controller?.abort();
    },
  };
}
