// Attachments and search in the browser: a pasted image uploads, shows as
// a preview of known size in another member's timeline and opens in the
// lightbox; a picked file downloads under its name; a search result opens
// its room at that message.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, messageRow, pasteImage } from './helpers.js';

let server;
let browser;
let alice;
let bob;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  alice = await signUp(browser, server.url, 'alice');
  bob = await signUp(browser, server.url, 'bob');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a pasted image shows as a preview of known size for others and opens in the lightbox', async () => {
  await pasteImage(alice.page);
  await alice.page.locator('#attach-tray .attach--done').waitFor();
  await alice.page.fill('#composer', 'our new logo');
  await alice.page.press('#composer', 'Enter');

  const row = messageRow(bob.page, 'our new logo');
  const image = row.locator('img.msg__image');
  await image.waitFor();
  // The size is in the markup before the image loads: no layout jump.
  assert.equal(await image.getAttribute('width'), '300');
  assert.equal(await image.getAttribute('height'), '200');
  await bob.page.waitForFunction(
    () => [...document.querySelectorAll('img.msg__image')].some((i) => i.complete && i.naturalWidth === 300),
  );

  await row.locator('.msg__image-button').click();
  const lightbox = bob.page.locator('#lightbox');
  await lightbox.waitFor({ state: 'visible' });
  await bob.page.waitForFunction(() => {
    const img = document.querySelector('#lightbox img');
    return img.complete && img.naturalWidth === 300;
  });
  await bob.page.keyboard.press('Escape');
  await lightbox.waitFor({ state: 'hidden' });
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('a picked file is sent as a link that downloads it under its name', async () => {
  await alice.page.setInputFiles('#attach-input', {
    name: 'minutes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('decided: ship on friday\n'),
  });
  await alice.page.locator('#attach-tray .attach--done').waitFor();
  await alice.page.press('#composer', 'Enter');

  const link = bob.page.locator('#messages a.msg__download', { hasText: 'minutes.txt' });
  await link.waitFor();
  const [download] = await Promise.all([bob.page.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), 'minutes.txt');
  const stream = await download.createReadStream();
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.equal(Buffer.concat(chunks).toString(), 'decided: ship on friday\n');
  assert.deepEqual(bob.errors, []);
});

test('a search result opens its room at that message', async () => {
  // Enough history that the message is far above the newest page.
  await alice.page.evaluate(async () => {
    const say = (body) =>
      fetch('/api/v1/rooms/1/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ body, client_id: crypto.randomUUID() }),
      });
    await say('the quarterly flamingo budget is approved');
    for (let i = 0; i < 80; i += 1) await say(`filler message ${i}`);
  });
  await messageRow(bob.page, 'filler message 79').waitFor();

  await bob.page.click('#search-button');
  await bob.page.fill('#search-input', 'flamingo');
  await bob.page.press('#search-input', 'Enter');
  const result = bob.page.locator('#search-results .search__result').first();
  await result.waitFor();
  assert.equal(await result.locator('mark').innerText(), 'flamingo');
  await result.locator('button').click();

  const target = messageRow(bob.page, 'the quarterly flamingo budget');
  await target.waitFor();
  await bob.page.waitForFunction(() => /msg=\d+/.test(location.hash));
  assert.ok(await target.isVisible());
  // With context around it: a neighbour is there too.
  await messageRow(bob.page, 'filler message 0').waitFor();
  assert.deepEqual(bob.errors, []);
});

test('a message waits for its upload and is not sent without its file; a cancelled upload goes nowhere', async () => {
  const { page } = alice;
  // Hold the next upload until the test lets it go.
  let release;
  const held = new Promise((r) => {
    release = r;
  });
  await page.route('**/api/v1/uploads**', async (route) => {
    await held;
    await route.continue();
  });
  await page.setInputFiles('#attach-input', { name: 'slow.txt', mimeType: 'text/plain', buffer: Buffer.from('slow') });
  await page.locator('#attach-tray .attach').waitFor();
  await page.fill('#composer', 'the slow file');
  await page.press('#composer', 'Enter');
  await page.locator('#messages .msg [data-status="uploading"]').waitFor();
  const before = await page.evaluate(async () => (await (await fetch('/api/v1/rooms/1/messages')).json()).messages);
  assert.ok(!before.some((m) => m.body === 'the slow file'), 'not sent while its file uploads');

  release();
  const row = messageRow(page, 'the slow file');
  await row.locator('a.msg__download', { hasText: 'slow.txt' }).waitFor();
  await page.unroute('**/api/v1/uploads**');

  // Picked, then removed before sending: nothing of it is sent.
  await page.setInputFiles('#attach-input', { name: 'oops.txt', mimeType: 'text/plain', buffer: Buffer.from('oops') });
  await page.locator('#attach-tray .attach', { hasText: 'oops.txt' }).waitFor();
  await page.click('#attach-tray .attach__cancel');
  assert.equal(await page.locator('#attach-tray .attach').count(), 0);
  await page.fill('#composer', 'no file here');
  await page.press('#composer', 'Enter');
  await messageRow(page, 'no file here').waitFor();
  assert.equal(await messageRow(page, 'no file here').locator('.msg__files').count(), 0);
  assert.deepEqual(alice.errors, []);
});
