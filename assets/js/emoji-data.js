// The emoji set (served by the binary at /api/v1/emoji, loaded once when
// first needed), searched by name and shortcode, with the ones I used
// recently first (kept in this browser).

import { get } from './api.js';

const RECENT_KEY = 'natter.recentEmoji';
const RECENT_MAX = 24;

let loading = null;

export function loadEmoji() {
  loading ??= get('/api/v1/emoji')
    .then((data) => data.emoji ?? [])
    .catch((err) => {
      loading = null;
      throw err;
    });
  return loading;
}

export function recentEmoji() {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((e) => typeof e === 'string').slice(0, RECENT_MAX) : [];
  } catch {
    return [];
  }
}

export function rememberEmoji(emoji) {
  const list = [emoji, ...recentEmoji().filter((e) => e !== emoji)].slice(0, RECENT_MAX);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // Storage full or blocked: the picker just has no recents.
  }
}

// Entries matching `query` (name words or shortcodes), best first: a
// shortcode or name starting with it before one containing it; recently
// used ones first within each. At most `limit`.
export function searchEmoji(all, query, limit) {
  const recent = recentEmoji();
  const rank = (entry) => {
    const at = recent.indexOf(entry.emoji);
    return at < 0 ? recent.length : at;
  };
  const q = query.trim().toLowerCase().replace(/^:|:$/g, '');
  let found;
  if (!q) {
    const byEmoji = new Map(all.map((e) => [e.emoji, e]));
    const first = recent.map((e) => byEmoji.get(e)).filter(Boolean);
    found = [...first, ...all.filter((e) => !recent.includes(e.emoji))];
  } else {
    const starts = [];
    const contains = [];
    for (const e of all) {
      const codes = e.shortcodes;
      if (codes.some((c) => c.startsWith(q)) || e.name.startsWith(q) || e.name.includes(` ${q}`)) starts.push(e);
      else if (codes.some((c) => c.includes(q)) || e.name.includes(q)) contains.push(e);
    }
    const byRank = (a, b) => rank(a) - rank(b);
    found = [...starts.sort(byRank), ...contains.sort(byRank)];
  }
  return found.slice(0, limit);
}
