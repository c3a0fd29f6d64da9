// Disappearing messages: the owner sets the room's timer, both people see
// it in the header and a countdown on each new message, and when it runs
// out the message disappears from both screens without a reload.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, waitForRoom } from './helpers.js';

let server;
let browser;
let alice;
let bob;

const call = (page, method, path, body) =>
  page.evaluate(
    async ([m, p, b]) => {
      const r = await fetch(p, { method: m, headers: { 'content-type': 'application/json' }, body: b ? JSON.stringify(b) : undefined });
      return { status: r.status, body: await r.json().catch(() => null) };
    },
    [method, path, body],
  );

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  alice = await signUp(browser, server.url, 'alice');
  bob = await signUp(browser, server.url, 'bob');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a message in a disappearing room counts down and disappears for both people', async () => {
  const made = await call(alice.page, 'POST', '/api/v1/rooms', { name: 'ephemeral', kind: 'public' });
  assert.equal(made.status, 201);
  const id = made.body.room.id;
  assert.equal((await call(bob.page, 'POST', `/api/v1/rooms/${id}/join`)).status, 200);
  for (const { page } of [alice, bob]) {
    await page.goto(`${server.url}/chat#room=${id}`);
    await waitForRoom(page, 'ephemeral');
  }

  // The owner sets it from the room menu; both headers show it.
  await alice.page.click('#room-menu-button');
  await alice.page.click('#disappearing-button');
  await alice.page.selectOption('#disappearing-choice', '300');
  await alice.page.click('#disappearing-dialog button[type="submit"]');
  for (const { page } of [alice, bob]) {
    await page.locator('#room-timer', { hasText: '5 minutes' }).waitFor();
  }

  // Posted under the five-minute timer: it stays through what follows.
  await send(alice.page, 'this one stays');

  // A short timer (any value through the API) to watch some run out; the
  // server removes those that go together with one event.
  assert.equal((await call(alice.page, 'PUT', `/api/v1/rooms/${id}/disappearing`, { seconds: 3 })).status, 200);
  await bob.page.locator('#room-timer', { hasText: '3 seconds' }).waitFor();
  const vanishing = ['this will vanish', 'and this one too'];
  for (const text of vanishing) await send(alice.page, text);
  for (const { page } of [alice, bob]) {
    for (const text of vanishing) await messageRow(page, text).locator('.msg__countdown').waitFor();
  }
  for (const { page } of [alice, bob]) {
    for (const text of vanishing) await messageRow(page, text).waitFor({ state: 'detached', timeout: 15000 });
    assert.equal(await messageRow(page, 'this one stays').count(), 1);
  }
  // And they stay gone after a reload.
  await bob.page.reload();
  await waitForRoom(bob.page, 'ephemeral');
  for (const text of vanishing) assert.equal(await messageRow(bob.page, text).count(), 0);
  assert.equal(await messageRow(bob.page, 'this one stays').count(), 1);
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});
