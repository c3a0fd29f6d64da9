// A phone: no hover, fingers instead of a pointer. The message actions
// open from the message itself (tap or long press), every target is at
// least 44 px, the drawer shows no keyboard hints and taps do not flash.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow } from './helpers.js';

const PHONE = { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true };
const MIN_TARGET = 44;

let server;
let browser;
let rita;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  rita = await signUp(browser, server.url, 'rita', PHONE);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('on a touch screen a tap on a message opens its menu, and no ⋯ button covers the text', async () => {
  const { page } = rita;
  await send(page, 'a message with `code` in it');
  const row = messageRow(page, 'a message with');
  await row.waitFor();
  assert.equal(await row.locator('.msg__actions').isVisible(), false, 'no ⋯ button over the text');

  await row.locator('.msg__body').tap();
  const menu = page.locator('#message-menu');
  await menu.waitFor();
  for (const item of await menu.locator('[data-action]:visible').all()) {
    const box = await item.boundingBox();
    assert.ok(box.height >= MIN_TARGET, `${await item.textContent()} is ${box.height}px tall`);
  }
  assert.deepEqual(await menu.locator('[data-action]:visible').allTextContents(), ['Copy link', 'Add reaction', 'Pin to room', 'Save for later', 'Edit', 'Delete', 'Reply in thread']);
  await page.locator('#composer').tap();
  await menu.waitFor({ state: 'hidden' });
  assert.deepEqual(rita.errors, []);
});

test('a long press on a message opens its menu instead of the browser\'s', async () => {
  const { page } = rita;
  await send(page, 'hold me down');
  const body = messageRow(page, 'hold me down').locator('.msg__body');
  // What a touch browser fires when a finger rests on the text.
  const prevented = await body.evaluate((el) => !el.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true })));
  assert.ok(prevented, "the browser's own menu is not shown");
  const menu = page.locator('#message-menu');
  await menu.waitFor();
  assert.ok((await menu.locator('[data-action]:visible').allTextContents()).includes('Reply in thread'));
  await page.locator('#composer').tap();
  await menu.waitFor({ state: 'hidden' });
});

test('every control of the phone layout is a finger-sized target', async () => {
  const { page } = rita;
  const small = await page.evaluate((min) => {
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    };
    return [...document.querySelectorAll('.topbar button, .composer button, #messages button')]
      .filter(visible)
      .map((el) => ({ id: el.id || el.className, ...el.getBoundingClientRect().toJSON() }))
      .filter((r) => r.height < min || r.width < min)
      .map((r) => `${r.id} ${r.width}x${r.height}`);
  }, MIN_TARGET);
  assert.deepEqual(small, []);
  // Taps give no grey flash over what was tapped.
  const flash = await page.$eval('a, button', (el) => getComputedStyle(el).webkitTapHighlightColor);
  assert.equal(flash, 'rgba(0, 0, 0, 0)');
  assert.deepEqual(rita.errors, []);
});

test('the phone drawer has finger-sized rooms and actions and no keyboard hints', async () => {
  const { page } = rita;
  await page.locator('#sidebar-toggle').tap();
  await page.locator('#sidebar a', { hasText: 'general' }).waitFor();
  await page.$eval('#sidebar', (el) => Promise.all(el.getAnimations().map((a) => a.finished)));
  assert.equal(await page.locator('#switcher-button kbd').isVisible(), false, 'no "Ctrl K" on a phone');
  for (const target of ['#switcher-button', '#sidebar a', '#browse-button', '#new-dm-button', '#create-room-button', '#sidebar-close']) {
    const box = await page.locator(target).first().boundingBox();
    assert.ok(box.height >= MIN_TARGET, `${target} is ${box.height}px tall`);
  }
  await page.locator('#sidebar-close').tap();
  assert.deepEqual(rita.errors, []);
});
