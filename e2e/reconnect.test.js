// A server restart: pages say "Reconnecting…" (after a short grace), keep
// what is written meanwhile, and resume where they left off without a
// reload, missing nothing and duplicating nothing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, apiGet } from './helpers.js';

// While the server is down the browser logs the refused reconnects.
const SERVER_DOWN_NOISE = [/WebSocket connection to .* failed/, /ERR_CONNECTION_REFUSED/];

let server;
let browser;
let rosa;
let sam;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  rosa = await signUp(browser, server.url, 'rosa', { allow: SERVER_DOWN_NOISE });
  sam = await signUp(browser, server.url, 'sam', { allow: SERVER_DOWN_NOISE });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('after a server restart the pages reconnect and resume without a reload', async () => {
  await send(rosa.page, 'before the restart');
  await messageRow(sam.page, 'before the restart').waitFor();

  await server.stop({ keepData: true });
  await rosa.page.locator('#connection', { hasText: 'Reconnecting…' }).waitFor();
  await send(rosa.page, 'written while the server was away');
  await rosa.page.locator('#messages .msg--pending', { hasText: 'written while the server was away' }).waitFor();

  server = await startServer({ dataDir: server.dataDir, port: server.port });
  await messageRow(sam.page, 'written while the server was away').waitFor({ timeout: 20_000 });
  await messageRow(rosa.page, 'written while the server was away').waitFor({ timeout: 20_000 });
  await rosa.page.locator('#connection').waitFor({ state: 'hidden' });

  // Live again both ways.
  await send(sam.page, 'welcome back');
  await messageRow(rosa.page, 'welcome back').waitFor();
  for (const { page } of [rosa, sam]) {
    assert.equal(await messageRow(page, 'written while the server was away').count(), 1);
    assert.equal(await messageRow(page, 'before the restart').count(), 1);
  }
  const { messages } = await apiGet(sam.page, '/api/v1/rooms/1/messages');
  assert.equal(messages.filter((m) => m.body === 'written while the server was away').length, 1);
  assert.deepEqual(rosa.errors, []);
  assert.deepEqual(sam.errors, []);
});
