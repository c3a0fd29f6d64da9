// Threads and mentions in two real browsers: a reply in a thread reaches
// the other person live (summary under the message, the open thread
// panel), mention autocomplete, highlighting, the inbox and the sidebar's
// mention count, and the thread panel on a phone-sized screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow } from './helpers.js';

let server;
let browser;
let alice;
let bob;

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

async function replyInThread(page, text) {
  const row = messageRow(page, text);
  await row.hover();
  await row.locator('.msg__actions').click();
  await page.click('#message-menu [data-action="reply"]');
  await page.locator('#side-panel .thread-root', { hasText: text }).waitFor();
}

test('a reply in a thread reaches the other person live, beside the timeline', async () => {
  await send(alice.page, 'Where shall we eat?');
  await messageRow(bob.page, 'Where shall we eat?').waitFor();

  await replyInThread(bob.page, 'Where shall we eat?');
  await bob.page.fill('#side-panel textarea', 'The noodle place');
  await bob.page.press('#side-panel textarea', 'Enter');
  await bob.page.locator('#side-panel .thread-reply', { hasText: 'The noodle place' }).waitFor();

  // Alice sees the summary appear under her message, without a reload.
  const summary = messageRow(alice.page, 'Where shall we eat?').locator('.thread-summary');
  await summary.filter({ hasText: '1 reply' }).waitFor();
  assert.match(await summary.textContent(), /bob/);
  // Her own thread has replies she has not seen yet.
  await summary.locator('.thread-summary__new').waitFor();
  // The reply stays out of the room's timeline.
  assert.equal(await messageRow(alice.page, 'The noodle place').count(), 0);

  // Her thread panel opens beside the timeline and gets bob's next reply live.
  await summary.click();
  await alice.page.locator('#side-panel .thread-reply', { hasText: 'The noodle place' }).waitFor();
  await summary.locator('.thread-summary__new').waitFor({ state: 'detached' });
  const panel = await alice.page.locator('#side-panel').boundingBox();
  const timeline = await alice.page.locator('.main').boundingBox();
  assert.ok(panel.x >= timeline.x + timeline.width - 1, 'the panel is beside the timeline');
  await bob.page.fill('#side-panel textarea', 'Or the taco truck');
  await bob.page.press('#side-panel textarea', 'Enter');
  await alice.page.locator('#side-panel .thread-reply', { hasText: 'Or the taco truck' }).waitFor();
  await messageRow(alice.page, 'Where shall we eat?').locator('.thread-summary', { hasText: '2 replies' }).waitFor();
  assert.equal(await summary.locator('.thread-summary__new').count(), 0, 'seen in the open panel');

  // "Also send to room" puts a reply in the timeline too.
  await alice.page.fill('#side-panel textarea', 'Noodles it is');
  await alice.page.check('#side-panel input[type="checkbox"]');
  await alice.page.press('#side-panel textarea', 'Enter');
  await messageRow(bob.page, 'Noodles it is').waitFor();
  await alice.page.click('#side-panel .side-panel__close');
  assert.equal(await alice.page.locator('#side-panel').isHidden(), true);
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('a mention is completed from the room, highlighted for the person and waits in their inbox', async () => {
  await alice.page.fill('#composer', '');
  await alice.page.type('#composer', 'lunch today @bo');
  const option = alice.page.locator('.mention-list [role="option"]', { hasText: 'bob' });
  await option.waitFor();
  assert.equal(await option.getAttribute('aria-selected'), 'true');
  await alice.page.keyboard.press('Tab');
  assert.equal(await alice.page.inputValue('#composer'), 'lunch today @bob ');
  await alice.page.type('#composer', 'at noon?');
  await alice.page.press('#composer', 'Enter');

  const row = messageRow(bob.page, 'lunch today');
  await row.waitFor();
  assert.match(await row.getAttribute('class'), /msg--mentions-me/);
  assert.equal(await row.locator('.mention').textContent(), '@bob');
  // Alice is not mentioned: no highlight on her side.
  assert.doesNotMatch(await messageRow(alice.page, 'lunch today').getAttribute('class'), /msg--mentions-me/);

  // Esc closes the list without choosing.
  await alice.page.type('#composer', '@b');
  await alice.page.locator('.mention-list [role="option"]').first().waitFor();
  await alice.page.keyboard.press('Escape');
  assert.equal(await alice.page.locator('.mention-list').first().isHidden(), true);
  assert.equal(await alice.page.inputValue('#composer'), '@b');
  await alice.page.fill('#composer', '');

  await bob.page.click('#mentions-button');
  const entry = bob.page.locator('#side-panel .inbox__item', { hasText: 'lunch today' });
  await entry.waitFor();
  assert.match(await entry.textContent(), /alice/);
  assert.deepEqual(bob.errors, []);
});

test('a mention in a room nobody is reading shows a count in the sidebar and the title', async () => {
  const roomId = await alice.page.evaluate(async () => {
    const r = await fetch('/api/v1/rooms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'food', kind: 'public', members: ['bob'] }),
    });
    return (await r.json()).room.id;
  });
  const link = bob.page.locator(`.room-link[data-room-id="${roomId}"]`);
  await link.waitFor();
  await alice.page.evaluate(async (id) => {
    await fetch(`/api/v1/rooms/${id}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ body: '@bob pizza?', client_id: 'e2e-pizza-1' }),
    });
  }, roomId);
  await link.locator('.badge--mention', { hasText: '@1' }).waitFor();
  await bob.page.waitForFunction(() => document.title.startsWith('@1 '));
  // Opening the room reads it: the count goes.
  await link.click();
  await messageRow(bob.page, 'pizza?').waitFor();
  await link.locator('.badge--mention').waitFor({ state: 'detached' });
});

test('the thread panel covers the screen on a phone and closes back to the room', async () => {
  const carol = await signUp(browser, server.url, 'carol', { viewport: { width: 390, height: 760 }, hasTouch: true, isMobile: true });
  const summary = messageRow(carol.page, 'Where shall we eat?').locator('.thread-summary');
  await summary.scrollIntoViewIfNeeded();
  await summary.click();
  await carol.page.locator('#side-panel .thread-reply', { hasText: 'Or the taco truck' }).waitFor();
  const box = await carol.page.locator('#side-panel').boundingBox();
  assert.equal(Math.round(box.width), 390);
  assert.equal(Math.round(box.x), 0);
  await carol.page.fill('#side-panel textarea', 'Count me in');
  await carol.page.press('#side-panel textarea', 'Enter');
  await alice.page.locator('.thread-summary', { hasText: '4 replies' }).waitFor();
  await carol.page.click('#side-panel .side-panel__close');
  await messageRow(carol.page, 'Where shall we eat?').waitFor();
  assert.deepEqual(carol.errors, []);
});
