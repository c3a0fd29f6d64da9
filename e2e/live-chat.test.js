// Two people in two browsers see each other's messages and typing live,
// over the WebSocket stream, without reloading.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow } from './helpers.js';

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

test('two users in two browsers chat live both ways', async () => {
  await send(alice.page, 'Hi Bob, are you there?');
  await messageRow(bob.page, 'Hi Bob, are you there?').waitFor({ timeout: 5000 });

  await send(bob.page, 'Yes! Hello Alice.');
  await messageRow(alice.page, 'Yes! Hello Alice.').waitFor({ timeout: 5000 });

  // Grouped by author with an initials avatar, in order, on both sides.
  for (const { page } of [alice, bob]) {
    const bodies = await page.locator('#messages .msg .msg__body').allTextContents();
    assert.deepEqual(bodies.slice(-2), ['Hi Bob, are you there?', 'Yes! Hello Alice.']);
    assert.equal(await page.locator('#messages .msg .avatar').last().textContent(), 'B');
  }
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('the other user sees a typing indicator while someone types', async () => {
  // A newcomer: the server announces one person's typing at most every 3 s.
  const carol = await signUp(browser, server.url, 'carol');
  await carol.page.type('#composer', 'I am typing something');
  await bob.page.waitForFunction(() => document.querySelector('#typing').textContent === 'carol is typing…', null, {
    timeout: 5000,
  });
  // Sending ends it for the reader straight away.
  await carol.page.press('#composer', 'Enter');
  await messageRow(bob.page, 'I am typing something').waitFor();
  assert.equal(await bob.page.textContent('#typing'), '');
  // How many are in the room and online shows in the room header.
  await bob.page.locator('#room-facts', { hasText: '3 members' }).waitFor();
  await bob.page.locator('#room-facts', { hasText: '3 online' }).waitFor();
  assert.deepEqual(carol.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('typing stops showing at once when the text is cleared or sent', async () => {
  const dora = await signUp(browser, server.url, 'dora');
  const typingOf = (page, text) =>
    page.waitForFunction((t) => document.querySelector('#typing').textContent === t, text, { timeout: 5000 });
  await dora.page.type('#composer', 'maybe I will say');
  await typingOf(bob.page, 'dora is typing…');
  // Cleared: gone for the others well before a typing notice runs out (6 s).
  await dora.page.fill('#composer', '');
  await bob.page.waitForFunction(() => document.querySelector('#typing').textContent === '', null, { timeout: 1500 });

  await dora.page.type('#composer', 'no, I will say this');
  await typingOf(bob.page, 'dora is typing…');
  await dora.page.press('#composer', 'Enter');
  await bob.page.waitForFunction(() => document.querySelector('#typing').textContent === '', null, { timeout: 1500 });
  await messageRow(bob.page, 'no, I will say this').waitFor();
  assert.deepEqual(dora.errors, []);
  assert.deepEqual(bob.errors, []);
  await dora.context.close();
});
