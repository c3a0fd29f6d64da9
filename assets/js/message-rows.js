// What the message list shows, described as data: the rows of the loaded
// span (confirmed messages, then my unconfirmed sends) and, for the window
// on screen, the items in order — the room's introduction, day separators,
// the "New messages" divider and the messages, each with a key and a
// version (message-list.js rebuilds an element only when its version
// changes).

import { h } from './dom.js';
import { t } from './i18n.js';
import { dayKey, dayLabel, formatFull, toDate } from './time.js';
import { messageRow, rowVersion } from './message-row.js';

const GROUP_WINDOW_MS = 5 * 60 * 1000; // same author within 5 min = one group

// A pending send and the server's copy share a key (author + client_id),
// so the confirmed message replaces the pending one in place.
export function messageKey(m) {
  return m.client_id ? `c:${m.author_id}:${m.client_id}` : `s:${m.seq}`;
}

// rows: [{ m, key, status }]; rowOf: key -> index; firstUnreadKey: the
// first message after the read marker that someone else wrote.
export function buildRows(messages, pending, me, unreadAfter) {
  const rows = [];
  const rowOf = new Map();
  for (const m of messages) {
    let key = messageKey(m);
    if (rowOf.has(key)) key = `s:${m.seq}`; // defensive: a duplicate client_id
    rowOf.set(key, rows.length);
    rows.push({ m, key, status: 'sent' });
  }
  for (const p of pending) {
    const m = { ...p, author: me.username, author_id: me.id };
    const key = messageKey(m);
    if (rowOf.has(key)) continue;
    rowOf.set(key, rows.length);
    rows.push({ m, key, status: p.status });
  }
  let firstUnreadKey = null;
  if (unreadAfter !== null) {
    const first = rows.find((r) => r.status === 'sent' && r.m.seq > unreadAfter && r.m.author_id !== me.id);
    firstUnreadKey = first?.key ?? null;
  }
  return { rows, rowOf, firstUnreadKey };
}

// The items of `list`'s window, in order: { key, version, create() }.
export function describe(list, rowContext) {
  const items = [];
  const { rows, lo, hi } = list;
  if (list.status === 'loading' && !rows.length) {
    items.push({ key: 'loading', version: '', create: () => h('p', { class: 'log-note' }, t('messages.loading')) });
  } else if (list.status === 'error') {
    items.push({ key: 'error', version: list.noteText, create: () => errorEl(list.noteText, list.onErrorRetry) });
  } else if (list.status === 'empty') {
    items.push({ key: 'none', version: list.noteText, create: () => h('p', { class: 'log-note' }, list.noteText) });
  }
  if (list.status === 'ready' && lo === 0 && !list.hasOlder && list.intro) {
    items.push({ key: 'intro', version: list.intro.version, create: list.intro.create });
  }

  const now = new Date();
  // Only the last of a run of pending rows says what it waits for.
  let lastPending = -1;
  for (let i = hi - 1; i >= lo && lastPending < 0; i -= 1) if (rows[i].status === 'pending') lastPending = i;

  for (let i = lo; i < hi; i += 1) {
    const row = rows[i];
    const prev = i > 0 ? rows[i - 1] : null;
    const date = toDate(row.m.created_at);
    const prevDate = prev ? toDate(prev.m.created_at) : null;
    let continued = Boolean(prev && prev.m.author_id === row.m.author_id && date - prevDate < GROUP_WINDOW_MS);
    if (!prev || dayKey(date) !== dayKey(prevDate)) {
      const label = dayLabel(date, now);
      items.push({ key: `day:${dayKey(date)}`, version: label, create: () => dayEl(label, date) });
      continued = false;
    }
    if (row.key === list.firstUnreadKey) {
      items.push({ key: 'unread', version: '', create: unreadEl });
      continued = false;
    }
    const sent = row.status === 'sent';
    const view = {
      m: row.m,
      status: row.status,
      continued,
      editing: sent && row.m.seq === list.editingSeq,
      highlight: sent && row.m.seq === list.highlightSeq,
      showStatus: i === lastPending,
      reactions: sent ? (rowContext.reactionsVersion?.(row.m) ?? '') : '',
    };
    items.push({ key: row.key, version: rowVersion(view), create: () => messageRow(view, rowContext) });
  }
  return items;
}

function dayEl(label, date) {
  return h('h2', { class: 'day-separator' }, h('time', { datetime: dayKey(date), title: formatFull(date) }, label));
}

function unreadEl() {
  return h('div', { class: 'unread-divider', role: 'separator' }, h('span', {}, t('messages.newDivider')));
}

function errorEl(text, onRetry) {
  return h(
    'div',
    { class: 'log-note log-note--error' },
    h('p', {}, text),
    onRetry ? h('button', { type: 'button', class: 'button', onclick: () => onRetry() }, t('common.tryAgain')) : null,
  );
}
