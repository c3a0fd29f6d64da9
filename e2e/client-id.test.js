// The web client's send ids: valid for the server, unique, and sorted by
// time (the server's idempotency index is cheapest to append to).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newClientId } from '../assets/js/outbox.js';

test('client ids are version 7 UUIDs that sort by the time they were made', () => {
  const start = Date.UTC(2026, 10, 29, 7, 0, 0);
  const ids = [];
  for (let i = 0; i < 2000; i++) ids.push(newClientId(start + i * 7919));
  for (const id of ids) {
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
  // The first 48 bits are the milliseconds.
  assert.equal(parseInt(ids[0].replace('-', '').slice(0, 12), 16), start);
});

test('client ids made in the same millisecond still differ', () => {
  const now = Date.now();
  const ids = new Set(Array.from({ length: 1000 }, () => newClientId(now)));
  assert.equal(ids.size, 1000);
});
