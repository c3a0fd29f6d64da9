// Web Push in the browser: the pages link a manifest that parses and whose
// icons load, the service worker is served at the root and registers, and
// the "Notifications on this device" switch (push.js, loaded on first use)
// asks permission, registers the worker and subscribes with the server's
// key. Chromium under Playwright has no push service (its contexts count
// as incognito, where Chrome refuses the Push API): then the switch says
// so in a toast, and the test checks everything up to the subscription
// and says so in its output; the server side is tested for real in
// tests/api/push.rs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signUp, apiGet } from './helpers.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the manifest parses, its icons load, and the worker is served from the root', async () => {
  const { context, page, errors } = await signUp(browser, server.url, 'mia');
  const href = await page.getAttribute('link[rel="manifest"]', 'href');
  assert.equal(href, '/manifest.webmanifest');
  const manifest = await page.evaluate(async (h) => {
    const r = await fetch(h);
    return { type: r.headers.get('content-type'), json: await r.json() };
  }, href);
  assert.equal(manifest.type, 'application/manifest+json');
  assert.equal(manifest.json.start_url, '/chat');
  for (const icon of manifest.json.icons) {
    const ok = await page.evaluate(async (src) => (await fetch(src)).ok, icon.src);
    assert.ok(ok, `icon ${icon.src} loads`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('the switch registers the service worker and subscribes with the server key', async () => {
  const { context, page, errors } = await signUp(browser, server.url, 'noor', {
    // Chromium without a push service rejects the subscription; the page
    // turns that into a toast, and the browser may log it as well.
    allow: [/push service/i, /Registration failed/i, /AbortError/, /does not support the Push API/],
  });
  await context.grantPermissions(['notifications'], { origin: server.url });
  const loaded = [];
  page.on('request', (r) => loaded.push(new URL(r.url()).pathname));
  assert.ok(!loaded.some((p) => p.endsWith('/js/push.js')), 'push.js is not loaded with the page');

  await page.click('#user-menu-button');
  const button = page.locator('#push-button');
  await button.waitFor();
  assert.equal(await button.getAttribute('aria-pressed'), 'false');
  await button.click();

  // Either the switch turns on, or a toast says why it could not.
  await page.waitForFunction(
    () => document.querySelector('#push-button')?.getAttribute('aria-pressed') === 'true' || document.querySelector('#toast.toast--error'),
  );
  assert.ok(loaded.some((p) => p.endsWith('/js/push.js')), 'push.js loaded on first use');
  const worker = await page.evaluate(async () => {
    const r = await navigator.serviceWorker.getRegistration('/');
    const w = r && (r.active || r.waiting || r.installing);
    return w ? { script: w.scriptURL, scope: r.scope } : null;
  });
  assert.ok(worker, 'the service worker is registered');
  assert.equal(new URL(worker.script).pathname, '/sw.js');
  assert.equal(new URL(worker.scope).pathname, '/');

  const on = (await button.getAttribute('aria-pressed')) === 'true';
  const { subscriptions } = await apiGet(page, '/api/v1/push/subscriptions');
  if (on) {
    assert.equal(subscriptions.length, 1, 'the server keeps this browser');
    await button.click();
    await page.waitForFunction(() => document.querySelector('#push-button').getAttribute('aria-pressed') === 'false');
    assert.equal((await apiGet(page, '/api/v1/push/subscriptions')).subscriptions.length, 0);
  } else {
    const toast = await page.locator('#toast').textContent();
    console.log(`# this Chromium has no push service; the switch said: ${toast}`);
    assert.match(toast, /notifications/i);
    assert.equal(subscriptions.length, 0);
  }
  assert.deepEqual(errors, []);
  await context.close();
});
