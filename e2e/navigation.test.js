// Getting around: keyboard shortcuts, "Jump to newest", the server-rendered
// bootstrap, and the polling fallback when WebSockets are blocked.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, watchErrors, apiGet, waitForRoom } from './helpers.js';

let server;
let browser;
let olga;
let pete;

const title = (page) => page.textContent('#room-title');

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  olga = await signUp(browser, server.url, 'olga');
  pete = await signUp(browser, server.url, 'pete');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('Ctrl+K opens the room switcher and Alt+Arrow keys move between rooms', async () => {
  const { page } = olga;
  for (const name of ['ops', 'random']) {
    await page.click('#create-room-button');
    await page.fill('#create-room-name', name);
    await page.click('#create-room-dialog button[type="submit"]');
    await waitForRoom(page, name);
  }
  // Sidebar order: general, ops, random.
  await page.focus('#composer');
  await page.keyboard.press('Alt+ArrowUp');
  await waitForRoom(page, 'ops');
  await page.keyboard.press('Alt+ArrowUp');
  await waitForRoom(page, 'general');
  await page.keyboard.press('Alt+ArrowDown');
  await waitForRoom(page, 'ops');

  await page.keyboard.press('Control+k');
  await page.locator('#switcher-dialog[open]').waitFor();
  await page.keyboard.type('rand');
  assert.deepEqual(await page.locator('#switcher-list [role="option"]').allTextContents(), ['random']);
  await page.keyboard.press('Enter');
  await waitForRoom(page, 'random');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'composer');

  await page.keyboard.press('Control+k');
  await page.locator('#switcher-dialog[open]').waitFor();
  await page.keyboard.press('Escape');
  await page.locator('#switcher-dialog[open]').waitFor({ state: 'detached' });
  assert.equal(await title(page), 'random');
  assert.deepEqual(olga.errors, []);
});

test('new messages while reading older ones offer "Jump to newest"', async () => {
  const { page } = olga;
  await page.goto(`${server.url}/chat#room=1`);
  await waitForRoom(page, 'general');
  await page.evaluate(async () => {
    for (let n = 1; n <= 40; n += 1) {
      await fetch('/api/v1/rooms/1/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ body: `backlog ${n}`, client_id: crypto.randomUUID() }),
      });
    }
  });
  await messageRow(page, 'backlog 40').waitFor();
  await page.$eval('#scroller', (s) => {
    s.scrollTop = 0;
  });
  await send(pete.page, 'something new below');
  await page.locator('#jump-newest').waitFor();
  await page.click('#jump-newest');
  assert.ok(await messageRow(page, 'something new below').isVisible());
  await page.locator('#jump-newest').waitFor({ state: 'hidden' });
  assert.deepEqual(olga.errors, []);
});

test('the chat page starts from a server-rendered bootstrap without fetching me and my rooms', async () => {
  const { context } = pete;
  const page = await context.newPage();
  const errors = watchErrors(page);
  const [me, rooms, info] = await Promise.all([
    apiGet(pete.page, '/api/v1/me'),
    apiGet(pete.page, '/api/v1/rooms'),
    apiGet(pete.page, '/api/v1/server'),
  ]);
  // What the server will render into chat.html. It is added to the page
  // when parsing ends, just before the deferred modules run (a routed,
  // rewritten response would trip Chromium's local-network checks).
  const bootstrap = JSON.stringify({ user: me.user, rooms: rooms.rooms, server: info });
  await page.addInitScript((json) => {
    document.addEventListener('readystatechange', () => {
      if (document.readyState !== 'interactive') return;
      const el = document.createElement('script');
      el.type = 'application/json';
      el.id = 'bootstrap';
      el.textContent = json;
      document.body.append(el);
    });
  }, bootstrap);
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(`${server.url}/chat`);
  await messageRow(page, 'something new below').waitFor();
  assert.equal(await page.textContent('.user-button__name'), 'pete');
  assert.ok(!requested.includes('/api/v1/me'), 'no /api/v1/me request');
  assert.ok(!requested.includes('/api/v1/rooms'), 'no /api/v1/rooms request');
  assert.deepEqual(errors, []);
  await page.close();
});

test('when WebSockets are blocked the chat still works live by polling', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  // A proxy that accepts the upgrade and hangs up at once, every time.
  await page.routeWebSocket(/\/api\/v1\/stream$/, (ws) => ws.close());
  await page.goto(`${server.url}/`);
  await page.fill('#username', 'quinn');
  await page.click('#signup-form button[type="submit"]');
  await page.waitForURL(/\/chat/);
  await waitForRoom(page, 'general');

  await send(pete.page, 'can you hear me, quinn?');
  await messageRow(page, 'can you hear me, quinn?').waitFor({ timeout: 30_000 });
  await send(page, 'loud and clear');
  await messageRow(pete.page, 'loud and clear').waitFor();
  await messageRow(page, 'loud and clear').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('after signing up, and after switching rooms by click or keyboard, typing goes to the message box', async () => {
  const sam = await signUp(browser, server.url, 'sam-focus');
  const { page } = sam;
  const focused = () => page.evaluate(() => document.activeElement?.id);
  assert.equal(await focused(), 'composer', 'after signing up');

  await page.click('#create-room-button');
  await page.fill('#create-room-name', 'focus-room');
  await page.click('#create-room-dialog button[type="submit"]');
  await waitForRoom(page, 'focus-room');
  assert.equal(await focused(), 'composer', 'after creating a room');

  await page.click('#public-rooms a:has-text("general")');
  await waitForRoom(page, 'general');
  assert.equal(await focused(), 'composer', 'after a click in the sidebar');

  await page.focus('#public-rooms a:has-text("focus-room")');
  await page.keyboard.press('Enter');
  await waitForRoom(page, 'focus-room');
  assert.equal(await focused(), 'composer', 'after Enter on a room link');

  await page.keyboard.press('Alt+ArrowUp');
  await waitForRoom(page, 'general');
  assert.equal(await focused(), 'composer', 'after Alt+Arrow');
  assert.deepEqual(sam.errors, []);
  await sam.context.close();
});

test('Ctrl+K also finds people to message and public rooms not joined yet', async () => {
  const xena = await signUp(browser, server.url, 'xena');
  const yara = await signUp(browser, server.url, 'yara');
  await xena.page.click('#create-room-button');
  await xena.page.fill('#create-room-name', 'zoo-talk');
  await xena.page.click('#create-room-dialog button[type="submit"]');
  await waitForRoom(xena.page, 'zoo-talk');

  const { page } = yara;
  await page.keyboard.press('Control+k');
  await page.keyboard.type('zoo');
  const join = page.locator('#switcher-list [role="option"]', { hasText: 'zoo-talk' });
  await join.waitFor();
  assert.match(await join.textContent(), /Join/);
  await page.keyboard.press('Enter');
  await waitForRoom(page, 'zoo-talk');
  assert.equal(await page.locator('#public-rooms a', { hasText: 'zoo-talk' }).count(), 1, 'joined');

  await page.keyboard.press('Control+k');
  await page.keyboard.type('xen');
  const person = page.locator('#switcher-list [role="option"]', { hasText: 'xena' });
  await person.waitFor();
  await page.keyboard.press('Enter');
  await waitForRoom(page, 'xena');
  assert.equal(await page.locator('#direct-rooms a', { hasText: 'xena' }).count(), 1);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'composer');
  assert.deepEqual(xena.errors, []);
  assert.deepEqual(yara.errors, []);
  await xena.context.close();
  await yara.context.close();
});

test('on a Mac the switcher hint says ⌘ K and Cmd+K opens it', async () => {
  const mac = await signUp(browser, server.url, 'mac-user');
  await mac.context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'platform', { get: () => 'MacIntel' }));
  await mac.page.reload();
  await waitForRoom(mac.page, 'general');
  assert.equal((await mac.page.locator('#switcher-button kbd').textContent()).trim(), '⌘ K');
  await mac.page.focus('#composer');
  await mac.page.keyboard.press('Meta+k');
  await mac.page.locator('#switcher-dialog[open]').waitFor();
  assert.equal((await olga.page.locator('#switcher-button kbd').textContent()).trim(), 'Ctrl K');
  await mac.context.close();
});
