// Messages this browser has written but the server has not confirmed yet.
// Each send gets a client_id when it is written; the server stores one
// message per (author, client_id), so re-sending an entry — after a
// reconnect, a reload, or over HTTP instead of the socket — can never make
// a second copy. Entries are kept in localStorage until confirmed, so
// closing or reloading the page while offline loses nothing.
//
// Entry: { room_id, client_id, body, files, created_at, status, error }
// files: ids of uploads sent with it. status 'uploading': its files are
// still on their way up; it is never sent before they are all done, and
// if one fails (or the page that uploaded them went away) it is marked
// failed with files_lost, and can only be discarded.
// status: 'pending' (will be sent when possible), 'failed' (the server
// refused it; the user may retry or discard) or 'held' (written in a tab
// whose session then ended: it is never sent until the person, signed in
// again, says so — session.js asks).
//
// Every change re-reads the stored list first, so two tabs of the same
// person add to one outbox instead of overwriting each other's.

import { key, readJson, writeJson } from './store.js';
import { t } from './i18n.js';

// A UUIDv7: 48 bits of milliseconds, then random bits. Ids that sort by
// time land at the end of the server's idempotency index instead of all
// over it, which keeps each commit's writes small. getRandomValues works
// on plain-HTTP LAN installs too (crypto.randomUUID needs a secure context).
export function newClientId(now = Date.now()) {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = (b[6] & 0x0f) | 0x70; // version 7
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Outbox {
  // onChange(roomId): that room's unconfirmed entries changed.
  constructor({ userId, onChange }) {
    this.storageKey = key('outbox', userId);
    // transmit(entry) hands an entry to the connection and returns false
    // when there is none right now (the entry then waits for flush()).
    // live.js installs the real one.
    this.transmit = () => false;
    this.onChange = onChange;
    this.entries = [];
    this.load();
    this.loseUploads(t('attach.lost'));
    // Entries handed to the current connection; cleared when it drops so a
    // reconnect sends them again.
    this.inFlight = new Set();
  }

  load() {
    this.entries = readJson(this.storageKey, []).filter((e) => e && e.client_id && e.room_id);
  }

  // Uploads stopped with the page that made them: their messages cannot go.
  // (Called once per page, by the constructor, before it starts any upload.)
  loseUploads(message) {
    this.update((entries) => {
      for (const e of entries) {
        if (e.status !== 'uploading') continue;
        e.status = 'failed';
        e.error = message;
        e.files_lost = true;
      }
    });
  }

  // Re-reads, applies `change` to the fresh list, and stores the result.
  update(change) {
    this.load();
    const result = change(this.entries);
    writeJson(this.storageKey, this.entries.length ? this.entries : null);
    return result;
  }

  pending(roomId) {
    return this.entries.filter((e) => e.room_id === roomId);
  }

  hasUnsent() {
    return this.entries.some((e) => e.status === 'pending');
  }

  // Written here and not sent yet (waiting, or refused).
  unsentCount() {
    return this.entries.filter((e) => e.status !== 'held').length;
  }

  held() {
    return this.entries.filter((e) => e.status === 'held');
  }

  find(clientId) {
    return this.entries.find((e) => e.client_id === clientId) ?? null;
  }

  // uploads: null, or a promise of the files uploaded for this message;
  // the entry then waits for it (status 'uploading').
  send(roomId, body, uploads = null) {
    const entry = {
      room_id: roomId,
      client_id: newClientId(),
      body,
      files: [],
      created_at: new Date().toISOString(),
      status: uploads ? 'uploading' : 'pending',
      error: null,
    };
    this.update((entries) => entries.push(entry));
    this.onChange(roomId);
    if (!uploads) {
      this.flush();
      return;
    }
    uploads.then(
      (files) => {
        this.update((entries) => {
          const e = entries.find((x) => x.client_id === entry.client_id);
          if (e && e.status === 'uploading') {
            e.files = files.map((f) => f.id);
            e.status = 'pending';
          }
        });
        this.onChange(roomId);
        this.flush();
      },
      (err) => {
        this.update((entries) => {
          const e = entries.find((x) => x.client_id === entry.client_id);
          if (e) e.files_lost = true;
        });
        this.setStatus([entry.client_id], 'failed', err.message, ['uploading']);
      },
    );
  }

  // Sends every pending entry not already with the connection, oldest first.
  flush() {
    if (this.stopped) return;
    for (const entry of this.entries) {
      if (entry.status !== 'pending' || this.inFlight.has(entry.client_id)) continue;
      if (!this.transmit(entry)) return;
      this.inFlight.add(entry.client_id);
    }
  }

  // The connection went away before answering: those entries go again.
  connectionLost() {
    this.inFlight.clear();
  }

  // The server has the message (an ack, or its message.created arrived
  // first). Returns whether this browser was waiting for it.
  confirm(clientId) {
    this.inFlight.delete(clientId);
    const entry = this.remove(clientId);
    if (entry) this.onChange(entry.room_id);
    return Boolean(entry);
  }

  // The server refused it (too long, no longer a member, ...).
  fail(clientId, message) {
    this.inFlight.delete(clientId);
    this.setStatus([clientId], 'failed', message);
  }

  // A failed or held entry goes out after all (the person said so).
  retry(clientId) {
    if (this.find(clientId)?.files_lost) return;
    this.setStatus([clientId], 'pending', null, ['failed', 'held']);
    this.flush();
  }

  discard(clientId) {
    this.inFlight.delete(clientId);
    const entry = this.remove(clientId);
    if (entry) this.onChange(entry.room_id);
  }

  // The session ended: nothing more goes out from this page, and what was
  // waiting is kept as 'held' for the person to decide about after signing
  // in again. A tab that signed out on purpose emptied the outbox first, so
  // the re-read finds nothing to hold.
  hold() {
    this.stopped = true;
    this.inFlight.clear();
    this.setStatus(null, 'held', null, ['pending']);
  }

  remove(clientId) {
    return this.update((entries) => {
      const at = entries.findIndex((e) => e.client_id === clientId);
      return at < 0 ? null : entries.splice(at, 1)[0];
    });
  }

  // Sets the status of the entries named (all when `clientIds` is null)
  // whose status is one of `from`.
  setStatus(clientIds, status, error = null, from = null) {
    const rooms = this.update((entries) => {
      const changed = new Set();
      for (const e of entries) {
        if (clientIds && !clientIds.includes(e.client_id)) continue;
        if (from && !from.includes(e.status)) continue;
        e.status = status;
        e.error = error;
        changed.add(e.room_id);
      }
      return changed;
    });
    for (const roomId of rooms) this.onChange(roomId);
  }

  // Signing out on purpose: nothing of this person's is left behind.
  clear() {
    this.stopped = true;
    this.inFlight.clear();
    this.update((entries) => entries.splice(0));
  }
}
