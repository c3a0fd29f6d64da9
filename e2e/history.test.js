// What a reload keeps, and how the composer's keys behave.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, apiGet, waitForRoom } from './helpers.js';

let server;
let browser;
let dana;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  dana = await signUp(browser, server.url, 'dana');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('Enter sends and Shift+Enter inserts a newline into the message', async () => {
  const { page } = dana;
  await page.click('#composer');
  await page.keyboard.type('first line');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('second line');
  assert.equal(await page.inputValue('#composer'), 'first line\nsecond line');
  await page.keyboard.press('Enter');

  const row = messageRow(page, 'second line');
  await row.waitFor();
  assert.equal(await row.locator('.msg__body').innerText(), 'first line\nsecond line');
  assert.equal(await page.inputValue('#composer'), '');
  const { messages } = await apiGet(page, '/api/v1/rooms/1/messages');
  assert.equal(messages.at(-1).body, 'first line\nsecond line');
  assert.deepEqual(dana.errors, []);
});

test('a reload keeps the history, the selected room and the view at the newest message', async () => {
  const { page } = dana;
  // A second room, made the selected one, with more history than one screen.
  await page.click('#create-room-button');
  await page.fill('#create-room-name', 'design');
  await page.click('#create-room-dialog button[type="submit"]');
  await waitForRoom(page, 'design');
  const roomHash = new URL(page.url()).hash;
  assert.match(roomHash, /^#room=\d+$/);
  const roomId = roomHash.slice('#room='.length);
  for (let i = 1; i <= 40; i += 1) {
    await page.evaluate(
      ([id, n]) =>
        fetch(`/api/v1/rooms/${id}/messages`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ body: `design note ${n}`, client_id: crypto.randomUUID() }),
        }),
      [roomId, i],
    );
  }
  await messageRow(page, 'design note 40').waitFor();
  await send(page, 'the last word');
  await messageRow(page, 'the last word').waitFor();

  await page.reload();
  await waitForRoom(page, 'design');
  await messageRow(page, 'the last word').waitFor();
  assert.equal(new URL(page.url()).hash, roomHash);
  assert.equal(await messageRow(page, 'design note 12').count(), 1);
  const gap = await page.$eval('#scroller', (s) => s.scrollHeight - s.scrollTop - s.clientHeight);
  assert.ok(gap < 48, `scrolled to the newest message (gap ${gap}px)`);
  assert.ok(await page.locator('#messages .msg').last().isVisible());
  assert.deepEqual(dana.errors, []);
});

test('scrolling to the top loads older history and keeps the reading position', async () => {
  const { page } = dana;
  // More than one page (50) in general.
  await page.goto(`${server.url}/chat#room=1`);
  await waitForRoom(page, 'general');
  await page.evaluate(async () => {
    for (let n = 1; n <= 70; n += 1) {
      await fetch('/api/v1/rooms/1/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ body: `history ${n}`, client_id: crypto.randomUUID() }),
      });
    }
  });
  await page.reload();
  await messageRow(page, 'history 70').waitFor();
  assert.equal(await messageRow(page, 'first line').count(), 0, 'the oldest page is not loaded yet');
  await page.$eval('#scroller', (s) => {
    s.scrollTop = 0;
  });
  await messageRow(page, 'first line').waitFor();
  // The message that was at the top is still in view, not jumped past.
  const inView = await messageRow(page, 'history 21').evaluate((row) => {
    const box = document.querySelector('#scroller').getBoundingClientRect();
    const r = row.getBoundingClientRect();
    return r.bottom > box.top && r.top < box.bottom;
  });
  assert.ok(inView, 'the previous top message is still on screen');
  assert.deepEqual(dana.errors, []);
});
