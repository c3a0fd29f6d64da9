// Themes, the welcome page's inline errors, and screenshots of both pages
// at desktop and phone widths (saved to test-artifacts/screenshots/).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, watchErrors, screenshotPath, waitForChat } from './helpers.js';

// Until the server has PUT /api/v1/me/preferences, the browser logs its 404;
// the client tolerates it and keeps the choice locally.
const NO_PREFERENCES_YET = [/status of 404 .*\/api\/v1\/me\/preferences/];

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

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

const luminance = (rgb) => {
  const [r, g, b] = rgb.match(/\d+/g).map(Number);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const bodyBackground = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test('choosing the dark theme darkens the page and survives a reload', async () => {
  const { page, errors, context } = await signUp(browser, server.url, 'lena', { allow: NO_PREFERENCES_YET });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.click('#user-menu-button');
  await page.click('[data-theme-choice="dark"]');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  assert.ok(luminance(await bodyBackground(page)) < 60, 'dark background');

  await page.reload();
  await waitForChat(page);
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  assert.ok(luminance(await bodyBackground(page)) < 60, 'still dark after reload');

  // "System" follows the operating system again.
  await page.click('#user-menu-button');
  await page.click('[data-theme-choice="system"]');
  assert.equal(await page.getAttribute('html', 'data-theme'), null);
  assert.ok(luminance(await bodyBackground(page)) > 200, 'light, like the system');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the welcome page shows clear inline errors and keeps what was typed', async () => {
  await signUp(browser, server.url, 'taken-name').then(({ context }) => context.close());
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  // A taken name and a wrong password are answered 409 and 401.
  const errors = watchErrors(page, [/status of (409|401)/]);
  await page.goto(`${server.url}/`);

  await page.click('#signup-form button[type="submit"]');
  assert.equal(await page.textContent('#signup-error'), 'Username is empty');

  await page.fill('#username', 'taken-name');
  await page.click('#signup-form button[type="submit"]');
  await page.locator('#signup-error', { hasText: 'Username is taken' }).waitFor();
  assert.equal(await page.inputValue('#username'), 'taken-name');

  await page.fill('#signin-username', 'taken-name');
  await page.fill('#signin-password', 'not-the-password');
  await page.click('#signin-form button[type="submit"]');
  await page.locator('#signin-error', { hasText: 'Wrong username or password.' }).waitFor();
  assert.equal(await page.inputValue('#signin-username'), 'taken-name');
  assert.equal(await page.inputValue('#signin-password'), 'not-the-password');

  await page.screenshot({ path: screenshotPath('welcome-desktop.png'), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: screenshotPath('welcome-phone.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the chat page lays out at desktop and phone widths', async () => {
  const mia = await signUp(browser, server.url, 'mia', { allow: NO_PREFERENCES_YET });
  const ned = await signUp(browser, server.url, 'ned', { viewport: PHONE });
  await send(mia.page, 'Morning! The **release** is out: https://example.com/notes');
  await send(ned.page, 'Great, checking `v1.2` now');
  await send(mia.page, '> is the changelog done?\nYes, and the docs too.');
  await messageRow(ned.page, 'changelog').waitFor();
  await messageRow(mia.page, 'changelog').waitFor();

  await mia.page.screenshot({ path: screenshotPath('chat-desktop.png') });
  await ned.page.screenshot({ path: screenshotPath('chat-phone.png') });
  // On a phone the room list is a drawer behind the menu button.
  assert.equal(await ned.page.isVisible('#sidebar-toggle'), true);
  await ned.page.click('#sidebar-toggle');
  await ned.page.locator('#sidebar a', { hasText: 'general' }).waitFor();
  // Let the slide-in finish for the picture.
  await ned.page.$eval('#sidebar', (el) => Promise.all(el.getAnimations().map((a) => a.finished)));
  await ned.page.screenshot({ path: screenshotPath('chat-phone-drawer.png') });
  // Nothing is wider than the phone.
  const overflow = await ned.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);

  await mia.page.click('#user-menu-button');
  await mia.page.click('[data-theme-choice="dark"]');
  await mia.page.keyboard.press('Escape');
  await mia.page.screenshot({ path: screenshotPath('chat-desktop-dark.png') });
  assert.deepEqual(mia.errors, []);
  assert.deepEqual(ned.errors, []);
});
