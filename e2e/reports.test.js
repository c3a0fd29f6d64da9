// Reporting a message: a member reports someone else's message from its
// menu with a reason; the admin sees it in the admin page's Reports, goes
// to the message, and resolves it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, send, messageRow } from './helpers.js';

let server;
let browser;
let admin;
let bob;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  admin = await signUp(browser, server.url, 'boss');
  bob = await signUp(browser, server.url, 'bob');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a member reports a message and the admin resolves the report', async () => {
  await send(admin.page, 'a rude remark');
  const row = messageRow(bob.page, 'a rude remark');
  await row.waitFor();
  await row.hover();
  await row.locator('.msg__actions').click();
  await bob.page.click('#message-menu [data-action="report"]');
  await bob.page.locator('#report-dialog[open]').waitFor();
  await bob.page.fill('#report-reason', 'not nice');
  await bob.page.click('#report-dialog button[type="submit"]');
  await bob.page.locator('#toast', { hasText: 'Reported' }).waitFor();

  // One's own message offers no Report.
  await send(bob.page, 'my own words');
  const own = messageRow(bob.page, 'my own words');
  await own.hover();
  await own.locator('.msg__actions').click();
  assert.equal(await bob.page.locator('#message-menu [data-action="report"]').isHidden(), true);
  await bob.page.keyboard.press('Escape');

  await admin.page.click('#user-menu-button');
  await admin.page.click('#admin-button');
  const report = admin.page.locator('#admin-reports li', { hasText: 'a rude remark' });
  await report.waitFor();
  assert.match(await report.innerText(), /bob: not nice/);
  await report.getByRole('button', { name: /Resolve/ }).click();
  await admin.page.locator('#admin-reports-none').waitFor();
  await admin.page.locator('#admin-audit li', { hasText: 'report.resolve' }).waitFor();
  assert.deepEqual(admin.errors, []);
  assert.deepEqual(bob.errors, []);
});
