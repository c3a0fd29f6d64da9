// The message catalogue: every key the client uses exists in English, and
// the German translation has the same keys with the same placeholders, so
// nothing shows up as a raw key or an unfilled {name}.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers.js';
import enPage, { later } from '../assets/js/i18n/en.js';
import dePage from '../assets/js/i18n/de.js';

// The page's catalogue and the areas that load with their dialogs.
const en = { ...enPage };
const de = { ...dePage };
for (const area of later) {
  Object.assign(en, (await import(`../assets/js/i18n/en/${area}.js`)).default);
  Object.assign(de, (await import(`../assets/js/i18n/de/${area}.js`)).default);
}

const assets = join(repoRoot, 'assets');
const forms = (value) => (typeof value === 'object' ? Object.values(value) : [value]);
const placeholders = (value) => new Set(forms(value).flatMap((v) => [...v.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));

test('every text the pages and modules ask for is in the English catalogue', () => {
  const used = new Set();
  for (const page of ['chat.html', 'chat-dialogs.html', 'welcome.html']) {
    const html = readFileSync(join(assets, page), 'utf8');
    for (const m of html.matchAll(/data-t="([^"]+)"/g)) used.add(m[1]);
    for (const m of html.matchAll(/data-t-attr="([^"]+)"/g)) {
      for (const pair of m[1].split(';')) used.add(pair.split(':')[1]);
    }
  }
  for (const file of readdirSync(join(assets, 'js'))) {
    if (!file.endsWith('.js')) continue;
    const source = readFileSync(join(assets, 'js', file), 'utf8');
    for (const m of source.matchAll(/\bt(?:Parts)?\('([\w.]+)'/g)) used.add(m[1]);
  }
  const missing = [...used].filter((key) => !(key in en)).sort();
  assert.deepEqual(missing, []);
});

test('the German catalogue has every English key, with the same placeholders', () => {
  assert.deepEqual(Object.keys(de).sort(), Object.keys(en).sort());
  for (const key of Object.keys(en)) {
    assert.deepEqual(placeholders(de[key]), placeholders(en[key]), key);
  }
});
