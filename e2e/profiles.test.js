// Profiles (issue 17) and live statuses (issue 16), in two real browsers:
// one sets a display name and a picture from the account menu, and the
// other sees both in the timeline and in the member list without
// reloading; then a status emoji appears beside the name, live too.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { startServer, launchBrowser, signUp, send, messageRow } from './helpers.js';

let server;
let browser;
let ann;
let ben;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  ann = await signUp(browser, server.url, 'ann');
  ben = await signUp(browser, server.url, 'ben');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// A `w` × `h` PNG of one colour, made here (no image files in the repo).
function png(w, h, [r, g, b]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => [r, g, b]).flat())]);
  const pixels = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('a display name and picture set in one browser show in the other’s timeline and member list without a reload', async () => {
  await send(ann.page, 'hello from ann');
  const row = messageRow(ben.page, 'hello from ann');
  await row.waitFor();
  assert.equal(await row.locator('.msg__author').textContent(), 'ann');
  assert.equal(await row.locator('img.avatar').count(), 0, 'initials before any picture');

  // Ben keeps the member list open meanwhile.
  await ben.page.click('#room-facts');
  const annListed = ben.page.locator('#members-list .member', { hasText: '@ann' });

  // Ann types her name while the dialog still loads her profile (held
  // back here, as on a busy server): what she typed must stay.
  let typed;
  const nameTyped = new Promise((resolve) => { typed = resolve; });
  const profile = '**/api/v1/me/profile';
  await ann.page.route(profile, async (route) => {
    if (route.request().method() === 'GET') await nameTyped;
    await route.continue();
  });
  await ann.page.click('#user-menu-button');
  await ann.page.click('#profile-button');
  await ann.page.fill('#profile-name', '  Ann Avery ');
  await ann.page.locator('#profile-name').blur();
  typed();
  // The dialog focuses the name once the profile is in.
  await ann.page.locator('#profile-name:focus').waitFor();
  await ann.page.unroute(profile);
  assert.equal(await ann.page.inputValue('#profile-name'), '  Ann Avery ');
  await ann.page.setInputFiles('#profile-file', { name: 'me.png', mimeType: 'image/png', buffer: png(120, 80, [200, 40, 40]) });
  await ann.page.locator('#profile-dialog img.avatar').waitFor();
  await ann.page.click('#profile-dialog button[type="submit"]');
  await ann.page.locator('#profile-dialog').waitFor({ state: 'hidden' });

  // Ben's timeline: the display name (username in the tooltip) and the picture.
  await row.locator('.msg__author', { hasText: 'Ann Avery' }).waitFor();
  assert.equal(await row.locator('.msg__author').getAttribute('title'), '@ann');
  const picture = row.locator('img.avatar');
  await picture.waitFor();
  assert.match(await picture.getAttribute('src'), /^\/api\/v1\/avatars\/[0-9a-f]{32}\?size=64$/);
  await ben.page.waitForFunction((el) => el.complete && el.naturalWidth === 64, await picture.elementHandle());

  // Ben's open member list followed too.
  await annListed.locator('.member__name', { hasText: 'Ann Avery' }).waitFor();
  await annListed.locator('img.avatar').waitFor();
  await ben.page.keyboard.press('Escape');

  // Ann's own page shows it as well.
  await messageRow(ann.page, 'hello from ann').locator('.msg__author', { hasText: 'Ann Avery' }).waitFor();
  assert.deepEqual(ann.errors, []);
  assert.deepEqual(ben.errors, []);
});

test('a status emoji appears beside the name in the other’s timeline and goes when cleared', async () => {
  await ann.page.click('#user-menu-button');
  await ann.page.click('#status-button');
  await ann.page.fill('#status-emoji', '🍕');
  await ann.page.fill('#status-text', 'Lunch');
  await ann.page.click('#status-dialog button[type="submit"]');
  await ann.page.locator('#status-dialog').waitFor({ state: 'hidden' });

  const emoji = messageRow(ben.page, 'hello from ann').locator('.person__status');
  await emoji.waitFor();
  assert.equal(await emoji.textContent(), '🍕');
  assert.equal(await emoji.getAttribute('title'), 'Lunch');

  await ann.page.click('#user-menu-button');
  await ann.page.click('#status-button');
  await ann.page.click('#status-dialog [data-clear]');
  await emoji.waitFor({ state: 'detached' });
  assert.deepEqual(ann.errors, []);
  assert.deepEqual(ben.errors, []);
});

test('a status with an end time leaves the other’s timeline by itself when it ends', async () => {
  // Set through the API (the dialog's shortest choice is an hour): ends in 5 s.
  const until = new Date(Date.now() + 5000).toISOString();
  const answer = await ann.page.evaluate(async (u) => {
    const r = await fetch('/api/v1/me/status', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'brb', emoji: '☕', until: u }) });
    return r.status;
  }, until);
  assert.equal(answer, 200);
  const emoji = messageRow(ben.page, 'hello from ann').locator('.person__status');
  await emoji.waitFor();
  assert.equal(await emoji.textContent(), '☕');
  // No event comes when it ends: the page takes it away itself.
  await emoji.waitFor({ state: 'detached', timeout: 20_000 });
  assert.deepEqual(ann.errors, []);
  assert.deepEqual(ben.errors, []);
});

test('a member list read before a live name change and answered after it does not bring the old name back', async () => {
  // Ben's member list is read while Ann is still "Ann Avery" and held back
  // until her rename has reached his page live.
  let read;
  const wasRead = new Promise((resolve) => { read = resolve; });
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const members = '**/api/v1/rooms/*/members';
  await ben.page.route(members, async (route) => {
    const response = await route.fetch();
    read();
    await held;
    await route.fulfill({ response });
  });
  await ben.page.click('#room-facts');
  await wasRead;

  const renamed = await ann.page.evaluate(async () => {
    const r = await fetch('/api/v1/me/profile', { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ display_name: 'Annie' }) });
    return r.status;
  });
  assert.equal(renamed, 200);
  const author = messageRow(ben.page, 'hello from ann').locator('.msg__author');
  await author.filter({ hasText: 'Annie' }).waitFor();

  release();
  const annListed = ben.page.locator('#members-list .member', { hasText: '@ann' });
  await annListed.waitFor();
  assert.match(await annListed.locator('.member__name').textContent(), /^Annie @ann$/);
  assert.equal(await author.textContent(), 'Annie');
  await ben.page.unroute(members);
  await ben.page.keyboard.press('Escape');
  assert.deepEqual(ann.errors, []);
  assert.deepEqual(ben.errors, []);
});
