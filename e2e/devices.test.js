// Signed-in devices and password reset links: from the user menu a person
// sees each browser they are signed in on and signs another one out, which
// leaves that tab at once (devices.js loads on first use, not with the
// chat page); an admin signs someone out everywhere, makes them a
// one-time link to choose a new password, names the server, and lets
// members make invite links.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, watchErrors, waitForChat } from './helpers.js';

// A signed-out tab's last requests are answered 401, and its stream's
// reconnect attempt is logged by the browser.
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

async function device(username, userAgent, { signUp = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, userAgent });
  const page = await context.newPage();
  const errors = watchErrors(page, SIGNED_OUT_NOISE);
  await page.goto(`${server.url}/`);
  if (signUp) {
    await page.fill('#username', username);
    await page.fill('#signup-password', PASSWORD);
    await page.click('#signup-form button[type="submit"]');
  } else {
    await page.fill('#signin-username', username);
    await page.fill('#signin-password', PASSWORD);
    await page.click('#signin-form button[type="submit"]');
  }
  await page.waitForURL(/\/chat/);
  await waitForChat(page);
  return { context, page, errors };
}

test('a person sees their signed-in browsers and signs the other one out', async () => {
  const laptop = await device('vera', 'Laptop browser (e2e)', { signUp: true });
  const phone = await device('vera', 'Phone browser (e2e)');
  const loaded = [];
  laptop.page.on('request', (r) => loaded.push(new URL(r.url()).pathname));

  await laptop.page.click('#user-menu-button');
  await laptop.page.click('#devices-button');
  const list = laptop.page.locator('#devices-list');
  const other = list.locator('li', { hasText: 'Phone browser (e2e)' });
  await other.waitFor();
  await list.locator('li', { hasText: '(you)' }).filter({ hasText: 'Laptop browser (e2e)' }).waitFor();
  assert.ok(loaded.some((p) => p.endsWith('/devices.js')), 'the list loads on first use');

  await other.getByRole('button', { name: 'Sign out' }).click();
  await other.waitFor({ state: 'detached' });
  assert.equal(await list.locator('li').count(), 1);
  // The phone's open tab is signed out without doing anything.
  await phone.page.waitForURL(`${server.url}/`, { timeout: 10_000 });
  assert.deepEqual(laptop.errors, []);
  await laptop.context.close();
  await phone.context.close();
});

test('an admin signs someone out everywhere from the admin page and their tab leaves at once', async () => {
  // vera made the server's first account: she is its admin.
  const admin = await device('vera', 'Laptop browser (e2e)');
  const walt = await device('walt', 'Walt browser (e2e)', { signUp: true });
  await admin.page.click('#user-menu-button');
  await admin.page.click('#admin-button');
  await admin.page.fill('#admin-search', 'walt');
  const row = admin.page.locator('#admin-people li[data-user="walt"]');
  await row.getByRole('button', { name: 'Sign out everywhere walt' }).click();
  await walt.page.waitForURL(`${server.url}/`, { timeout: 10_000 });
  await admin.page.locator('#admin-audit li', { hasText: 'sign_out_everywhere walt' }).waitFor();
  assert.deepEqual(admin.errors, []);
  await admin.context.close();
  await walt.context.close();
});

test('a password reset link from the admin page lets the person choose a new password and signs them in', async () => {
  const admin = await device('vera', 'Laptop browser (e2e)');
  await admin.page.click('#user-menu-button');
  await admin.page.click('#admin-button');
  await admin.page.fill('#admin-search', 'walt');
  const row = admin.page.locator('#admin-people li[data-user="walt"]');
  await row.getByRole('button', { name: 'Password reset link walt' }).click();
  const link = await row.locator('.admin-reset-link').inputValue();
  assert.match(link, /\/\?reset=/);

  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(link);
  await page.locator('#reset-heading', { hasText: 'Set a password' }).waitFor();
  await page.fill('#reset-password', 'battery staple');
  await page.fill('#reset-confirm', 'battery staple');
  await page.click('#reset-form button[type="submit"]');
  await page.waitForURL(/\/chat/);
  await waitForChat(page);
  // Used once: the same link now says so.
  await page.context().clearCookies();
  await page.goto(link);
  await page.fill('#reset-password', 'another one');
  await page.fill('#reset-confirm', 'another one');
  await page.click('#reset-form button[type="submit"]');
  await page.locator('#reset-error', { hasText: 'does not work' }).waitFor();
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
  await context.close();
  await admin.context.close();
});

test('the server name an admin gives shows in the sign-in page and the chat page titles', async () => {
  const admin = await device('vera', 'Laptop browser (e2e)');
  await admin.page.click('#user-menu-button');
  await admin.page.click('#admin-button');
  await admin.page.fill('#admin-server-name', 'Acme Chat');
  await admin.page.click('#admin-server-name-form button[type="submit"]');
  await admin.page.locator('#admin-audit li', { hasText: 'server_name Acme Chat' }).waitFor();

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  assert.equal(await page.title(), 'Acme Chat');
  assert.equal(await page.locator('h1').textContent(), 'Acme Chat');
  await admin.page.reload();
  await waitForChat(admin.page);
  await admin.page.waitForFunction(() => document.title.endsWith(' · Acme Chat'));
  assert.deepEqual(admin.errors, []);
  await context.close();
  await admin.context.close();
});

test('when the admin lets members invite, a member makes an invite link from the user menu', async () => {
  const admin = await device('vera', 'Laptop browser (e2e)');
  const member = await device('xena', 'Xena browser (e2e)', { signUp: true });
  await member.page.click('#user-menu-button');
  assert.equal(await member.page.locator('#invite-button').isHidden(), true);
  await member.page.keyboard.press('Escape');

  await admin.page.click('#user-menu-button');
  await admin.page.click('#admin-button');
  await admin.page.check('#admin-member-invites');
  await admin.page.locator('#admin-audit li', { hasText: 'member_invites on' }).waitFor();

  await member.page.reload();
  await waitForChat(member.page);
  await member.page.click('#user-menu-button');
  await member.page.click('#invite-button');
  await member.page.click('#invites-make');
  const link = member.page.locator('#invites-link');
  await link.waitFor();
  assert.match(await link.inputValue(), /\/\?invite=/);
  await member.page.locator('#invites-list li', { hasText: '0 of 5 used' }).waitFor();
  assert.deepEqual(member.errors, []);
  await admin.context.close();
  await member.context.close();
});
