// Outgoing webhooks in a real browser: made in the Integrations dialog to
// a receiver on 127.0.0.1 (the server allows loopback), the signing secret
// shown once, a message delivered, the delivery log shown, then paused,
// resumed and deleted; and one that takes its events in batches.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer, launchBrowser, signUp, send, waitForRoom, screenshotPath } from './helpers.js';

let server;
let browser;
let alice;
let receiver;
const received = [];

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ signature: req.headers['natter-signature'], body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  server = await startServer({ extra: ['--outbound-allow', '127.0.0.1/32'] });
  browser = await launchBrowser();
  alice = await signUp(browser, server.url, 'alice');
  const id = await alice.page.evaluate(async () => {
    const r = await fetch('/api/v1/rooms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'ops', kind: 'private' }),
    });
    return (await r.json()).room.id;
  });
  await alice.page.evaluate((room) => (location.hash = `room=${room}`), id);
  await waitForRoom(alice.page, 'ops');
});

after(async () => {
  await browser?.close();
  await server?.stop();
  receiver?.close();
});

test('an outgoing webhook made in the dialog delivers, logs, pauses, resumes and goes', async () => {
  const { page } = alice;
  await page.click('#room-menu-button');
  await page.click('#room-integrations-button');
  await page.locator('#outhooks h3', { hasText: 'Outgoing webhooks in ops' }).waitFor();
  await page.fill('#outhook-name', 'relay');
  await page.fill('#outhook-url', `http://127.0.0.1:${receiver.address().port}/natter`);
  await page.click('#outhook-make');
  await page.waitForFunction(() => document.querySelector('#outhook-secret')?.value.startsWith('whsec_'));
  const row = page.locator('#outhook-list .admin-row', { hasText: 'relay' });
  await row.waitFor();
  assert.match(await row.textContent(), /delivering/);
  await page.keyboard.press('Escape');

  await send(page, 'hello receiver');
  for (let i = 0; i < 500 && !received.length; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(received[0].body.message.body, 'hello receiver');
  assert.match(received[0].signature, /^t=\d+,v1=[0-9a-f]{64}$/);

  // The dialog's lists answer slowly this time: the last showing's rows
  // must not be clickable meanwhile (a log opened there was closed again
  // once this room's were put in place).
  const bots = '**/api/v1/bots';
  await page.route(bots, async (route) => {
    await new Promise((r) => setTimeout(r, 500));
    await route.continue();
  });
  const reloaded = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/outhooks'));
  await page.click('#room-menu-button');
  await page.click('#room-integrations-button');
  await row.locator('button', { hasText: 'Deliveries' }).click();
  const log = page.locator('#outhook-log table');
  await log.waitFor();
  await reloaded;
  assert.ok(await log.isVisible(), 'the log stays open');
  await page.unroute(bots);
  assert.match(await log.textContent(), /204/);
  await page.screenshot({ path: screenshotPath('outhooks-dialog.png') });

  await row.locator('button', { hasText: 'Pause' }).click();
  await row.locator('text=paused').waitFor();
  await row.locator('button', { hasText: 'Resume' }).click();
  await row.locator('text=delivering').waitFor();
  await row.locator('button', { hasText: 'Delete' }).click();
  await row.waitFor({ state: 'detached' });
  await page.keyboard.press('Escape');
  assert.deepEqual(alice.errors, []);
});

test('a webhook made to send in batches says so and receives the events as a batch', async () => {
  const { page } = alice;
  received.length = 0;
  await page.click('#room-menu-button');
  await page.click('#room-integrations-button');
  await page.locator('#outhooks h3', { hasText: 'Outgoing webhooks in ops' }).waitFor();
  await page.fill('#outhook-name', 'ci');
  await page.fill('#outhook-url', `http://127.0.0.1:${receiver.address().port}/natter`);
  await page.check('#outhook-batch');
  await page.click('#outhook-make');
  const row = page.locator('#outhook-list .admin-row', { hasText: 'ci' });
  await row.locator('[data-batch]', { hasText: 'batches' }).waitFor();
  assert.equal(await page.isChecked('#outhook-batch'), false, 'the form is reset');
  await page.keyboard.press('Escape');

  await send(page, 'built');
  for (let i = 0; i < 500 && !received.length; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(received[0].body.events[0].message.body, 'built');
  assert.deepEqual(alice.errors, []);
});

test("a bot's outgoing webhook made from the bots list delivers the rooms the bot is in", async () => {
  const { page } = alice;
  await page.click('#room-menu-button');
  await page.click('#room-integrations-button');
  await page.fill('#bot-name', 'watcher');
  await page.click('#bot-make');
  const bot = page.locator('#bot-list .admin-row', { hasText: 'watcher' });
  await bot.locator('button', { hasText: 'Webhooks' }).click();
  await page.locator('#bot-outhooks h3', { hasText: 'Outgoing webhooks of the bot watcher' }).waitFor();
  await page.fill('#bot-outhook-name', 'everywhere');
  await page.fill('#bot-outhook-url', `http://127.0.0.1:${receiver.address().port}/bot`);
  await page.click('#bot-outhook-make');
  await page.waitForFunction(() => document.querySelector('#bot-outhook-secret')?.value.startsWith('whsec_'));
  const row = page.locator('#bot-outhook-list .admin-row', { hasText: 'everywhere' });
  await row.waitFor();
  assert.match(await row.textContent(), /delivering/);
  await page.keyboard.press('Escape');

  // The bot joins the open room: its events reach the bot's hook.
  const added = await page.evaluate(async () => {
    const room = Number(new URLSearchParams(location.hash.slice(1)).get('room'));
    const r = await fetch(`/api/v1/rooms/${room}/members`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'watcher' }),
    });
    return r.status;
  });
  assert.ok(added < 300, `added the bot: ${added}`);
  const seen = () => received.find((r) => r.body.message?.body === 'for the bot');
  await send(page, 'for the bot');
  for (let i = 0; i < 500 && !seen(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(seen(), 'the bot hook got the message');

  await page.click('#room-menu-button');
  await page.click('#room-integrations-button');
  await bot.locator('button', { hasText: 'Webhooks' }).click();
  await row.locator('button', { hasText: 'Delete' }).click();
  await row.waitFor({ state: 'detached' });
  await page.keyboard.press('Escape');
  assert.deepEqual(alice.errors, []);
});
