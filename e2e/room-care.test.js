// Pins, saved messages and room care in two real browsers: a pin shows
// live in the other browser's list and timeline; saving lists the message
// privately; topic, rename and archive reach the other browser's header
// and composer live.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, waitForRoom } from './helpers.js';

let server;
let browser;
let alice;
let bob;
let roomId;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  alice = await signUp(browser, server.url, 'alice');
  bob = await signUp(browser, server.url, 'bob');
  // Alice makes a room with Bob in it; both open it.
  roomId = await alice.page.evaluate(async () => {
    const r = await fetch('/api/v1/rooms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'offsite', kind: 'public', members: ['bob'] }),
    });
    return (await r.json()).room.id;
  });
  for (const { page } of [alice, bob]) {
    await page.evaluate((id) => (location.hash = `room=${id}`), roomId);
    await waitForRoom(page, 'offsite');
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function menuAction(page, text, action) {
  const row = messageRow(page, text);
  await row.hover();
  await row.locator('.msg__actions').click();
  await page.click(`#message-menu [data-action="${action}"]`);
}

test('a message pinned in one browser is marked and listed in the other, live', async () => {
  await send(alice.page, 'The plan: Friday at 10');
  await messageRow(bob.page, 'The plan: Friday at 10').waitFor();
  await menuAction(bob.page, 'The plan: Friday at 10', 'pin');

  await messageRow(alice.page, 'The plan: Friday at 10').locator('.pin-mark').waitFor();
  await alice.page.locator('.msg-system', { hasText: 'bob pinned a message' }).waitFor();
  await alice.page.click('#room-menu-button');
  await alice.page.click('#pins-button');
  await alice.page.locator('#pins-list .pin-item', { hasText: 'The plan: Friday at 10' }).waitFor();
  assert.match(await alice.page.textContent('#pins-list'), /pinned by bob/);
  await alice.page.keyboard.press('Escape');
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('a saved message is listed for its saver only', async () => {
  await menuAction(bob.page, 'The plan: Friday at 10', 'save');
  await bob.page.click('#room-menu-button');
  await bob.page.click('#saved-button');
  await bob.page.locator('#saved-list .pin-item', { hasText: 'The plan: Friday at 10' }).waitFor();
  assert.match(await bob.page.textContent('#saved-list'), /#offsite/);
  await bob.page.keyboard.press('Escape');

  await alice.page.click('#room-menu-button');
  await alice.page.click('#saved-button');
  await alice.page.locator('#saved-list', { hasText: 'You have not saved any messages yet.' }).waitFor();
  await alice.page.keyboard.press('Escape');
});

test('topic, rename and archive by the owner reach the other browser live', async () => {
  await alice.page.click('#room-menu-button');
  await alice.page.click('#room-settings-button');
  await alice.page.locator('#room-settings-dialog[open]').waitFor();
  await alice.page.fill('#room-settings-topic', 'Planning the team offsite');
  await alice.page.fill('#room-settings-name', 'offsite-2027');
  await alice.page.click('#room-settings-dialog [type="submit"]');

  await bob.page.locator('#room-topic', { hasText: 'Planning the team offsite' }).waitFor();
  await waitForRoom(bob.page, 'offsite-2027');
  await bob.page.locator('.msg-system', { hasText: 'alice renamed the room to #offsite-2027' }).waitFor();

  await alice.page.click('#room-menu-button');
  await alice.page.click('#room-settings-button');
  await alice.page.check('#room-settings-archived');
  await alice.page.click('#room-settings-dialog [type="submit"]');
  await bob.page.locator('#room-topic', { hasText: 'Archived' }).waitFor();
  assert.equal(await bob.page.isDisabled('#composer'), true);
  assert.equal(await bob.page.getAttribute('#composer', 'placeholder'), 'This room is archived: nothing can be sent here.');
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('the owner makes a member a co-owner and removes someone from the members dialog', async () => {
  const carol = await signUp(browser, server.url, 'carol');
  await alice.page.evaluate(async (id) => {
    await fetch(`/api/v1/rooms/${id}/members`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'carol' }),
    });
  }, roomId);
  await alice.page.click('#room-facts');
  await alice.page.click('#members-dialog [aria-label="Make bob an owner"]');
  await alice.page.locator('#members-list .member', { hasText: 'bob' }).locator('.member__role').waitFor();
  // Bob, an owner now, sees the actions too.
  await bob.page.click('#room-facts');
  alice.page.once('dialog', (d) => d.accept());
  await alice.page.click('#members-dialog [aria-label="Remove carol from the room"]');
  await alice.page.locator('#members-list .member', { hasText: 'carol' }).waitFor({ state: 'detached' });
  await bob.page.locator('#members-dialog [aria-label="Make alice a member again"]').waitFor();
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(carol.errors, []);
});
