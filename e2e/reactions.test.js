// Reactions in two real browsers: one reacts through the picker, the other
// sees the chip live, with who reacted in its label; `:shortcode:` typing
// in the composer completes to the emoji from the keyboard.

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

test('a reaction picked in one browser shows live in the other with who reacted', async () => {
  await send(alice.page, 'Pizza for lunch?');
  const row = messageRow(bob.page, 'Pizza for lunch?');
  await row.waitFor();

  // Bob opens the message's menu, chooses "Add reaction", searches and picks.
  await row.hover();
  await row.locator('.msg__actions').click();
  await bob.page.click('#message-menu [data-action="react"]');
  await bob.page.locator('#emoji-picker').waitFor();
  await bob.page.fill('#emoji-search', 'pizza');
  await bob.page.locator('#emoji-grid [role="option"][aria-selected="true"]', { hasText: '🍕' }).waitFor();
  await bob.page.press('#emoji-search', 'Enter');

  // Alice sees it without reloading, labelled with who reacted.
  const chip = messageRow(alice.page, 'Pizza for lunch?').locator('.reaction[data-emoji="🍕"]');
  await chip.waitFor();
  assert.equal(await chip.getAttribute('aria-label'), '🍕 1: bob');
  assert.equal(await chip.getAttribute('aria-pressed'), 'false');

  // Alice joins in by clicking the chip; Bob sees the count go to 2.
  await chip.click();
  const bobChip = messageRow(bob.page, 'Pizza for lunch?').locator('.reaction[data-emoji="🍕"]');
  await bobChip.locator('.reaction__count', { hasText: '2' }).waitFor();
  assert.equal(await bobChip.getAttribute('aria-label'), '🍕 2: you, alice');
  assert.equal(await bobChip.getAttribute('aria-pressed'), 'true');

  // Bob takes his back; both see one left.
  await bobChip.click();
  await chip.locator('.reaction__count', { hasText: '1' }).waitFor();
  assert.equal(await chip.getAttribute('aria-label'), '🍕 1: you');

  // A reload shows the same reactions (from the history page).
  await bob.page.reload();
  await messageRow(bob.page, 'Pizza for lunch?').locator('.reaction[data-emoji="🍕"]', { hasText: '1' }).waitFor();
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('typing a :shortcode: offers emoji and Tab puts the chosen one in the text', async () => {
  await alice.page.click('#composer');
  await alice.page.keyboard.type('Well done :tad');
  const option = alice.page.locator('#emoji-complete [role="option"][aria-selected="true"]');
  await option.waitFor();
  assert.match(await option.textContent(), /🎉 :tada:/);
  await alice.page.keyboard.press('Tab');
  assert.equal(await alice.page.inputValue('#composer'), 'Well done 🎉');
  assert.equal(await alice.page.locator('#emoji-complete').isHidden(), true);

  // Escape closes the list and keeps the text; Enter then sends.
  await alice.page.keyboard.type(' :thumbs');
  await option.waitFor();
  await alice.page.keyboard.press('Escape');
  assert.equal(await alice.page.locator('#emoji-complete').isHidden(), true);
  assert.equal(await alice.page.inputValue('#composer'), 'Well done 🎉 :thumbs');
  await alice.page.keyboard.press('Enter');
  await messageRow(bob.page, 'Well done 🎉 :thumbs').waitFor();
  assert.deepEqual(alice.errors, []);
});
