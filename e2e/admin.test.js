// The admin page: the first account is the admin and sees it; a plain
// member does not. Deactivating someone signs them out at once; an
// invite-only server lets in only people with an invite link.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, waitForChat } from './helpers.js';

let server;
let browser;
let admin;
let bob;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  admin = await signUp(browser, server.url, 'boss');
  bob = await signUp(browser, server.url, 'bob');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('only the admin sees the admin page, and deactivating someone signs them out at once', async () => {
  await admin.page.click('#user-menu-button');
  await admin.page.locator('#admin-note').waitFor();
  await bob.page.click('#user-menu-button');
  assert.equal(await bob.page.locator('#admin-button').isHidden(), true);
  await bob.page.keyboard.press('Escape');

  await admin.page.click('#admin-button');
  await admin.page.fill('#admin-search', 'bo');
  const row = admin.page.locator('#admin-people li[data-user="bob"]');
  await row.waitFor();
  await row.getByRole('button', { name: 'Deactivate bob' }).click();
  await row.locator('.admin-tag--off').waitFor();
  // Bob's open page is signed out without doing anything.
  await bob.page.waitForURL((url) => !url.pathname.startsWith('/chat'), { timeout: 10000 });

  await row.getByRole('button', { name: 'Reactivate bob' }).click();
  await row.getByRole('button', { name: 'Deactivate bob' }).waitFor();
  assert.deepEqual(admin.errors, []);
});

test('an invite-only server lets in the person with the invite link', async () => {
  await admin.page.selectOption('#admin-sign-up-mode', 'invite-only');
  await admin.page.locator('#toast', { hasText: 'Sign-up setting saved.' }).waitFor();
  await admin.page.click('#admin-invite-form button[type="submit"]');
  const link = admin.page.locator('#admin-invite-link');
  await link.waitFor();
  const url = await link.inputValue();
  assert.match(url, /\/\?invite=/);
  await admin.page.locator('#admin-invites li', { hasText: '0 of 1 used' }).waitFor();

  // Without the link: refused with a sentence.
  const stranger = await browser.newContext();
  const page = await stranger.newPage();
  await page.goto(`${server.url}/`);
  await page.fill('#username', 'stranger');
  await page.click('#signup-form button[type="submit"]');
  await page.locator('#signup-error', { hasText: 'invite-only' }).waitFor();

  // With it: in.
  const guest = await browser.newContext();
  const guestPage = await guest.newPage();
  await guestPage.goto(url);
  await guestPage.fill('#username', 'carol');
  await guestPage.click('#signup-form button[type="submit"]');
  await guestPage.waitForURL(/\/chat/);
  await waitForChat(guestPage);
  await stranger.close();
  await guest.close();
});

test('the owner bans someone from the members dialog and the admin sees it in the audit log', async () => {
  const made = await admin.page.evaluate(async () => {
    const r = await fetch('/api/v1/rooms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'court', kind: 'public' }) });
    return (await r.json()).room.id;
  });
  // The last test left sign-up invite-only.
  await admin.page.evaluate(() =>
    fetch('/api/v1/admin/sign-up', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sign_up_mode: 'open' }) }),
  );
  const troll = await signUp(browser, server.url, 'troll');
  await troll.page.evaluate((id) => fetch(`/api/v1/rooms/${id}/join`, { method: 'POST' }), made);
  await admin.page.keyboard.press('Escape');
  await admin.page.goto(`${server.url}/chat#room=${made}`);
  await admin.page.waitForFunction(() => document.querySelector('#room-title')?.textContent === 'court');
  await admin.page.click('#room-facts');
  await admin.page.getByRole('button', { name: 'Ban troll' }).click();
  await admin.page.locator('#members-list .member', { hasText: 'troll' }).waitFor({ state: 'detached' });
  await admin.page.keyboard.press('Escape');
  await admin.page.click('#user-menu-button');
  await admin.page.click('#admin-button');
  await admin.page.locator('#admin-audit li', { hasText: 'boss: ban troll' }).waitFor();
  assert.deepEqual(admin.errors, []);
});
