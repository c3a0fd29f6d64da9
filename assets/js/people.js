// People as the page shows them: display names, avatars and status emoji,
// learnt from member lists, history pages and the room list, and kept
// current by the live `profile.changed` and `status.changed` frames. The
// username stays the handle (mentions, tooltips); initials (avatar.js)
// stay the fallback, also when an avatar image fails to load.

import { h } from './dom.js';
import { avatar } from './avatar.js';

const profiles = new Map(); // lower-case username -> { display_name, avatar_url }
const statuses = new Map(); // lower-case username -> { emoji, text, until }
const timers = new Map();
const listeners = new Set();
const key = (name) => String(name ?? '').toLowerCase();
// setTimeout's longest wait; a status ending later is checked again then.
const LONGEST_WAIT = 2 ** 31 - 1;

let pending = false;
// Many changes in one task (a member list) redraw once.
function changed() {
  if (pending) return;
  pending = true;
  queueMicrotask(() => {
    pending = false;
    for (const fn of listeners) fn();
  });
}

/** fn() runs after people's names, avatars or statuses changed. */
export function onPeopleChange(fn) {
  listeners.add(fn);
}

// For 10 s a live change wins over snapshots (member lists, history
// pages) asked for before it and answered after.
const liveAt = new Map();

/** Learns profiles from user objects; `live`: a change, not a snapshot. */
export function learnProfiles(list, live) {
  const now = performance.now();
  for (const p of list ?? []) {
    if (!p?.username) continue;
    const k = key(p.username);
    if (live) liveAt.set(k, now);
    else if (now - liveAt.get(k) < 1e4) continue; // NaN (no live change) is not
    const next = { display_name: p.display_name ?? null, avatar_url: p.avatar_url ?? null };
    const old = profiles.get(k);
    if (old?.display_name === next.display_name && old?.avatar_url === next.avatar_url) continue;
    profiles.set(k, next);
    changed();
  }
}

/** Sets (or with null clears) a person's status; one with `until` ends itself. */
export function setStatus(username, status) {
  const k = key(username);
  clearTimeout(timers.get(k));
  timers.delete(k);
  const until = status?.until ? Date.parse(status.until) : null;
  if (!status || (until !== null && until <= Date.now())) {
    if (statuses.delete(k)) changed();
    return;
  }
  statuses.set(k, status);
  if (until !== null) {
    const wait = Math.min(until - Date.now(), LONGEST_WAIT);
    timers.set(k, setTimeout(() => setStatus(username, statuses.get(k) ?? null), wait));
  }
  changed();
}

/** Learns a room's statuses (GET /rooms/{id}/statuses). */
export function learnStatuses(list) {
  for (const s of list ?? []) setStatus(s.username, s);
}

export function displayName(username) {
  return profiles.get(key(username))?.display_name || username;
}

export function statusOf(username) {
  return statuses.get(key(username)) ?? null;
}

/** Changes when anything shown about the person changes (row versions). */
export function personVersion(username) {
  const p = profiles.get(key(username));
  return `${p?.display_name ?? ''}|${p?.avatar_url ?? ''}|${statuses.get(key(username))?.emoji ?? ''}`;
}

/** The person's avatar image, or their initial when they have none or it fails. */
export function personAvatar(username, { small = false } = {}) {
  const url = profiles.get(key(username))?.avatar_url;
  const initials = avatar(username, { small });
  if (!url) return initials;
  const img = h('img', {
    class: `avatar avatar--image${small ? ' avatar--small' : ''}`,
    src: `${url}?size=64`,
    alt: '',
    'aria-hidden': 'true',
    decoding: 'async',
  });
  img.addEventListener('error', () => img.replaceWith(initials), { once: true });
  return img;
}

/** The name as shown: the display name, with the username in its tooltip. */
export function personName(username, className) {
  const name = displayName(username);
  return h('span', { class: className, title: name === username ? null : `@${username}` }, name);
}

/** The person's status emoji beside their name (its text in the tooltip), or null. */
export function statusEmoji(username) {
  const status = statusOf(username);
  if (!status?.emoji) return null;
  return h('span', { class: 'person__status', title: status.text || null, 'data-status-of': username }, status.emoji);
}
