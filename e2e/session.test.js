// A session that ends elsewhere (sign out everywhere, a password change):
// the tab left behind stops at once, says so on the sign-in page, and
// never sends on its own what was written in it — the next sign-in asks.
// Two browser contexts are two devices of the same person.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, send, messageRow, watchErrors, waitForChat } from './helpers.js';

// A signed-out tab's last requests are answered 401, and a reconnect
// attempt to a stream that refuses it is logged by the browser.
const SIGNED_OUT_NOISE = [/status of 401/, /WebSocket connection to .* failed/, /ERR_INTERNET_DISCONNECTED/];
const PASSWORD = 'correct horse';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// A device (browser context) on the chat page as `username`.
async function device(username, { signUp = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchErrors(page, SIGNED_OUT_NOISE);
  page.on('dialog', (d) => d.accept());
  await page.goto(`${server.url}/`);
  if (signUp) {
    await page.fill('#username', username);
    await page.fill('#signup-password', PASSWORD);
    await page.click('#signup-form button[type="submit"]');
  } else {
    await signIn(page, username);
  }
  await page.waitForURL(/\/chat/);
  await waitForChat(page);
  return { context, page, errors };
}

async function signIn(page, username) {
  await page.fill('#signin-username', username);
  await page.fill('#signin-password', PASSWORD);
  await page.click('#signin-form button[type="submit"]');
}

const bodies = async (page) => {
  const { messages } = await page.evaluate(async () => (await fetch('/api/v1/rooms/1/messages')).json());
  return messages.map((m) => m.body);
};

test('a tab signed out everywhere from another device stops, says so and goes to the sign-in page', async () => {
  const laptop = await device('uma', { signUp: true });
  const phone = await device('uma');

  await phone.page.click('#user-menu-button');
  await phone.page.click('#sign-out-all-button');
  await phone.page.waitForURL(`${server.url}/`);
  await phone.page.locator('#welcome-notice', { hasText: 'signed out on every browser and device' }).waitFor();

  // The laptop was not asked: it notices, and leaves for the sign-in page
  // with the reason and its username ready.
  await laptop.page.waitForURL(`${server.url}/`, { timeout: 10_000 });
  await laptop.page.locator('#welcome-notice', { hasText: 'You were signed out' }).waitFor();
  assert.equal(await laptop.page.inputValue('#signin-username'), 'uma');
  assert.equal(await laptop.page.evaluate(() => document.activeElement.id), 'signin-password');
  assert.deepEqual(laptop.errors, []);
  assert.deepEqual(phone.errors, []);
  await laptop.context.close();
  await phone.context.close();
});

test('what was written in a tab before its session ended is not sent until the next sign-in says so', async () => {
  const laptop = await device('vic', { signUp: true });
  const phone = await device('vic');

  // Written on the laptop while it is offline: it waits in the outbox.
  await laptop.context.setOffline(true);
  await send(laptop.page, 'written before the sign-out');
  await laptop.page.locator('#messages .msg--pending', { hasText: 'written before the sign-out' }).waitFor();

  // Meanwhile the password is changed on the phone: every other session ends.
  await phone.page.evaluate(
    (password) =>
      fetch('/api/v1/me/password', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ current_password: password, new_password: 'battery staple' }),
      }),
    PASSWORD,
  );

  // Back online, the laptop finds its session gone: it stops and leaves,
  // sending nothing.
  await laptop.context.setOffline(false);
  await laptop.page.waitForURL(`${server.url}/`, { timeout: 15_000 });
  await laptop.page.locator('#welcome-notice', { hasText: 'You were signed out' }).waitFor();
  assert.ok(!(await bodies(phone.page)).includes('written before the sign-out'), 'not sent when the tab noticed');

  // Signing in again on the laptop asks before anything goes out.
  await laptop.page.fill('#signin-username', 'vic');
  await laptop.page.fill('#signin-password', 'battery staple');
  await laptop.page.click('#signin-form button[type="submit"]');
  await laptop.page.waitForURL(/\/chat/);
  const held = laptop.page.locator('#held-dialog[open]');
  await held.waitFor();
  assert.match(await held.textContent(), /written before the sign-out/);
  assert.ok(!(await bodies(phone.page)).includes('written before the sign-out'), 'still not sent while asking');
  // In its room too, with the same choice.
  await laptop.page.locator('#messages .msg--held', { hasText: 'written before the sign-out' }).waitFor();

  await held.locator('[data-held="send"]').click();
  await messageRow(laptop.page, 'written before the sign-out').waitFor();
  await messageRow(phone.page, 'written before the sign-out').waitFor();
  assert.equal((await bodies(phone.page)).filter((b) => b === 'written before the sign-out').length, 1);
  assert.deepEqual(laptop.errors, []);
  assert.deepEqual(phone.errors, []);
  await laptop.context.close();
  await phone.context.close();
});

test('signing out here says so and leaves nothing of what was written behind in the browser', async () => {
  const { page, context, errors } = await device('wes', { signUp: true });
  await page.fill('#composer', 'a draft on a shared computer');
  await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('natter.draft.')));
  await page.click('#user-menu-button');
  await page.click('#sign-out-button');
  await page.waitForURL(`${server.url}/`);
  await page.locator('#welcome-notice', { hasText: 'You’re signed out.' }).waitFor();
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => /^natter\.(outbox|draft)\./.test(k)));
  assert.deepEqual(left, []);
  assert.deepEqual(errors, []);
  await context.close();
});
