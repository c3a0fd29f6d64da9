// "bob is typing…": tells the room when I type (at most every 3 s; the
// server forwards it to the others) and when I stop — the box emptied or
// the message sent — so their indicator goes at once; and shows who else
// is typing in the open room. A typing frame counts for 6 s unless
// repeated; typing.stopped or a message from that person ends it at once.

import { t } from './i18n.js';

const SEND_EVERY_MS = 3000;
const SHOW_FOR_MS = 6000;

export class Typing {
  // send(roomId) / sendStopped(roomId): tell the room.
  constructor({ el, send, sendStopped }) {
    this.el = el;
    this.send = send;
    this.sendStopped = sendStopped;
    this.lastSent = new Map(); // roomId -> time of my last "typing"
    this.typists = new Map(); // roomId -> Map(username -> timer)
    this.openRoom = null;
  }

  // The composer of `roomId` now holds `text`.
  typed(roomId, text) {
    if (!text.trim()) {
      this.stop(roomId);
      return;
    }
    const now = Date.now();
    if (now - (this.lastSent.get(roomId) ?? 0) < SEND_EVERY_MS) return;
    this.lastSent.set(roomId, now);
    this.send(roomId);
  }

  // I sent, or cleared the box: the others stop seeing me type, and the
  // next keystroke announces again at once.
  stop(roomId) {
    const last = this.lastSent.get(roomId);
    if (last === undefined) return;
    this.lastSent.delete(roomId);
    if (Date.now() - last < SHOW_FOR_MS) this.sendStopped(roomId);
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
    if (names.length === 1) text = t('typing.one', { name: names[0] });
    else if (names.length === 2) text = t('typing.two', { first: names[0], second: names[1] });
    else if (names.length > 2) text = t('typing.many');
    if (this.el.textContent !== text) this.el.textContent = text;
  }
}
