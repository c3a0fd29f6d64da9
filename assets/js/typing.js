// "bob is typing…": tells the room when I type (at most every 3 s, the
// server forwards it to the others), and shows who else is typing in the
// open room. A typing frame counts for 6 s unless repeated; a message from
// that person ends it at once.

const SEND_EVERY_MS = 3000;
const SHOW_FOR_MS = 6000;

export class Typing {
  constructor({ el, send }) {
    this.el = el;
    this.send = send;
    this.lastSent = new Map(); // roomId -> time
    this.typists = new Map(); // roomId -> Map(username -> timer)
    this.openRoom = null;
  }

  // The composer changed in `roomId`.
  typed(roomId) {
    const now = Date.now();
    if (now - (this.lastSent.get(roomId) ?? 0) < SEND_EVERY_MS) return;
    this.lastSent.set(roomId, now);
    this.send(roomId);
  }

  // A message was sent: the next keystroke may announce again at once.
  sent(roomId) {
    this.lastSent.delete(roomId);
  }

  started(roomId, username) {
    if (!this.typists.has(roomId)) this.typists.set(roomId, new Map());
    const room = this.typists.get(roomId);
    clearTimeout(room.get(username));
    room.set(username, setTimeout(() => this.stopped(roomId, username), SHOW_FOR_MS));
    this.render();
  }

  stopped(roomId, username) {
    const room = this.typists.get(roomId);
    if (!room?.has(username)) return;
    clearTimeout(room.get(username));
    room.delete(username);
    this.render();
  }

  show(roomId) {
    this.openRoom = roomId;
    this.render();
  }

  render() {
    const names = [...(this.typists.get(this.openRoom)?.keys() ?? [])];
    let text = '';
    if (names.length === 1) text = `${names[0]} is typing…`;
    else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
    else if (names.length > 2) text = 'Several people are typing…';
    if (this.el.textContent !== text) this.el.textContent = text;
  }
}
