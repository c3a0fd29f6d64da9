// Accessibility: axe-core (pinned in package.json) finds no serious or
// critical violation on the welcome page, the chat page in light and dark,
// every dialog and menu, and the phone layout; and a whole journey works
// with the keyboard alone. Each screen is also saved as a screenshot.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, signUp, send, messageRow, waitForRoom, waitForChat, watchErrors, screenshotPath, pasteImage } from './helpers.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

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

// Runs axe on the page as it is now (evaluated through the DevTools
// protocol, which the page's CSP does not apply to) and returns the
// serious and critical violations, one readable line each.
async function audit(page, name) {
  await page.screenshot({ path: screenshotPath(`a11y-${name}.png`) });
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  });
  return violations.map((v) => `${name}: ${v}`);
}

test('axe finds no serious or critical problem on any screen, dialog or menu', async () => {
  const found = [];
  // Welcome, light and dark.
  const guest = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const welcome = await guest.newPage();
  await welcome.goto(`${server.url}/`);
  await welcome.locator('h1').waitFor();
  found.push(...(await audit(welcome, 'welcome')));
  await welcome.emulateMedia({ colorScheme: 'dark' });
  found.push(...(await audit(welcome, 'welcome-dark')));
  await guest.close();

  const { page, context, errors } = await signUp(browser, server.url, 'ada');
  const other = await signUp(browser, server.url, 'ben');
  await send(other.page, 'Hello **Ada**, see `main.rs` and https://example.com');
  await send(page, 'Thanks!\n> quoted\n```\ncode block\n```');
  await messageRow(page, 'Thanks!').waitFor();
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    found.push(...(await audit(page, `chat-${scheme}`)));
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // Each dialog and menu, opened as a person would.
  const screens = [
    ['switcher', () => page.keyboard.press('Control+k'), '#switcher-dialog[open]'],
    ['create-room', () => page.click('#create-room-button'), '#create-room-dialog[open]'],
    ['browse', () => page.click('#browse-button'), '#browse-dialog[open] .browse-item'],
    ['new-message', () => page.click('#new-dm-plus'), '#dm-dialog[open]'],
    ['members', () => page.click('#room-facts'), '#members-dialog[open] .member'],
    ['password', () => page.click('#user-menu-button').then(() => page.click('#set-password-button')), '#password-dialog[open]'],
    ['user-menu', () => page.click('#user-menu-button'), '#user-menu:not([hidden])'],
    ['room-menu', () => page.click('#room-menu-button'), '#room-menu:not([hidden])'],
    ['pins', () => page.click('#room-menu-button').then(() => page.click('#pins-button')), '#pins-dialog[open] li'],
    ['saved', () => page.click('#room-menu-button').then(() => page.click('#saved-button')), '#saved-dialog[open] li'],
    // ada is the server's first account: its admin.
    ['admin', () => page.click('#user-menu-button').then(() => page.click('#admin-button')), '#admin-dialog[open] #admin-people li'],
    ['disappearing', () => page.click('#room-menu-button').then(() => page.click('#disappearing-button')), '#disappearing-dialog[open]'],
    ['search', () => page.click('#search-button'), '#search-dialog[open]'],
    ['notification-level', () => page.click('#room-menu-button').then(() => page.click('#level-button')), '#level-dialog[open]'],
    ['room-settings', () => page.click('#room-menu-button').then(() => page.click('#room-settings-button')), '#room-settings-dialog[open]'],
    ['do-not-disturb', () => page.click('#user-menu-button').then(() => page.click('#dnd-button')), '#dnd-dialog[open]'],
    ['status', () => page.click('#user-menu-button').then(() => page.click('#status-button')), '#status-dialog[open]'],
    ['invites', () => page.click('#user-menu-button').then(() => page.click('#invite-button')), '#invites-dialog[open]'],
    ['devices', () => page.click('#user-menu-button').then(() => page.click('#devices-button')), '#devices-dialog[open] li'],
    ['integrations', () => page.click('#room-menu-button').then(() => page.click('#room-integrations-button')), '#integrations-dialog[open] #token-rooms label'],
    ['slash-commands', () => page.fill('#composer', '/'), '#slash-complete [role="option"]'],
  ];
  for (const [name, open, ready] of screens) {
    await open();
    await page.locator(ready).first().waitFor();
    found.push(...(await audit(page, name)));
    await page.keyboard.press('Escape');
  }
  const own = messageRow(page, 'Thanks!');
  await own.hover();
  await own.locator('.msg__actions').click();
  await page.locator('#message-menu:not([hidden])').waitFor();
  found.push(...(await audit(page, 'message-menu')));
  await page.keyboard.press('Escape');

  // The side panel: a thread, then the mentions inbox.
  await own.hover();
  await own.locator('.msg__actions').click();
  await page.click('#message-menu [data-action="reply"]');
  await page.locator('#side-panel:not([hidden]) textarea').first().waitFor();
  found.push(...(await audit(page, 'thread-panel')));
  await page.click('#side-panel .side-panel__close');
  await page.click('#mentions-button');
  await page.locator('#side-panel:not([hidden]) #side-panel-title').waitFor();
  found.push(...(await audit(page, 'mentions-inbox')));
  await page.click('#side-panel .side-panel__close');

  // An image's lightbox.
  await pasteImage(page);
  await page.locator('#attach-tray .attach--done').waitFor();
  await page.fill('#composer', 'a picture');
  await page.press('#composer', 'Enter');
  await messageRow(page, 'a picture').locator('.msg__image-button').click();
  await page.locator('#lightbox').waitFor({ state: 'visible' });
  found.push(...(await audit(page, 'lightbox')));
  await page.keyboard.press('Escape');

  // The emoji picker, a row of reactions, and :shortcode: completion.
  await own.hover();
  await own.locator('.msg__actions').click();
  await page.click('#message-menu [data-action="react"]');
  await page.locator('#emoji-grid [role="option"]').first().waitFor();
  found.push(...(await audit(page, 'emoji-picker')));
  await page.keyboard.press('Enter');
  await own.locator('.reaction').first().waitFor();
  await page.click('#composer');
  await page.keyboard.type(':smil');
  await page.locator('#emoji-complete [role="option"]').first().waitFor();
  found.push(...(await audit(page, 'reactions-and-completion')));
  await page.keyboard.press('Escape');
  await page.fill('#composer', '');

  // Messages held from a session that ended, asked about on sign-in.
  await page.evaluate(() => {
    const me = localStorage.getItem('natter.lastUser');
    const held = [{ room_id: 1, client_id: 'held-1', body: 'written before', created_at: new Date().toISOString(), status: 'held', error: null }];
    localStorage.setItem(`natter.outbox.${me}`, JSON.stringify(held));
  });
  await page.reload();
  await page.locator('#held-dialog[open]').waitFor();
  found.push(...(await audit(page, 'held')));
  await page.click('[data-held="discard"]');

  // The phone layout, and its drawer.
  const phone = await signUp(browser, server.url, 'cy', { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  await messageRow(phone.page, 'Thanks!').waitFor();
  found.push(...(await audit(phone.page, 'phone')));
  await phone.page.locator('#sidebar-toggle').tap();
  await phone.page.$eval('#sidebar', (el) => Promise.all(el.getAnimations().map((a) => a.finished)));
  found.push(...(await audit(phone.page, 'phone-drawer')));

  assert.deepEqual(found, []);
  assert.deepEqual(errors, []);
  assert.deepEqual(phone.errors, []);
  await context.close();
  await other.context.close();
  await phone.context.close();
});

// Presses Tab (or Shift+Tab) until `selector` has the focus.
async function tabTo(page, selector, { back = false, most = 80 } = {}) {
  for (let i = 0; i < most; i += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`${selector} is not reachable with ${back ? 'Shift+Tab' : 'Tab'}`);
}

const focused = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.className);

test('a whole journey works with the keyboard alone', async () => {
  await signUp(browser, server.url, 'lou').then(({ context }) => context.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  // Confirmations are the browser's own dialogs; Enter would accept them.
  page.on('dialog', (d) => d.accept());
  const keys = page.keyboard;

  // Sign up: the name field has the focus, Enter submits.
  await page.goto(`${server.url}/`);
  await keys.type('kit');
  await keys.press('Enter');
  await page.waitForURL(/\/chat/);
  await waitForChat(page);
  assert.equal(await focused(page), 'composer');

  // Write, then edit it with Up.
  await keys.type('hello from the keyboard');
  await keys.press('Enter');
  await messageRow(page, 'hello from the keyboard').waitFor();
  await keys.press('ArrowUp');
  await page.locator('.msg__edit-input').waitFor();
  await keys.press('End');
  await keys.type(', edited');
  await keys.press('Enter');
  await messageRow(page, 'hello from the keyboard, edited').locator('.msg__edited').waitFor();
  assert.equal(await focused(page), 'composer');

  // The message's menu: back from the message box to its ⋯ button.
  await tabTo(page, '.msg__actions', { back: true });
  await keys.press('Enter');
  await page.locator('#message-menu:not([hidden])').waitFor();
  // Delete is the last but one item (Reply in thread is last): Up from
  // the first wraps round to Reply, and once more is Delete.
  await keys.press('ArrowUp');
  await keys.press('ArrowUp');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.action), 'delete');
  await keys.press('Enter');
  await page.locator('.msg__body--deleted').waitFor();

  // A new room, from the sidebar's "+".
  await tabTo(page, '#create-room-button');
  await keys.press('Enter');
  await page.locator('#create-room-dialog[open]').waitFor();
  await keys.type('keys');
  await keys.press('Enter');
  await waitForRoom(page, 'keys');
  assert.equal(await focused(page), 'composer');

  // Back to general with Ctrl+K.
  await keys.press('Control+k');
  await keys.type('gen');
  await keys.press('Enter');
  await waitForRoom(page, 'general');

  // Who is here: the header's counts open the members.
  await tabTo(page, '#room-facts', { back: true });
  await keys.press('Enter');
  await page.locator('#members-dialog[open] .member').first().waitFor();
  await keys.press('Escape');

  // A direct message, from "+" beside Direct messages.
  await tabTo(page, '#new-dm-plus');
  await keys.press('Enter');
  await keys.type('lou');
  await keys.press('Enter');
  await waitForRoom(page, 'lou');

  // The dark theme, from the user menu.
  await tabTo(page, '#user-menu-button');
  await keys.press('Enter');
  await tabTo(page, '[data-theme-choice="dark"]');
  await keys.press('Enter');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  await keys.press('Escape');

  // And out.
  await tabTo(page, '#user-menu-button');
  await keys.press('Enter');
  await tabTo(page, '#sign-out-button');
  await keys.press('Enter');
  await page.waitForURL(`${server.url}/`);
  await page.locator('#welcome-notice', { hasText: 'signed out' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});
