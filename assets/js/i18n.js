// Every text the client shows comes from a message catalogue: English in
// i18n/en.js, and one file per other language (i18n/de.js). The language is
// the first of the browser's languages that has a catalogue, else English;
// a key missing from a translation falls back to English.
//
// Catalogue values are strings with {name} placeholders, or plural forms
// ({ one, other, ... }, chosen by Intl.PluralRules with params.count).
// Pages mark their static text with data-t="key" (the element's text) and
// data-t-attr="attribute:key;attribute:key" (e.g. aria-label, placeholder);
// translatePage() fills them in before the page is shown.

import en from './i18n/en.js';

const extra = {};

// Languages with a catalogue, besides English. Loading one is a module
// import, so English readers never download a translation.
const TRANSLATIONS = {
  de: () => import('./i18n/de.js'),
};

function pickLanguage(preferred) {
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base === 'en') return 'en';
    if (TRANSLATIONS[base]) return base;
  }
  return 'en';
}

const browserLanguages = globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? 'en'];

/** The UI language: 'en' or one of TRANSLATIONS. */
export const language = pickLanguage(browserLanguages);

const translated = language === 'en' ? {} : (await TRANSLATIONS[language]()).default;
const plurals = new Intl.PluralRules(language);

function lookup(key) {
  return translated[key] ?? en[key] ?? extra[key];
}

// Texts of an area in en.js's `later`, loaded with its dialog.
export async function loadTexts(area) {
  const parts = [import(`./i18n/en/${area}.js`)];
  if (language !== 'en') parts.push(import(`./i18n/${language}/${area}.js`));
  const [english, own] = await Promise.all(parts);
  Object.assign(extra, english.default);
  if (own) Object.assign(translated, own.default);
}

/** The text for `key`, with {name} placeholders filled from `params`. */
export function t(key, params = {}) {
  let text = lookup(key);
  if (text === undefined) {
    console.warn(`i18n: no text for "${key}"`);
    return key;
  }
  if (typeof text === 'object') text = text[plurals.select(params.count ?? 0)] ?? text.other;
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? value.toLocaleString(language) : String(value);
  });
}

/**
 * Like t(), for texts with elements in them (a <kbd>, a link): the result
 * is a list of strings and the nodes given in `params`, in the order the
 * translation puts them.
 */
export function tParts(key, params = {}) {
  const nodes = {};
  const plain = {};
  for (const [name, value] of Object.entries(params)) {
    if (value instanceof Node) nodes[name] = value;
    else plain[name] = value;
  }
  const text = t(key, plain);
  const used = new Set();
  return text.split(/(\{\w+\})/).map((part) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (!name || !nodes[name]) return part;
    // A node can be in one place only: a second use gets a copy.
    const node = used.has(name) ? nodes[name].cloneNode(true) : nodes[name];
    used.add(name);
    return node;
  });
}

/** Fills in every data-t and data-t-attr under `root`. */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll('[data-t-attr]')) {
    for (const pair of el.dataset.tAttr.split(';')) {
      const [attribute, key] = pair.split(':').map((s) => s.trim());
      if (attribute && key) el.setAttribute(attribute, t(key));
    }
  }
  if (root === document) {
    document.documentElement.lang = language;
    // The page stays invisible until its text is in (base.css).
    document.documentElement.dataset.ready = '';
  }
}
