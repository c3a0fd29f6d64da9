// How the client reads: the welcome page's fold, error toasts in the dark
// theme, the composer over the length limit, the avatar palette, and the
// reader's own language and clock.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, watchErrors, waitForChat } from './helpers.js';

let server;
let browser;

before(async () => {
  // A short limit, so "over the limit" is quick to type.
  server = await startServer({ extra: ['--max-message-chars', '100'] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// WCAG contrast of two computed colours ("rgb(r, g, b)").
function contrast(a, b) {
  const lum = (rgb) => {
    const [r, g, bl] = rgb
      .match(/[\d.]+/g)
      .slice(0, 3)
      .map((v) => {
        const c = Number(v) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

test('both ways in are above the fold of a 1280×800 screen', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/`);
  for (const button of ['#signup-form button[type="submit"]', '#signin-form button[type="submit"]']) {
    const box = await page.locator(button).boundingBox();
    assert.ok(box.y + box.height <= 800, `${button} ends at ${box.y + box.height}px`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('an error toast is readable in the dark theme and covers neither the newest message nor the composer', async () => {
  const { page, errors, context } = await signUp(browser, server.url, 'nina');
  await page.emulateMedia({ colorScheme: 'dark' });
  await send(page, 'the newest message');
  await messageRow(page, 'the newest message').waitFor();
  // An address of a room that does not exist gives an error toast.
  await page.evaluate(() => {
    location.hash = 'room=9999';
  });
  const toast = page.locator('#toast.toast--error.toast--visible');
  await toast.waitFor();
  await page.waitForFunction(() => getComputedStyle(document.querySelector('#toast')).opacity === '1');
  // The page goes back to its default room after the error: measure once
  // that room's newest message is shown again.
  await messageRow(page, 'the newest message').waitFor();
  const look = await page.evaluate(() => {
    const el = document.querySelector('#toast');
    const style = getComputedStyle(el);
    const rect = (sel) => document.querySelector(sel).getBoundingClientRect().toJSON();
    return {
      color: style.color,
      background: style.backgroundColor,
      toast: rect('#toast'),
      newest: [...document.querySelectorAll('#messages .msg')].at(-1).getBoundingClientRect().toJSON(),
      composer: rect('#composer-form'),
    };
  });
  const ratio = contrast(look.color, look.background);
  assert.ok(ratio >= 4.5, `error toast contrast ${ratio.toFixed(2)}:1 (${look.color} on ${look.background})`);
  assert.equal(overlaps(look.toast, look.newest), false, 'the toast covers the newest message');
  assert.equal(overlaps(look.toast, look.composer), false, 'the toast covers the composer');
  assert.deepEqual(errors.filter((e) => !/404/.test(e)), []);
  await context.close();
});

test('over the length limit the composer says by how much and stays calm', async () => {
  const { page, errors, context } = await signUp(browser, server.url, 'otto');
  const normal = await page.$eval('#composer', (el) => getComputedStyle(el).color);
  const long = Array.from({ length: 30 }, (_, i) => `line ${i} of a long message`).join('\n');
  await page.fill('#composer', long);
  const over = [...long].length - 100;
  assert.equal(await page.textContent('#composer-count'), `${over} characters over the limit of 100`);
  assert.equal(await page.isDisabled('#send'), true);
  // The text is the person's, not an error: same colour, and the box grows
  // to a few lines, not half the screen.
  assert.equal(await page.$eval('#composer', (el) => getComputedStyle(el).color), normal);
  const height = (await page.locator('.composer__box').boundingBox()).height;
  assert.ok(height <= 800 * 0.3, `the composer is ${height}px tall`);
  await page.fill('#composer', 'short again');
  assert.equal(await page.isVisible('#composer-count'), false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('avatars come in colours that never look disabled, each readable with white initials', async () => {
  const { page, errors, context } = await signUp(browser, server.url, 'pia');
  const palette = await page.evaluate(() => {
    const style = getComputedStyle(document.documentElement);
    return Array.from({ length: 8 }, (_, i) => style.getPropertyValue(`--avatar-${i}`).trim());
  });
  for (const hex of palette) {
    assert.match(hex, /^#[0-9a-f]{6}$/i);
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const saturation = max === 0 ? 0 : (max - min) / (1 - Math.abs(max + min - 1));
    assert.ok(saturation >= 0.4, `${hex} is greyish (saturation ${saturation.toFixed(2)})`);
    const ratio = contrast('rgb(255, 255, 255)', `rgb(${r * 255}, ${g * 255}, ${b * 255})`);
    assert.ok(ratio >= 4.5, `white on ${hex} is ${ratio.toFixed(2)}:1`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('a German browser gets the German client, with its own date and 24-hour clock', async () => {
  const context = await browser.newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/`);
  // The texts are filled in once the German catalogue (its parts) has
  // loaded, which may end after the page's load event.
  const start = page.locator('#signup-form button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#signup-form button[type="submit"]').textContent !== '');
  assert.equal(await start.textContent(), 'Loslegen');
  await page.fill('#username', 'quirin');
  await page.click('#signup-form button[type="submit"]');
  await page.waitForURL(/\/chat/);
  await waitForChat(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'de');
  assert.equal(await page.getAttribute('#composer', 'placeholder'), 'Nachricht an #general');
  await send(page, 'Guten Morgen');
  const row = messageRow(page, 'Guten Morgen');
  await row.waitFor();
  assert.match(await row.locator('.msg__time').textContent(), /^\d{1,2}:\d{2}$/);
  assert.equal(await page.textContent('#messages .day-separator'), 'Heute');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an American browser gets a 12-hour clock, a British one a 24-hour clock', async () => {
  for (const [locale, clock] of [
    ['en-US', /^\d{1,2}:\d{2}\s?(AM|PM)$/],
    ['en-GB', /^\d{1,2}:\d{2}$/],
  ]) {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}/`);
    await page.fill('#username', `clock-${locale}`);
    await page.click('#signup-form button[type="submit"]');
    await page.waitForURL(/\/chat/);
    await waitForChat(page);
    await send(page, `a time for ${locale}`);
    const row = messageRow(page, `a time for ${locale}`);
    await row.waitFor();
    assert.match(await row.locator('.msg__time').textContent(), clock, locale);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.deepEqual(errors, []);
    await context.close();
  }
});
