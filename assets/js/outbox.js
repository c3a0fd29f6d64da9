// Messages this browser is sending, per room. Each send gets a client_id;
// the server treats a repeated client_id as the same message, so "Retry"
// simply re-POSTs with the same id and can never create a duplicate.

import { post, roomPath } from './api.js';

// crypto.randomUUID only exists in secure contexts (HTTPS or localhost);
// fall back to getRandomValues so plain-HTTP LAN installs work too.
export function newClientId() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Outbox {
  // onChange(roomId): pending list changed. onSent(roomId, message): server
  // accepted a message (the entry is already removed).
  constructor({ onChange, onSent }) {
    this.onChange = onChange;
    this.onSent = onSent;
    this.rooms = new Map(); // roomId -> [{ client_id, body, created_at, status, error }]
  }

  pending(roomId) {
    return this.rooms.get(roomId) ?? [];
  }

  hasUnsent() {
    for (const list of this.rooms.values()) if (list.length) return true;
    return false;
  }

  send(roomId, body) {
    const entry = {
      client_id: newClientId(),
      body,
      created_at: new Date().toISOString(),
      status: 'pending',
      error: null,
    };
    if (!this.rooms.has(roomId)) this.rooms.set(roomId, []);
    this.rooms.get(roomId).push(entry);
    this.onChange(roomId);
    this.deliver(roomId, entry);
  }

  retry(roomId, clientId) {
    const entry = this.find(roomId, clientId);
    if (!entry || entry.status === 'pending') return;
    entry.status = 'pending';
    entry.error = null;
    this.onChange(roomId);
    this.deliver(roomId, entry);
  }

  discard(roomId, clientId) {
    if (this.remove(roomId, clientId)) this.onChange(roomId);
  }

  // A poll delivered the server's copy (maybe before our POST returned, or
  // after a POST whose response was lost): the entry is no longer needed.
  settle(roomId, clientId) {
    return this.remove(roomId, clientId);
  }

  find(roomId, clientId) {
    return this.pending(roomId).find((e) => e.client_id === clientId) ?? null;
  }

  remove(roomId, clientId) {
    const list = this.pending(roomId);
    const i = list.findIndex((e) => e.client_id === clientId);
    if (i === -1) return false;
    list.splice(i, 1);
    return true;
  }

  async deliver(roomId, entry) {
    try {
      const { message } = await post(roomPath(roomId, '/messages'), {
        body: entry.body,
        client_id: entry.client_id,
      });
      this.remove(roomId, entry.client_id);
      this.onSent(roomId, message);
    } catch (err) {
      // Discarded or settled meanwhile: nothing left to mark.
      if (this.find(roomId, entry.client_id) !== entry) return;
      entry.status = 'failed';
      entry.error = err.message;
      this.onChange(roomId);
    }
  }
}
