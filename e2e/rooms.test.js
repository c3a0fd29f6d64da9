// Rooms: a private room stays invisible to outsiders; the sidebar, unread
// counts and edits/deletions follow live events.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow, waitForRoom } from './helpers.js';

let server;
let browser;
let ivy;
let jon;
let kim;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  ivy = await signUp(browser, server.url, 'ivy');
  jon = await signUp(browser, server.url, 'jon');
  kim = await signUp(browser, server.url, 'kim');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a private room appears live for its members and never for anyone else', async () => {
  const { page } = ivy;
  await page.click('#create-room-button');
  await page.fill('#create-room-name', 'secret-plans');
  await page.check('#create-room-dialog input[value="private"]');
  await page.fill('#create-room-members', 'jon');
  await page.click('#create-room-dialog button[type="submit"]');
  await waitForRoom(page, 'secret-plans');
  const roomId = new URL(page.url()).hash.slice('#room='.length);
  await send(page, 'the surprise party is on friday');
  await messageRow(page, 'surprise party').waitFor();

  // Jon was added: the room shows up in his sidebar without a reload, with
  // an unread count.
  const jonsLink = jon.page.locator('#private-rooms a', { hasText: 'secret-plans' });
  await jonsLink.waitFor({ timeout: 5000 });
  await jon.page.locator('#private-rooms a .badge', { hasText: '1' }).waitFor({ timeout: 5000 });

  // Kim sees nothing of it: not in the sidebar, not by its address.
  assert.equal(await kim.page.locator('#sidebar', { hasText: 'secret-plans' }).count(), 0);
  await kim.page.goto(`${server.url}/chat#room=${roomId}`);
  await waitForRoom(kim.page, 'general');
  await kim.page.locator('#toast', { hasText: 'doesn’t exist or you are not a member' }).waitFor();
  assert.equal(await kim.page.locator('body', { hasText: 'secret-plans' }).count(), 0);
  assert.equal(await kim.page.locator('body', { hasText: 'surprise party' }).count(), 0);
  assert.deepEqual(ivy.errors, []);
  assert.deepEqual(jon.errors, []);
  assert.deepEqual(kim.errors, []);
});

test('editing and deleting my message shows "(edited)" and "message deleted" to everyone', async () => {
  const { page } = ivy;
  await page.goto(`${server.url}/chat#room=1`);
  await waitForRoom(page, 'general');
  await send(page, 'meeting at 10');
  await messageRow(jon.page, 'meeting at 10').waitFor();

  // Up in the empty composer edits my last message.
  await page.focus('#composer');
  await page.keyboard.press('ArrowUp');
  const editor = page.locator('.msg__edit-input');
  await editor.waitFor();
  await editor.fill('meeting at 11');
  await editor.press('Enter');
  const edited = messageRow(jon.page, 'meeting at 11');
  await edited.waitFor();
  assert.equal(await edited.locator('.msg__edited').textContent(), '(edited)');

  page.once('dialog', (d) => d.accept());
  const row = messageRow(page, 'meeting at 11');
  await row.hover();
  await row.locator('.msg__actions').click();
  await page.click('#message-menu [data-action="delete"]');
  await jon.page.locator('.msg__body--deleted', { hasText: 'message deleted' }).waitFor();
  assert.equal(await messageRow(jon.page, 'meeting at 11').count(), 0);
  assert.deepEqual(ivy.errors, []);
  assert.deepEqual(jon.errors, []);
});

test('general offers no Leave, other public rooms do', async () => {
  const { page } = kim;
  await page.goto(`${server.url}/chat#room=1`);
  await waitForRoom(page, 'general');
  await page.click('#room-menu-button');
  // Everyone is in general: the server refuses to let anyone leave it, so
  // the menu does not offer it.
  assert.equal(await page.locator('#leave-room-button').isVisible(), false);
  await page.keyboard.press('Escape');

  await page.click('#create-room-button');
  await page.fill('#create-room-name', 'book-club');
  await page.click('#create-room-dialog button[type="submit"]');
  await waitForRoom(page, 'book-club');
  await page.click('#room-menu-button');
  await page.locator('#leave-room-button').waitFor({ state: 'visible' });
  assert.deepEqual(kim.errors, []);
});
