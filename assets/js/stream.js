// The live connection: one WebSocket to /api/v1/stream (docs/protocol.md).
// It owns connecting, resuming and reconnecting; what the frames mean is up
// to the caller. On every (re)connect it subscribes to all of the caller's
// rooms with their cursors (highest seq seen), so the server replays exactly
// what was missed.
//
// States passed to onState: 'connecting', 'open', 'down' (will retry),
// 'unavailable' (it never connected: the caller falls back to polling) and
// 'signed-out' (the server ended the session: it stops for good).
//
// A browser cannot see the status of a refused upgrade (a 401 looks like
// any failed connection), so an attempt that ends before `hello` while the
// browser is online calls onRefused(): the caller asks the API whether the
// session still exists.

const MAX_DELAY_MS = 10_000;
const BASE_DELAY_MS = 500;
// Attempts without ever reaching the server before giving up on WebSockets
// (a proxy that strips Upgrade, say). Once it has worked, it keeps retrying.
const ATTEMPTS_BEFORE_FALLBACK = 4;
// The server pings every 20 s; a client ping every 25 s also keeps
// middleboxes from idling us out. Silence for 50 s means the link is dead
// even if the socket has not noticed (laptop sleep, Wi-Fi change).
const PING_EVERY_MS = 25_000;
const SILENCE_LIMIT_MS = 50_000;
// The server's close code for a session signed out (docs/protocol.md).
const CLOSE_SESSION_ENDED = 4001;

// Exponential backoff with jitter (50–100% of the step), so many clients
// dropped by one restart don't all come back in the same instant.
export function backoffDelay(attempt) {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return step / 2 + Math.random() * (step / 2);
}

export class Stream {
  // cursors(): { roomId: lastSeq } for every room to receive.
  // onFrame(frame): every frame after `hello`'s subscribe was sent.
  constructor({ cursors, onFrame, onState, onRefused }) {
    this.cursors = cursors;
    this.onFrame = onFrame;
    this.onState = onState;
    this.onRefused = onRefused;
    this.ws = null;
    this.attempt = 0;
    this.everOpened = false;
    this.timer = null;
    this.pinger = null;
    this.lastHeard = 0;
    this.stopped = false;

    // The browser knows before the socket does: don't wait for timeouts.
    window.addEventListener('offline', () => {
      if (!this.stopped) this.drop();
    });
    window.addEventListener('online', () => {
      this.attempt = 0;
      this.connectSoon(0);
    });
  }

  setState(state) {
    this.state = state;
    this.onState(state);
  }

  start() {
    this.connect();
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped || this.ws) return;
    if (!navigator.onLine) {
      this.setState('down'); // 'online' will call us again
      return;
    }
    this.setState('connecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/api/v1/stream`);
    this.ws = ws;
    this.helloSeen = false;
    ws.addEventListener('message', (e) => this.receive(ws, e.data));
    ws.addEventListener('close', (e) => this.closed(ws, e.code));
  }

  receive(ws, data) {
    if (ws !== this.ws) return;
    this.lastHeard = Date.now();
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return; // not ours to understand; the protocol only sends JSON
    }
    if (frame.type === 'hello') {
      this.helloSeen = true;
      this.attempt = 0;
      this.everOpened = true;
      this.startPinging(ws);
      this.state = 'open'; // so subscribe() can send, before onState runs
      this.subscribe(this.cursors());
      this.setState('open');
    } else if (frame.type === 'reconnect') {
      // The server is going away: resume elsewhere (or after its restart).
      ws.close();
      return;
    }
    this.onFrame(frame);
  }

  closed(ws, code) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.state = 'closed';
    clearInterval(this.pinger);
    if (this.stopped) return;
    if (code === CLOSE_SESSION_ENDED) {
      this.stop();
      this.setState('signed-out');
      return;
    }
    if (!this.helloSeen && navigator.onLine) this.onRefused?.();
    if (!this.everOpened && this.attempt >= ATTEMPTS_BEFORE_FALLBACK && navigator.onLine) {
      this.stopped = true;
      this.setState('unavailable');
      return;
    }
    this.setState('down');
    this.connectSoon(backoffDelay(this.attempt));
    this.attempt += 1;
  }

  connectSoon(delay) {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  // For good: no reconnects, no pings.
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    const ws = this.ws;
    this.ws = null;
    ws?.close();
  }

  // The socket may take long to report its close when the network is gone,
  // so it is forgotten at once: the page shows "offline" now, and the
  // 'online' event connects afresh.
  drop() {
    const ws = this.ws;
    this.ws = null;
    this.state = 'closed';
    clearInterval(this.pinger);
    ws?.close();
    this.setState('down');
  }

  startPinging(ws) {
    clearInterval(this.pinger);
    this.pinger = setInterval(() => {
      if (Date.now() - this.lastHeard > SILENCE_LIMIT_MS) ws.close();
      else this.send({ type: 'ping' });
    }, PING_EVERY_MS);
  }

  // Returns whether the command went out (false while disconnected).
  send(command) {
    if (this.state !== 'open' || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(command));
    return true;
  }

  subscribe(rooms) {
    if (Object.keys(rooms).length) this.send({ type: 'subscribe', rooms });
  }
}
