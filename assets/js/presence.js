// Who is online in each room (from the stream's presence frames; kept only
// in memory, as on the server), shown in the open room's header.

import { h } from './dom.js';

export class Presence {
  constructor({ el }) {
    this.el = el;
    this.rooms = new Map(); // roomId -> Map(userId -> username)
    this.counts = new Map(); // roomId -> how many are online (big rooms send only this)
    this.openRoom = null;
    this.meId = null;
  }

  // The full list, sent after each (re)subscribe; in a room with more than
  // 20 people online the server sends only the count.
  set(roomId, online, count = online.length) {
    this.rooms.set(roomId, new Map(online.map((u) => [u.user_id, u.username])));
    this.counts.set(roomId, count);
    if (roomId === this.openRoom) this.render();
  }

  change(roomId, userId, username, online) {
    if (!this.rooms.has(roomId)) this.rooms.set(roomId, new Map());
    const room = this.rooms.get(roomId);
    if (online) room.set(userId, username);
    else room.delete(userId);
    if (roomId === this.openRoom) this.render();
  }

  forget(roomId) {
    this.rooms.delete(roomId);
    this.counts.delete(roomId);
  }

  show(roomId, meId) {
    this.openRoom = roomId;
    this.meId = meId;
    this.render();
  }

  render() {
    const room = this.rooms.get(this.openRoom);
    const others = room ? [...room].filter(([id]) => id !== this.meId).map(([, name]) => name) : [];
    others.sort((a, b) => a.localeCompare(b));
    if (!room) {
      this.el.replaceChildren();
      return;
    }
    const count = this.counts.get(this.openRoom) ?? 0;
    if (room.size === 0 && count > 0) {
      this.el.replaceChildren(h('span', { class: 'presence__dot presence__dot--on', 'aria-hidden': 'true' }), `${count} online`);
      this.el.title = '';
      return;
    }
    const shown = others.slice(0, 5);
    const more = others.length - shown.length;
    const text = others.length
      ? `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''} online`
      : 'Nobody else is online';
    this.el.replaceChildren(h('span', { class: `presence__dot${others.length ? ' presence__dot--on' : ''}`, 'aria-hidden': 'true' }), text);
    this.el.title = others.length ? others.join(', ') : '';
  }
}
