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
