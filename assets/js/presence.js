// Who is online in each room, from the stream's presence frames (kept
// only in memory, as on the server). The room header, the sidebar's dots
// beside direct messages and the members dialog read it; onChange(roomId)
// says when a room's list changed.

export class Presence {
  constructor({ onChange }) {
    this.onChange = onChange;
    this.rooms = new Map(); // roomId -> Map(userId -> username)
    this.counts = new Map(); // roomId -> how many are online (big rooms send only this)
  }

  // The full list, sent after each (re)subscribe; in a room with more than
  // 20 people online the server sends only the count.
  set(roomId, online, count = online.length) {
    this.rooms.set(roomId, new Map(online.map((u) => [u.user_id, u.username])));
    this.counts.set(roomId, count);
    this.onChange(roomId);
  }

  change(roomId, userId, username, online) {
    if (!this.rooms.has(roomId)) this.rooms.set(roomId, new Map());
    const room = this.rooms.get(roomId);
    const was = room.size;
    if (online) room.set(userId, username);
    else room.delete(userId);
    if (room.size !== was) this.counts.set(roomId, Math.max(0, (this.counts.get(roomId) ?? was) + room.size - was));
    this.onChange(roomId);
  }

  forget(roomId) {
    this.rooms.delete(roomId);
    this.counts.delete(roomId);
  }

  /** How many are online in the room (me included), or null when unknown. */
  count(roomId) {
    return this.counts.get(roomId) ?? null;
  }

  isOnline(roomId, userId) {
    return this.rooms.get(roomId)?.has(userId) ?? false;
  }

  /** Whether anyone but me is online in the room (a direct message's peer). */
  othersOnline(roomId, meId) {
    const room = this.rooms.get(roomId);
    if (!room) return false;
    for (const id of room.keys()) if (id !== meId) return true;
    return false;
  }
}
