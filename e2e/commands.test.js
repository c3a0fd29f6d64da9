// Custom slash commands in a real browser: made in the room's
// Integrations dialog (its signing secret shown once), listed with their
// help when "/" is typed, answered as the bot in the room or only to me,
// and a failing URL shown as a sentence with the text kept.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer, launchBrowser, signUp, send, messageRow, waitForRoom } from './helpers.js';

let server;
let browser;
let alice;
let botUrl;
let calls = [];
let receiver;

before(async () => {
  // The bot's URL on loopback: "loud" is answered in the room, "break"
  // with an error, anything else to the caller only.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const call = JSON.parse(body);
      calls.push({ call, signature: req.headers['natter-signature'] });
      if (call.text === 'break') return res.writeHead(500).end('oops');
      const answer = call.text === 'loud' ? { text: 'Deploying **now**', response_type: 'in_channel' } : { text: `Only for ${call.username}` };
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  botUrl = `http://127.0.0.1:${receiver.address().port}/deploy`;
  server = await startServer({ extra: ['--outbound-allow', '127.0.0.0/8'] });
  browser = await launchBrowser();
  alice = await signUp(browser, server.url, 'alice', { allow: [/502|Bad Gateway/] });
  const roomId = await alice.page.evaluate(async () => {
    const r = await fetch('/api/v1/rooms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'ops', kind: 'public' }),
    });
    await fetch('/api/v1/bots', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'deployer' }) });
    return (await r.json()).room.id;
  });
  await alice.page.evaluate((id) => (location.hash = `room=${id}`), roomId);
  await waitForRoom(alice.page, 'ops');
});

after(async () => {
  await browser?.close();
  await server?.stop();
  receiver?.close();
});

test('a command made in the Integrations dialog shows its secret once and is listed', async () => {
  const { page } = alice;
  await page.click('#room-menu-button');
  await page.click('#room-integrations-button');
  await page.locator('#commands-section h3', { hasText: 'Slash commands in ops' }).waitFor();
  await page.fill('#command-name', 'deploy');
  await page.fill('#command-help', 'ship the current version');
  await page.fill('#command-url', botUrl);
  await page.click('#command-make');
  await page.waitForFunction(() => document.querySelector('#command-secret')?.value.startsWith('whsec_'));
  await page.locator('#command-list .admin-row', { hasText: '/deploy' }).waitFor();
  await page.keyboard.press('Escape');
});

test('typing "/" lists the room\'s command with its help beside the built-in ones', async () => {
  const { page } = alice;
  await page.fill('#composer', '/');
  const list = page.locator('#slash-complete');
  await list.locator('[role="option"]', { hasText: '/deploy' }).waitFor();
  assert.match(await list.textContent(), /\/deploy ship the current version/);
  assert.match(await list.textContent(), /\/topic/);
  await page.fill('#composer', '');
});

test('an answer for the room is posted as the bot; one for me only is shown to me', async () => {
  const { page } = alice;
  await send(page, '/deploy loud');
  const row = messageRow(page, 'Deploying now');
  await row.waitFor();
  assert.equal(await row.locator('.bot-badge').textContent(), 'BOT');
  assert.equal(await row.locator('.msg__author').textContent(), 'deployer');
  assert.ok(calls.at(-1).signature.startsWith('t='), 'the call is signed');

  await send(page, '/deploy quietly');
  const note = page.locator('#slash-answer', { hasText: 'Only for alice' });
  await note.waitFor();
  assert.match(await note.textContent(), /Only you can see this/);
  assert.equal(await messageRow(page, 'Only for alice').count(), 0, 'not in the room');
  await note.locator('button').click();
  await note.waitFor({ state: 'detached' });
});

test('a failing command URL is a sentence, and the text is kept to retry', async () => {
  const { page } = alice;
  await send(page, '/deploy break');
  const toast = page.locator('#toast.toast--error', { hasText: '/deploy did not work' });
  await toast.waitFor();
  assert.equal(await page.inputValue('#composer'), '/deploy break');
  await page.fill('#composer', '');
  assert.deepEqual(alice.errors, []);
});
