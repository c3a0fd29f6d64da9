// Writing while offline: the message waits in the outbox, is sent once the
// connection is back, and exists exactly once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, apiGet, watchErrors } from './helpers.js';

// Going offline makes the browser log the failed reconnect attempts.
const OFFLINE_NOISE = [/ERR_INTERNET_DISCONNECTED/, /WebSocket connection to .* failed/];

let server;
let browser;
let erin;
let finn;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  erin = await signUp(browser, server.url, 'erin', { allow: OFFLINE_NOISE });
  finn = await signUp(browser, server.url, 'finn');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a message sent while offline shows as pending and is delivered exactly once when back online', async () => {
  const { page, context } = erin;
  await context.setOffline(true);
  await send(page, 'written on the train');

  const pending = page.locator('#messages .msg--pending', { hasText: 'written on the train' });
  await pending.waitFor();
  assert.equal(await pending.locator('.msg__status').textContent(), 'Waiting for connection…');
  // It is stored, not only held in memory.
  const stored = await page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.startsWith('natter.outbox.'))
      .map((k) => localStorage.getItem(k))
      .join(''),
  );
  assert.match(stored, /written on the train/);

  await context.setOffline(false);
  await messageRow(page, 'written on the train').waitFor({ timeout: 15_000 });
  await pending.waitFor({ state: 'detached' });
  await messageRow(finn.page, 'written on the train').waitFor({ timeout: 15_000 });

  assert.equal(await messageRow(page, 'written on the train').count(), 1);
  assert.equal(await messageRow(finn.page, 'written on the train').count(), 1);
  const { messages } = await apiGet(finn.page, '/api/v1/rooms/1/messages');
  assert.equal(messages.filter((m) => m.body === 'written on the train').length, 1);
  assert.deepEqual(erin.errors, []);
  assert.deepEqual(finn.errors, []);
});

test('a message written offline survives closing the tab and is sent when the chat is opened again', async () => {
  const { context } = erin;
  const page = await context.newPage();
  const errors = watchErrors(page, OFFLINE_NOISE);
  await page.goto(`${server.url}/chat`);
  await page.waitForSelector('#messages .msg');
  await context.setOffline(true);
  await send(page, 'sent from a closed tab');
  await page.locator('#messages .msg--pending', { hasText: 'sent from a closed tab' }).waitFor();
  await page.close(); // no beforeunload prompt in automation

  await context.setOffline(false);
  assert.deepEqual(errors, []);
  const again = await context.newPage();
  const againErrors = watchErrors(again);
  await again.goto(`${server.url}/chat`);
  await messageRow(again, 'sent from a closed tab').waitFor({ timeout: 15_000 });
  await messageRow(finn.page, 'sent from a closed tab').waitFor({ timeout: 15_000 });
  const { messages } = await apiGet(finn.page, '/api/v1/rooms/1/messages');
  assert.equal(messages.filter((m) => m.body === 'sent from a closed tab').length, 1);
  assert.deepEqual(againErrors, []);
});

test('offline, the page says so at once, keeps the newest message in view and says "Waiting for connection…" once', async () => {
  const { page, context } = erin;
  await send(page, 'the last word before the tunnel');
  await messageRow(page, 'the last word before the tunnel').waitFor();
  await context.setOffline(true);
  // The browser knows it is offline: no "Reconnecting…" guesswork.
  await page.locator('#connection', { hasText: 'You’re offline' }).waitFor({ timeout: 1500 });

  // The banner floats over the list: the newest message is still in view.
  const last = page.locator('#messages .msg').last();
  const hidden = await last.evaluate((row) => {
    const box = document.querySelector('#scroller').getBoundingClientRect();
    const banner = document.querySelector('#connection').getBoundingClientRect();
    const r = row.getBoundingClientRect();
    return { belowList: r.bottom - box.bottom, underBanner: r.top < banner.bottom && r.bottom > banner.top };
  });
  assert.ok(hidden.belowList <= 1, `the newest message is not pushed out of view (${hidden.belowList}px)`);
  assert.equal(hidden.underBanner, false, 'the banner does not cover it');

  for (const text of ['one', 'two', 'three']) await send(page, `offline burst ${text}`);
  await page.locator('#messages .msg--pending', { hasText: 'offline burst three' }).waitFor();
  assert.equal(await page.locator('#messages .msg--pending').count(), 3);
  assert.equal(await page.locator('#messages .msg__status', { hasText: 'Waiting for connection…' }).count(), 1);
  assert.equal(
    await page.locator('#messages .msg--pending').last().locator('.msg__status').textContent(),
    'Waiting for connection…',
  );

  await context.setOffline(false);
  await messageRow(finn.page, 'offline burst three').waitFor({ timeout: 15_000 });
  await page.locator('#connection').waitFor({ state: 'hidden' });
  assert.deepEqual(erin.errors, []);
});

test('someone whose connection dies shows offline to the others within a heartbeat, not a minute', async () => {
  // Pings every second here (20 s by default): one missed heartbeat is
  // two seconds at most; the connection itself is kept for 30.
  const quick = await startServer({ extra: ['--ws-ping-secs', '1', '--ws-idle-timeout', '30'] });
  const gus = await signUp(browser, quick.url, 'gus', { allow: OFFLINE_NOISE });
  const hal = await signUp(browser, quick.url, 'hal');
  await hal.page.locator('#room-facts', { hasText: '2 online' }).waitFor();

  await gus.context.setOffline(true);
  await hal.page.locator('#room-facts', { hasText: '1 online' }).waitFor({ timeout: 10_000 });
  // Back: online again.
  await gus.context.setOffline(false);
  await hal.page.locator('#room-facts', { hasText: '2 online' }).waitFor({ timeout: 15_000 });
  assert.deepEqual(gus.errors, []);
  assert.deepEqual(hal.errors, []);
  await gus.context.close();
  await hal.context.close();
  await quick.stop();
});
