// The XSS corpus (tests/data/xss-corpus.json) posted as messages and room
// names, then looked at by another user in a real browser: every payload
// shows as text, nothing executes, no element or link comes out of it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, signUp, repoRoot, waitForRoom } from './helpers.js';

const corpus = JSON.parse(readFileSync(join(repoRoot, 'tests', 'data', 'xss-corpus.json'), 'utf8'));

let server;
let browser;
let writer;
let reader;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  writer = await signUp(browser, server.url, 'writer');
  reader = await signUp(browser, server.url, 'reader');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('every payload of the XSS corpus renders inert as a message and as a room name', async () => {
  assert.ok(corpus.length >= 30);
  let dialogs = 0;
  reader.page.on('dialog', (d) => {
    dialogs += 1;
    d.dismiss();
  });
  // Post through the API (the page's own session), as a hostile client would.
  const rooms = await writer.page.evaluate(async (payloads) => {
    const made = [];
    for (const body of payloads) {
      await fetch('/api/v1/rooms/1/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ body, client_id: crypto.randomUUID() }),
      });
      const r = await fetch('/api/v1/rooms', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: body, kind: 'private', members: ['reader'] }),
      });
      if (r.status === 201) made.push(body);
    }
    return made;
  }, corpus);
  assert.ok(rooms.length >= 20, `most payloads are valid room names (${rooms.length})`);

  const page = reader.page;
  await page.goto(`${server.url}/chat#room=1`);
  await waitForRoom(page, 'general');
  // The newest page holds the whole corpus; wait for its last payload.
  await page.waitForFunction(
    (last) => [...document.querySelectorAll('#messages .msg__body')].some((b) => b.textContent === last),
    corpus[corpus.length - 1],
  );

  // The sidebar may still be redrawing from a live membership event; wait
  // until it lists every room made above (a name that never shows fails
  // here, by timeout, as surely as below).
  await page
    .waitForFunction(
      (names) => {
        const shown = [...document.querySelectorAll('#sidebar .room-list li')].map((li) => li.textContent);
        return names.every((n) => shown.some((t) => t.includes(n.trim())));
      },
      rooms,
      { timeout: 10_000 },
    )
    .catch(() => {});
  const found = await page.evaluate(() => {
    const scope = [...document.querySelectorAll('#messages, #sidebar .room-list')];
    const bad = 'img,iframe,script,object,embed,form,style,details,input,math,meta,base,video,audio,svg:not(.icon)';
    const elements = scope.flatMap((s) => [...s.querySelectorAll(bad)]).map((e) => e.outerHTML.slice(0, 80));
    const handlers = scope
      .flatMap((s) => [...s.querySelectorAll('*')])
      .filter((e) => [...e.attributes].some((a) => a.name.startsWith('on')))
      .map((e) => e.outerHTML.slice(0, 80));
    const links = [...document.querySelectorAll('#messages a[href]')]
      .map((a) => a.href)
      .filter((h) => !/^(https?|mailto):/i.test(h));
    const bodies = [...document.querySelectorAll('#messages .msg__body')].map((b) => b.textContent);
    const roomNames = [...document.querySelectorAll('#sidebar .room-list li')].map((li) => li.textContent);
    return { elements, handlers, links, bodies, roomNames };
  });
  assert.deepEqual(found.elements, [], 'no element was made from a payload');
  assert.deepEqual(found.handlers, [], 'no event handler attribute exists');
  assert.deepEqual(found.links, [], 'every link is http(s) or mailto');
  // Markdown may turn `**x**` into bold x, so compare letters and digits only.
  const letters = (t) => t.replace(/[^\p{L}\p{N}]/gu, '');
  const shownBodies = found.bodies.map(letters);
  for (const payload of corpus) {
    // A safe [text](https://…) link shows its text; everything else shows whole.
    const asLink = letters(payload.replace(/\]\((https?:[^)]*)\)/g, ']'));
    const shown = shownBodies.includes(letters(payload)) || shownBodies.includes(asLink);
    assert.ok(shown, `payload is visible as text: ${payload}`);
  }
  for (const name of rooms) {
    assert.ok(found.roomNames.some((n) => n.includes(name.trim())), `room name shown as text: ${name}`);
  }
  assert.equal(dialogs, 0, 'no alert() ran');
  assert.deepEqual(reader.errors, []);
});
