// Shared by the browser tests: start a real natter server on a free port
// with a fresh data directory, launch Debian's Chromium headless, sign
// people up through the welcome page, and fail a test on any console error,
// uncaught exception or CSP violation.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..');
const NATTER_BIN = process.env.NATTER_BIN ?? resolve(here, '../target/debug/natter');

// Starts natter and resolves once it logs its address (no sleeps). A
// restart passes the previous `dataDir` and `port`; `extra` are more flags.
export async function startServer({ dataDir = mkdtempSync(join(tmpdir(), 'natter-e2e-')), port = 0, extra = [] } = {}) {
  // The tests post bursts faster than the default per-user send limit
  // allows (the limits have API tests of their own).
  const args = ['--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--rate-limits', 'false', ...extra];
  // To check that a test fails without a fix: serve another client's files
  // (e.g. `git archive <commit> assets | tar -x -C /tmp/old`).
  if (process.env.NATTER_E2E_ASSETS) args.push('--assets-dir', process.env.NATTER_E2E_ASSETS);
  const child = spawn(NATTER_BIN, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`natter did not start:\n${log}`)), 30_000);
    const onData = (chunk) => {
      log += chunk;
      // The log line may carry ANSI colour codes around the fields.
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`natter exited (${code}) before listening:\n${log}`));
    });
  });
  return {
    url,
    dataDir,
    port: Number(new URL(url).port),
    // keepData: for a restart on the same data directory.
    async stop({ keepData = false } = {}) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const CHROMIUM_OPTIONS = {
  executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
  // Running as root needs --no-sandbox; the rest keep Chromium from
  // reaching out to Google services on a closed network.
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

// The browser run.js started for the whole suite (each test file then
// only opens contexts), or one of its own when a file is run alone.
export function launchBrowser() {
  const shared = process.env.NATTER_E2E_BROWSER;
  return shared ? chromium.connect(shared) : chromium.launch(CHROMIUM_OPTIONS);
}

// Records console errors and uncaught exceptions (CSP violations are
// reported as console errors). `allow` lists patterns a test expects.
export function watchErrors(page, allow = []) {
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = `${msg.text()} @ ${msg.location().url ?? ''}`;
    if (!allow.some((re) => re.test(text))) errors.push(text);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

// A new browser context signed up as `username`, on the chat page.
// Other options (hasTouch, locale, ...) are the context's.
export async function signUp(browser, baseUrl, username, { viewport, allow, ...options } = {}) {
  const context = await browser.newContext({ viewport: viewport ?? { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const errors = watchErrors(page, allow);
  await page.goto(`${baseUrl}/`);
  await page.fill('#username', username);
  await page.click('#signup-form button[type="submit"]');
  await page.waitForURL(/\/chat/);
  await waitForChat(page);
  await waitForRoom(page, 'general');
  return { context, page, errors };
}

// Resolves once the chat page is in use: its room is open and shown
// (chat.js marks "natter:interactive").
export function waitForChat(page) {
  // A client from before that mark (NATTER_E2E_ASSETS) shows a list.
  if (process.env.NATTER_E2E_ASSETS) return page.waitForSelector('#messages .log-note, #messages .msg');
  return page.waitForFunction(() => performance.getEntriesByName('natter:interactive').length > 0);
}

// Resolves once the open room (the page heading) is `name`.
export function waitForRoom(page, name) {
  return page.waitForFunction((n) => document.querySelector('#room-title')?.textContent === n, name);
}

// Sends a message through the composer, like a person.
export async function send(page, text) {
  await page.fill('#composer', text);
  await page.press('#composer', 'Enter');
}

// A message row (confirmed) whose text contains `text`.
export const messageRow = (page, text) => page.locator('#messages .msg:not(.msg--pending)', { hasText: text });

// The same request the page would make, with the page's session cookie.
export async function apiGet(page, path) {
  return page.evaluate(async (p) => (await fetch(p)).json(), path);
}

export function screenshotPath(name) {
  const dir = join(repoRoot, 'test-artifacts', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

// Pastes a 300 × 200 PNG drawn in the page into the composer, as a
// clipboard with an image would.
export async function pasteImage(page) {
  await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 300;
    canvas.height = 200;
    const g = canvas.getContext('2d');
    g.fillStyle = '#2f6fed';
    g.fillRect(0, 0, 300, 200);
    const blob = await new Promise((r) => canvas.toBlob(r, 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], 'image.png', { type: 'image/png' }));
    const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    document.getElementById('composer').dispatchEvent(paste);
  });
}
