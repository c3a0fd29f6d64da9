// Integrations in a real browser: slash commands typed in the composer
// (their list and help, /topic, /shrug, /me, /invite and its error), a
// webhook made in the Integrations dialog whose posts carry the BOT
// badge, and an API token shown once and revoked.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, waitForRoom, apiGet } from './helpers.js';

let server;
let browser;
let alice;
let roomId;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  alice = await signUp(browser, server.url, 'alice', { allow: [/404|Not Found/] });
  const bob = await signUp(browser, server.url, 'bob');
  await bob.context.close();
  roomId = await alice.page.evaluate(async () => {
    const r = await fetch('/api/v1/rooms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'ops', kind: 'public' }),
    });
    return (await r.json()).room.id;
  });
  await alice.page.evaluate((id) => (location.hash = `room=${id}`), roomId);
  await waitForRoom(alice.page, 'ops');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('typing "/" lists the commands with their help', async () => {
  const { page } = alice;
  await page.fill('#composer', '/');
  const list = page.locator('#slash-complete');
  await list.locator('[role="option"]', { hasText: '/topic' }).waitFor();
  assert.match(await list.textContent(), /\/invite add someone/);
  await page.fill('#composer', '/to');
  await page.waitForFunction(() => document.querySelectorAll('#slash-complete [role="option"]').length === 1);
  await page.press('#composer', 'Tab');
  assert.equal(await page.inputValue('#composer'), '/topic ');
  await page.fill('#composer', '');
});

test('/topic sets the room topic through the room rules', async () => {
  await send(alice.page, '/topic Release day');
  await alice.page.locator('#room-topic', { hasText: 'Release day' }).waitFor();
  const { settings } = await apiGet(alice.page, `/api/v1/rooms/${roomId}/settings`);
  assert.equal(settings.topic, 'Release day');
});

test('/shrug and /me send a shrug and an action', async () => {
  const { page } = alice;
  await send(page, '/shrug no idea');
  const shrug = messageRow(page, 'no idea');
  await shrug.waitFor();
  assert.equal((await shrug.locator('.msg__body').textContent()).trim(), 'no idea ¯\\_(ツ)_/¯');
  await send(page, '/me waves at everyone');
  const action = page.locator('#messages .msg__body--action', { hasText: 'waves at everyone' });
  await action.waitFor();
  assert.equal((await action.textContent()).trim(), 'alice waves at everyone');
  // Both were sent and stored as typed (the toast shows no error).
  await page.waitForFunction(async (id) => {
    const { messages } = await (await fetch(`/api/v1/rooms/${id}/messages`)).json();
    return messages.map((m) => m.body).join('|') === 'no idea ¯\\_(ツ)_/¯|/me waves at everyone';
  }, roomId);
  assert.equal(await page.locator('#toast.toast--error').count(), 0);
});

test('/invite adds someone, and an unknown name shows the error and keeps the text', async () => {
  const { page } = alice;
  await send(page, '/invite @bob');
  await page.locator('#toast', { hasText: 'bob was added.' }).waitFor();
  const { members } = await apiGet(page, `/api/v1/rooms/${roomId}/members`);
  assert.ok(members.some((m) => m.username === 'bob'));

  await send(page, '/invite @nobody');
  await page.locator('#toast.toast--error').waitFor();
  assert.equal(await page.inputValue('#composer'), '/invite @nobody');
  await page.fill('#composer', '');
});

test('a webhook made in the Integrations dialog posts with the BOT badge', async () => {
  const { page } = alice;
  await page.click('#room-menu-button');
  await page.click('#room-integrations-button');
  await page.locator('#integrations-dialog h3', { hasText: 'Incoming webhooks in ops' }).waitFor();
  await page.fill('#hook-name', 'ci');
  await page.click('#hook-make');
  const url = page.locator('#hook-url');
  await page.waitForFunction(() => document.querySelector('#hook-url')?.value.includes('/hooks/'));
  const hookUrl = await url.inputValue();
  assert.match(await page.textContent('#hook-example'), /curl -X POST/);
  await page.locator('#hook-list .admin-row', { hasText: 'ci' }).waitFor();
  await page.keyboard.press('Escape');

  const r = await fetch(hookUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ text: 'build *green*', username: 'CI' }),
  });
  assert.equal(r.status, 201);
  const row = messageRow(page, 'build green');
  await row.waitFor();
  assert.equal(await row.locator('.bot-badge').textContent(), 'BOT');
  assert.equal(await row.locator('.msg__author').textContent(), 'CI');
  assert.equal(await row.locator('.msg__body strong').textContent(), 'green');
});

test('an API token is shown once with a copy button, listed by prefix, and revoked', async () => {
  const { page } = alice;
  await page.click('#user-menu-button');
  await page.click('#integrations-button');
  await page.fill('#token-name', 'deploy script');
  await page.click('#token-make');
  await page.waitForFunction(() => document.querySelector('#token-made')?.value.startsWith('natter_'));
  const token = await page.inputValue('#token-made');
  const row = page.locator('#token-list .admin-row', { hasText: 'deploy script' });
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(token.slice(0, 12)));
  assert.ok(!(await row.textContent()).includes(token), 'the list never shows the token');
  const me = await fetch(`${server.url}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200);

  await row.locator('button', { hasText: 'Revoke' }).click();
  await row.waitFor({ state: 'detached' });
  const after = await fetch(`${server.url}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(after.status, 401);
  await page.keyboard.press('Escape');
  assert.deepEqual(alice.errors, []);
});
