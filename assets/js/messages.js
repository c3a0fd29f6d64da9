// Message list for the open room: keeps the confirmed messages (by seq) plus
// this browser's pending/failed sends, and renders them into the role="log"
// element. Rendering is keyed and incremental so new messages don't rebuild
// the list (that would clear text selections and re-announce the whole log).

import { h } from './dom.js';
import { toDate, formatClock, formatFull, dayKey, dayLabel } from './time.js';

const GROUP_WINDOW_MS = 5 * 60 * 1000; // same author within 5 min = one group
const NEAR_BOTTOM_PX = 48; // "at the bottom" tolerance for auto-scroll
const OLDER_TRIGGER_PX = 80; // scrolling this close to the top loads more
const AVATAR_COLORS = 8;

// Key for a message row. A pending send and the server's copy share a key
// (author + client_id), so the confirmed message replaces the pending one
// in place.
function messageKey(m) {
  return m.client_id ? `c:${m.author_id}:${m.client_id}` : `s:${m.seq}`;
}

function avatarColor(name) {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return `avatar--c${hash % AVATAR_COLORS}`;
}

export class MessageList {
  constructor({ scroller, log, olderButton, onRetry, onDiscard, onLoadOlder }) {
    this.scroller = scroller;
    this.log = log;
    this.olderButton = olderButton;
    this.onRetry = onRetry;
    this.onDiscard = onDiscard;
    this.onLoadOlder = onLoadOlder;
    this.me = { id: null, username: '' };
    this.nodes = new Map(); // key -> { el, version }
    this.reset();

    olderButton.addEventListener('click', () => this.requestOlder());
    scroller.addEventListener(
      'scroll',
      () => {
        if (scroller.scrollTop < OLDER_TRIGGER_PX) this.requestOlder();
      },
      { passive: true },
    );
  }

  setMe(user) {
    this.me = { id: user.id, username: user.username };
  }

  // Called on room switch.
  reset() {
    this.bySeq = new Map();
    this.confirmed = [];
    this.pending = [];
    this.hasMore = false;
    this.loadingOlder = false;
    this.status = 'loading'; // 'loading' | 'ready' | 'error' | 'empty'
    this.noteText = '';
    this.onErrorRetry = null;
    this.nodes.clear();
    this.log.replaceChildren();
    this.render({ toBottom: true });
  }

  get firstSeq() {
    return this.confirmed.length ? this.confirmed[0].seq : null;
  }

  get lastSeq() {
    return this.confirmed.length ? this.confirmed[this.confirmed.length - 1].seq : null;
  }

  // Merges server messages (any order, duplicates ignored).
  addMessages(messages) {
    let added = false;
    for (const m of messages) {
      if (this.bySeq.has(m.seq)) continue;
      this.bySeq.set(m.seq, m);
      added = true;
    }
    if (added) this.confirmed = [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    return added;
  }

  setPending(entries) {
    this.pending = entries.slice();
  }

  setReady(hasMore) {
    this.hasMore = hasMore;
    this.status = 'ready';
  }

  setError(message, onRetry) {
    this.status = 'error';
    this.noteText = message;
    this.onErrorRetry = onRetry;
  }

  // No room to show (e.g. not a member of any room yet).
  setEmpty(message) {
    this.status = 'empty';
    this.noteText = message;
  }

  requestOlder() {
    if (!this.hasMore || this.loadingOlder || this.status !== 'ready' || !this.onLoadOlder) return;
    this.loadingOlder = true;
    this.updateOlderButton();
    this.log.setAttribute('aria-busy', 'true');
    Promise.resolve(this.onLoadOlder(this.firstSeq)).finally(() => {
      this.loadingOlder = false;
      this.log.removeAttribute('aria-busy');
      this.updateOlderButton();
    });
  }

  updateOlderButton() {
    this.olderButton.hidden = !(this.hasMore && this.status === 'ready');
    this.olderButton.disabled = this.loadingOlder;
    this.olderButton.textContent = this.loadingOlder ? 'Loading…' : 'Load older messages';
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  // Describes what should be on screen, in order. `version` changes when an
  // existing row must be rebuilt (status or grouping changed).
  items() {
    const items = [];
    const confirmedKeys = new Set();
    const rows = [];
    for (const m of this.confirmed) {
      let key = messageKey(m);
      if (confirmedKeys.has(key)) key = `s:${m.seq}`; // defensive: duplicate client_id
      confirmedKeys.add(key);
      rows.push({ m, key, status: 'sent' });
    }
    for (const p of this.pending) {
      const m = { ...p, author: this.me.username, author_id: this.me.id };
      const key = messageKey(m);
      if (!confirmedKeys.has(key)) rows.push({ m, key, status: p.status });
    }

    if (this.status === 'loading' && !rows.length) {
      items.push({ key: 'loading', version: '', create: () => h('p', { class: 'log-note' }, 'Loading messages…') });
    } else if (this.status === 'error') {
      items.push({ key: 'error', version: this.noteText, create: () => this.errorEl() });
    } else if (this.status === 'empty') {
      items.push({ key: 'none', version: this.noteText, create: () => h('p', { class: 'log-note' }, this.noteText) });
    } else if (this.status === 'ready' && !rows.length) {
      items.push({ key: 'empty', version: '', create: () => h('p', { class: 'log-note' }, 'No messages yet. Say hello!') });
    }

    const now = new Date();
    let prev = null;
    let prevDay = null;
    for (const row of rows) {
      const date = toDate(row.m.created_at);
      const day = dayKey(date);
      if (day !== prevDay) {
        const label = dayLabel(date, now);
        items.push({ key: `day:${day}`, version: label, create: () => this.dayEl(label, date) });
        prevDay = day;
        prev = null;
      }
      const continued = Boolean(
        prev && prev.m.author_id === row.m.author_id && date - prev.date < GROUP_WINDOW_MS,
      );
      items.push({
        key: row.key,
        version: `${row.status}|${continued}|${row.m.error ?? ''}`,
        create: () => this.messageEl(row.m, date, row.status, continued),
      });
      prev = { m: row.m, date };
    }
    return items;
  }

  // quiet: a bulk load (room switch, older page) that a screen reader
  // should not read out; only live arrivals are announced by the log.
  render({ toBottom = false, quiet = false } = {}) {
    if (quiet) this.muteLiveRegion();
    const s = this.scroller;
    const stick = toBottom || s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
    const anchor = stick ? null : this.findAnchor();

    const items = this.items();
    const wanted = new Set(items.map((i) => i.key));
    for (const [key, node] of this.nodes) {
      if (!wanted.has(key)) {
        node.el.remove();
        this.nodes.delete(key);
      }
    }

    // Walk the wanted order, reusing rows that haven't changed.
    let cursor = this.log.firstChild;
    for (const item of items) {
      let node = this.nodes.get(item.key);
      if (node && node.version !== item.version) {
        if (cursor === node.el) cursor = cursor.nextSibling;
        node.el.remove();
        node = null;
      }
      if (!node) {
        const el = item.create();
        el.dataset.key = item.key;
        node = { el, version: item.version };
        this.nodes.set(item.key, node);
      }
      if (node.el === cursor) cursor = cursor.nextSibling;
      else this.log.insertBefore(node.el, cursor);
    }

    this.updateOlderButton();

    // Stay at the bottom when the reader was there; otherwise keep the first
    // visible row still (e.g. when older messages are added above it).
    if (stick) this.scrollToBottom();
    else if (anchor) {
      const node = this.nodes.get(anchor.key);
      if (node) s.scrollTop += node.el.getBoundingClientRect().top - anchor.top;
    }
  }

  muteLiveRegion() {
    this.log.setAttribute('aria-live', 'off');
    clearTimeout(this.unmuteTimer);
    this.unmuteTimer = setTimeout(() => this.log.setAttribute('aria-live', 'polite'), 500);
  }

  // The first message at least partly in view. Day separators don't count:
  // older messages of the same day are inserted after theirs.
  findAnchor() {
    const top = this.scroller.getBoundingClientRect().top;
    for (const el of this.log.children) {
      if (!el.classList.contains('msg')) continue;
      const rect = el.getBoundingClientRect();
      if (rect.bottom > top) return { key: el.dataset.key, top: rect.top };
    }
    return null;
  }

  dayEl(label, date) {
    return h(
      'h2',
      { class: 'day-separator' },
      h('time', { datetime: dayKey(date), title: formatFull(date) }, label),
    );
  }

  errorEl() {
    return h(
      'div',
      { class: 'log-note log-note--error' },
      h('p', {}, this.noteText),
      this.onErrorRetry
        ? h('button', { type: 'button', class: 'button', onclick: () => this.onErrorRetry() }, 'Try again')
        : null,
    );
  }

  messageEl(m, date, status, continued) {
    const author = m.author || 'Unknown';
    const classes = ['msg'];
    if (continued) classes.push('msg--continued');
    if (status !== 'sent') classes.push(`msg--${status}`);
    if (m.author_id === this.me.id) classes.push('msg--mine');

    return h(
      'div',
      { class: classes.join(' ') },
      continued
        ? null
        : h('span', { class: `avatar ${avatarColor(author)}`, 'aria-hidden': 'true' }, [...author][0]?.toUpperCase() ?? '?'),
      h(
        'div',
        { class: 'msg__head' },
        h('span', { class: 'msg__author' }, author),
        ' ',
        h('time', { class: 'msg__time', datetime: date.toISOString(), title: formatFull(date) }, formatClock(date)),
      ),
      h('div', { class: 'msg__body' }, m.body),
      this.statusEl(m, status),
    );
  }

  statusEl(m, status) {
    if (status === 'pending') return h('div', { class: 'msg__status' }, 'Sending…');
    if (status !== 'failed') return null;
    return h(
      'div',
      { class: 'msg__status msg__status--failed' },
      h('span', {}, m.error ? `Not sent: ${m.error}` : 'Not sent.'),
      h('button', { type: 'button', class: 'link-button', onclick: () => this.onRetry(m.client_id) }, 'Retry'),
      h('button', { type: 'button', class: 'link-button', onclick: () => this.onDiscard(m.client_id) }, 'Discard'),
    );
  }
}
