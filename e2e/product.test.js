// What makes the client pleasant to live in: the "New messages" divider,
// the pill that counts what arrived below, links to one message, rooms
// that introduce themselves, the header's counts, who is online in the
// sidebar and the members dialog.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, waitForRoom, waitForChat, watchErrors } from './helpers.js';

let server;
let browser;
let ann;
let bo;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  ann = await signUp(browser, server.url, 'ann');
  bo = await signUp(browser, server.url, 'bo');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Posts `count` messages to `roomId` as the page's user, over HTTP.
function post(page, roomId, count, prefix) {
  return page.evaluate(
    async ([id, n, p]) => {
      for (let i = 1; i <= n; i += 1) {
        await fetch(`/api/v1/rooms/${id}/messages`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ body: `${p} ${i}`, client_id: crypto.randomUUID() }),
        });
      }
    },
    [roomId, count, prefix],
  );
}

const inView = (row) =>
  row.evaluate((el) => {
    const box = document.querySelector('#scroller').getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  });

async function createRoom(page, name, kind = 'public') {
  await page.click('#create-room-button');
  await page.fill('#create-room-name', name);
  await page.check(`#create-room-dialog input[value="${kind}"]`);
  await page.click('#create-room-dialog button[type="submit"]');
  await waitForRoom(page, name);
  return Number(new URL(page.url()).hash.match(/room=(\d+)/)[1]);
}

test('an empty room introduces itself, and "Add people" adds someone to it', async () => {
  const { page } = ann;
  await createRoom(page, 'plans', 'private');
  // Who made the room is said once the room's details have come.
  const intro = page.locator('#messages .room-intro', { hasText: 'ann created this room today.' });
  await intro.waitFor();
  assert.match(await intro.textContent(), /#plans/);
  await page.locator('#room-facts', { hasText: '1 member' }).waitFor();

  await intro.getByRole('button', { name: 'Add people' }).click();
  await page.locator('#members-dialog[open]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'add-member-username');
  await page.keyboard.type('bo');
  await page.keyboard.press('Enter');
  await page.locator('#members-list .member', { hasText: 'bo' }).waitFor();
  await page.keyboard.press('Escape');
  await page.locator('#room-facts', { hasText: '2 members' }).waitFor();
  assert.deepEqual(ann.errors, []);
});

test('the members dialog and the sidebar show who is online', async () => {
  const { page } = ann;
  await page.click('#room-facts');
  await page.locator('#members-dialog[open]').waitFor();
  const bos = page.locator('#members-list .member', { hasText: 'bo' });
  await bos.locator('.member__presence', { hasText: 'online' }).waitFor();
  await page.keyboard.press('Escape');

  // "+" beside Direct messages starts one; the peer's dot shows they are here.
  await page.click('#new-dm-plus');
  await page.locator('#dm-dialog[open]').waitFor();
  await page.fill('#dm-username', 'bo');
  await page.keyboard.press('Enter');
  await waitForRoom(page, 'bo');
  const link = page.locator('#direct-rooms a', { hasText: 'bo' });
  await link.locator('.presence-dot--on').waitFor();
  await page.locator('#room-facts', { hasText: 'Online' }).waitFor();
  assert.deepEqual(ann.errors, []);
});

test('opening a room with unread messages shows "New messages" where they begin', async () => {
  const { page } = ann;
  await page.goto(`${server.url}/chat#room=1`);
  await waitForRoom(page, 'general');
  await send(page, 'read up to here');
  await messageRow(page, 'read up to here').waitFor();
  await page.click('#direct-rooms a');
  await waitForRoom(page, 'bo');
  await post(bo.page, 1, 3, 'while ann was away');
  await page.locator('#public-rooms a .badge', { hasText: '3' }).waitFor();

  await page.click('#public-rooms a');
  await waitForRoom(page, 'general');
  await messageRow(page, 'while ann was away 3').waitFor();
  const next = await page.$eval('#messages .unread-divider', (d) => d.nextElementSibling.textContent);
  assert.match(next, /while ann was away 1/);
  assert.equal(await page.locator('#messages .unread-divider').count(), 1);
  assert.deepEqual(ann.errors, []);
});

test('messages arriving below the reader are counted on the "Jump to newest" pill', async () => {
  const { page } = ann;
  await post(page, 1, 40, 'filler');
  await messageRow(page, 'filler 40').waitFor();
  await page.$eval('#scroller', (s) => {
    s.scrollTop = 0;
  });
  await post(bo.page, 1, 3, 'below the fold');
  await page.locator('#jump-newest', { hasText: '3 new messages' }).waitFor();
  await page.click('#jump-newest');
  await page.locator('#jump-newest').waitFor({ state: 'hidden' });
  assert.ok(await inView(messageRow(page, 'below the fold 3')));
  assert.deepEqual(ann.errors, []);
});

test('a link to one message opens its room scrolled to it, highlighted', async () => {
  await post(bo.page, 1, 120, 'history');
  const { messages } = await bo.page.evaluate(async () => (await fetch('/api/v1/rooms/1/messages?limit=200')).json());
  const target = messages.find((m) => m.body === 'history 7');

  // "Copy link" puts the message's address on the clipboard.
  await bo.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await bo.page.goto(`${server.url}/chat#room=1`);
  await waitForChat(bo.page);
  await bo.page.evaluate(() => document.querySelector('#messages .msg:last-child').scrollIntoView());
  const last = bo.page.locator('#messages .msg').last();
  await last.hover();
  await last.locator('.msg__actions').click();
  await bo.page.click('#message-menu [data-action="copy-link"]');
  await bo.page.locator('#toast', { hasText: 'Link copied.' }).waitFor();
  assert.match(await bo.page.evaluate(() => navigator.clipboard.readText()), /\/chat#room=1&msg=\d+$/);

  // Far back in the room: opened there, not at the newest.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies(await ann.context.cookies());
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/chat#room=1&msg=${target.seq}`);
  const row = page.locator(`#messages .msg[data-seq="${target.seq}"]`);
  await row.waitFor();
  assert.ok(await inView(row), 'the linked message is in view');
  assert.match(await row.getAttribute('class'), /msg--highlight/);
  assert.equal(await messageRow(page, 'history 120').count(), 0, 'the newest are not loaded yet');
  // Scrolling down reaches the present.
  await page.click('#jump-newest');
  await messageRow(page, 'history 120').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});
