// Message text is shown safely: markup in a message is text, unsafe link
// targets stay inert, and the Markdown subset renders as formatting.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow } from './helpers.js';

let server;
let browser;
let gina;
let hugo;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  gina = await signUp(browser, server.url, 'gina');
  hugo = await signUp(browser, server.url, 'hugo');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a message holding HTML and a javascript: link renders inert, as visible text', async () => {
  let dialogs = 0;
  for (const { page } of [gina, hugo]) page.on('dialog', (d) => {
    dialogs += 1;
    d.dismiss();
  });
  const evil = '<img src=x onerror=alert(1)> and [x](javascript:alert(1))';
  await send(gina.page, evil);

  for (const { page } of [gina, hugo]) {
    const row = messageRow(page, 'onerror');
    await row.waitFor();
    assert.equal(await row.locator('.msg__body').innerText(), evil);
    assert.equal(await page.locator('#messages img').count(), 0);
    assert.equal(await page.locator('a[href^="javascript:" i]').count(), 0);
    assert.equal(await row.locator('a').count(), 0);
  }
  assert.equal(dialogs, 0);
  assert.deepEqual(gina.errors, []);
  assert.deepEqual(hugo.errors, []);
});

test('Markdown renders bold, code, quotes, code blocks and safe links', async () => {
  await gina.page.fill(
    '#composer',
    '**bold** and `code` and *it* see https://example.com/docs.\n> quoted\n```\nlet x = 1;\n```\n[site](https://example.org)',
  );
  await gina.page.press('#composer', 'Enter');

  const body = messageRow(hugo.page, 'quoted').locator('.msg__body');
  await body.waitFor();
  assert.equal(await body.locator('strong').textContent(), 'bold');
  assert.equal(await body.locator('em').textContent(), 'it');
  assert.equal(await body.locator('code').first().textContent(), 'code');
  assert.equal(await body.locator('blockquote').textContent(), 'quoted');
  assert.equal(await body.locator('pre code').textContent(), 'let x = 1;');

  const bare = body.locator('a', { hasText: 'https://example.com/docs' });
  assert.equal(await bare.getAttribute('href'), 'https://example.com/docs');
  assert.equal(await bare.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await bare.getAttribute('target'), '_blank');
  const named = body.locator('a', { hasText: 'site' });
  assert.equal(await named.getAttribute('href'), 'https://example.org/');

  // Nothing but the allowed elements came out of the text.
  const tags = await body.evaluate((el) => [...el.querySelectorAll('*')].map((n) => n.tagName.toLowerCase()));
  const allowed = new Set(['strong', 'em', 'code', 'pre', 'blockquote', 'a', 'br']);
  assert.deepEqual(tags.filter((t) => !allowed.has(t)), []);
  assert.deepEqual(gina.errors, []);
  assert.deepEqual(hugo.errors, []);
});
