// Conversations, finished (issue 16), in real browsers: a group
// conversation started from the "New message" dialog reaches the others
// live and is listed with the direct messages; room changes (topic,
// co-owners) show as lines live and again after a reload; lists,
// strikethrough and a fenced block's language render safely.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, waitForRoom } from './helpers.js';

let server;
let browser;
let ann;
let ben;
let cat;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  ann = await signUp(browser, server.url, 'ann');
  ben = await signUp(browser, server.url, 'ben');
  cat = await signUp(browser, server.url, 'cat');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const GROUP = 'ann, ben, cat';

test('several names in the New message dialog start a group conversation the others see live', async () => {
  await ann.page.click('#new-dm-button');
  await ann.page.fill('#dm-username', '@ben, cat');
  await ann.page.click('#dm-dialog button[type="submit"]');
  await waitForRoom(ann.page, GROUP);
  await send(ann.page, 'Lunch, the three of us?');

  // Listed with the direct messages, for everyone in it, without a reload.
  for (const { page } of [ben, cat]) {
    const entry = page.locator('#direct-rooms .room-link', { hasText: GROUP });
    await entry.waitFor();
    await entry.click();
    await waitForRoom(page, GROUP);
    await messageRow(page, 'Lunch, the three of us?').waitFor();
  }
  assert.equal(await ben.page.locator('#private-rooms .room-link', { hasText: GROUP }).count(), 0);

  // Opening the same people again, in any order, finds the same conversation.
  await cat.page.click('#new-dm-button');
  await cat.page.fill('#dm-username', 'ben ann');
  await cat.page.click('#dm-dialog button[type="submit"]');
  await waitForRoom(cat.page, GROUP);
  assert.equal(await cat.page.locator('#direct-rooms .room-link', { hasText: GROUP }).count(), 1);
  for (const p of [ann, ben, cat]) assert.deepEqual(p.errors, []);
});

test('room changes show as lines live and again after a reload', async () => {
  const roomId = await ann.page.evaluate(async () => {
    const r = await fetch('/api/v1/rooms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'retro', kind: 'public', members: ['ben'] }),
    });
    return (await r.json()).room.id;
  });
  for (const { page } of [ann, ben]) {
    await page.evaluate((id) => (location.hash = `room=${id}`), roomId);
    await waitForRoom(page, 'retro');
  }
  await send(ann.page, 'Agenda first');
  await ann.page.evaluate(async (id) => {
    const json = { 'Content-Type': 'application/json' };
    await fetch(`/api/v1/rooms/${id}/settings`, { method: 'PATCH', headers: json, body: JSON.stringify({ topic: 'What went well' }) });
    await fetch(`/api/v1/rooms/${id}/members/ben/role`, { method: 'PUT', headers: json, body: JSON.stringify({ role: 'owner' }) });
  }, roomId);
  const lines = ['ann set the topic: What went well', 'ann made ben an owner'];
  for (const text of lines) await ben.page.locator('#messages .msg-system', { hasText: text }).waitFor();

  await ben.page.reload();
  await waitForRoom(ben.page, 'retro');
  await messageRow(ben.page, 'Agenda first').waitFor();
  for (const text of lines) await ben.page.locator('#messages .msg-system', { hasText: text }).waitFor();
  // In the order they happened: the message, then the two changes.
  const order = await ben.page.locator('#messages .msg-system, #messages .msg__body').allTextContents();
  const at = (s) => order.findIndex((t) => t.includes(s));
  assert.ok(at('Agenda first') < at(lines[0]) && at(lines[0]) < at(lines[1]), order.join(' | '));
  assert.deepEqual(ben.errors, []);
});

test('a deleted reply leaves its thread, live: the count goes down', async () => {
  await ann.page.evaluate(() => (location.hash = 'room=1'));
  await waitForRoom(ann.page, 'general');
  await ben.page.evaluate(() => (location.hash = 'room=1'));
  await waitForRoom(ben.page, 'general');
  await send(ann.page, 'Who brings cake?');
  const row = messageRow(ben.page, 'Who brings cake?');
  await row.waitFor();
  const replies = await ann.page.evaluate(async () => {
    const history = await (await fetch('/api/v1/rooms/1/messages')).json();
    const root = history.messages.find((m) => m.body === 'Who brings cake?').seq;
    const json = { 'Content-Type': 'application/json' };
    const seqs = [];
    for (const body of ['me', 'me too']) {
      const r = await fetch(`/api/v1/rooms/1/messages/${root}/replies`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ body, client_id: crypto.randomUUID() }),
      });
      seqs.push((await r.json()).message.seq);
    }
    return seqs;
  });
  await row.locator('.thread-summary__count', { hasText: '2 replies' }).waitFor();
  await ann.page.evaluate((seq) => fetch(`/api/v1/rooms/1/messages/${seq}`, { method: 'DELETE' }), replies[1]);
  await row.locator('.thread-summary__count', { hasText: '1 reply' }).waitFor();
  assert.deepEqual(ben.errors, []);
});

test('lists, strikethrough and a fenced block with its language render as formatting, never as HTML', async () => {
  await ann.page.evaluate(() => (location.hash = 'room=1'));
  await waitForRoom(ann.page, 'general');
  await ben.page.evaluate(() => (location.hash = 'room=1'));
  await waitForRoom(ben.page, 'general');
  await ann.page.fill(
    '#composer',
    'Plan:\n- ~~old idea~~ new idea\n- <b>bold?</b>\n3. third\n4. fourth\n```rust\nfn main() {}\n```',
  );
  await ann.page.press('#composer', 'Enter');

  const body = messageRow(ben.page, 'new idea').locator('.msg__body');
  await body.waitFor();
  assert.deepEqual(await body.locator('ul > li').allTextContents(), ['old idea new idea', '<b>bold?</b>']);
  assert.equal(await body.locator('ul del').textContent(), 'old idea');
  assert.deepEqual(await body.locator('ol > li').allTextContents(), ['third', 'fourth']);
  assert.equal(await body.locator('ol > li').first().getAttribute('value'), '3');
  assert.equal(await body.locator('pre').getAttribute('data-lang'), 'rust');
  assert.equal(await body.locator('pre code').textContent(), 'fn main() {}');
  assert.equal(await body.locator('b').count(), 0);
  const tags = await body.evaluate((el) => [...el.querySelectorAll('*')].map((n) => n.tagName.toLowerCase()));
  const allowed = new Set(['strong', 'em', 'del', 'code', 'pre', 'blockquote', 'a', 'br', 'ul', 'ol', 'li']);
  assert.deepEqual(tags.filter((t) => !allowed.has(t)), []);
  assert.deepEqual(ann.errors, []);
  assert.deepEqual(ben.errors, []);
});

test('a status set from the account menu shows beside my name in the member list', async () => {
  await ann.page.click('#user-menu-button');
  await ann.page.click('#status-button');
  await ann.page.fill('#status-emoji', ':palm_tree:');
  await ann.page.fill('#status-text', 'On holiday');
  await ann.page.selectOption('#status-lasts', 'week');
  await ann.page.click('#status-dialog button[type="submit"]');
  await ann.page.locator('#status-dialog').waitFor({ state: 'hidden' });

  await ben.page.evaluate(() => (location.hash = 'room=1'));
  await waitForRoom(ben.page, 'general');
  await ben.page.click('#room-facts');
  const line = ben.page.locator('#members-list .member', { hasText: 'ann' }).locator('.member__status');
  await line.waitFor();
  assert.equal(await line.textContent(), '🌴 On holiday');
  await ben.page.keyboard.press('Escape');
  assert.deepEqual(ann.errors, []);
  assert.deepEqual(ben.errors, []);
});
