// People joining and leaving in a real browser: the timeline shows a small
// system line ("bob joined", "bob left"), the header's member count follows
// live, the line comes back after a reload (history pages carry it), and
// such lines never count as unread.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, waitForRoom } from './helpers.js';

let server;
let browser;
let alice;
let bob;
let roomId;

const members = (page) => page.locator('.room-facts__members');
const line = (page, text) => page.locator('#messages .msg-system', { hasText: text });

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  alice = await signUp(browser, server.url, 'alice');
  bob = await signUp(browser, server.url, 'bob');
  roomId = await alice.page.evaluate(async () => {
    const r = await fetch('/api/v1/rooms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'lounge', kind: 'public' }),
    });
    return (await r.json()).room.id;
  });
  await alice.page.evaluate((id) => (location.hash = `room=${id}`), roomId);
  await waitForRoom(alice.page, 'lounge');
  await send(alice.page, 'Anyone around?');
  await messageRow(alice.page, 'Anyone around?').waitFor();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function bobDoes(path) {
  const status = await bob.page.evaluate(async (p) => (await fetch(p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status, path);
  assert.ok(status < 300, `${path}: ${status}`);
}

test('someone joining and leaving shows as a muted line and the member count follows, live', async () => {
  await members(alice.page).filter({ hasText: '1' }).waitFor();
  await bobDoes(`/api/v1/rooms/${roomId}/join`);
  await line(alice.page, 'bob joined').waitFor();
  await members(alice.page).filter({ hasText: '2' }).waitFor();

  await bobDoes(`/api/v1/rooms/${roomId}/leave`);
  await line(alice.page, 'bob left').waitFor();
  await members(alice.page).filter({ hasText: '1' }).waitFor();
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('the lines come back after a reload, after the message before them, and are not unread', async () => {
  await alice.page.reload();
  await waitForRoom(alice.page, 'lounge');
  await line(alice.page, 'bob joined').waitFor();
  await line(alice.page, 'bob left').waitFor();
  const order = await alice.page.$$eval('#messages .msg, #messages .msg-system', (els) => els.map((e) => e.textContent));
  const said = order.findIndex((t) => t.includes('Anyone around?'));
  const joined = order.findIndex((t) => t.includes('bob joined'));
  assert.ok(said >= 0 && joined > said, JSON.stringify(order));

  // Bob comes back and opens general instead: the lounge has nothing unread for him.
  await bobDoes(`/api/v1/rooms/${roomId}/join`);
  await line(alice.page, 'bob joined').nth(1).waitFor();
  const unread = await bob.page.evaluate(async (id) => {
    const r = await fetch('/api/v1/rooms');
    const { rooms } = await r.json();
    return rooms.find((room) => room.id === id).unread;
  }, roomId);
  assert.equal(unread, 1, 'only the message counts; the joins and the leave do not');
  assert.deepEqual(alice.errors, []);
});
