// Message list for the open room: keeps the confirmed messages (by seq) plus
// this browser's unconfirmed sends, and renders them into the role="log"
// element. Rendering is keyed and incremental so a new message doesn't
// rebuild the list (that would clear text selections and re-announce the
// whole log). It also owns the scrolling behaviour: stay at the newest
// while the reader is there, load older pages near the top without moving
// what is on screen, and offer "Jump to newest" when new messages arrive
// while the reader is further up.

import { h } from './dom.js';
import { renderMarkdown } from './markdown.js';
import { toDate, formatClock, formatFull, dayKey, dayLabel } from './time.js';

const GROUP_WINDOW_MS = 5 * 60 * 1000; // same author within 5 min = one group
const NEAR_BOTTOM_PX = 48; // "at the bottom" tolerance for auto-scroll
const OLDER_TRIGGER_PX = 300; // scrolling this close to the top loads more
const AVATAR_COLORS = 8;

// Key for a message row. A pending send and the server's copy share a key
// (author + client_id), so the confirmed message replaces the pending one
// in place.
function messageKey(m) {
  return m.client_id ? `c:${m.author_id}:${m.client_id}` : `s:${m.seq}`;
}

// The same name always gets the same colour, on every device. FNV-1a
// spreads short, similar names over the palette better than a sum would.
function avatarColor(name) {
  let hash = 0x811c9dc5;
  for (const ch of name.toLowerCase()) hash = Math.imul(hash ^ ch.codePointAt(0), 0x01000193) >>> 0;
  return `avatar--c${hash % AVATAR_COLORS}`;
}

// Whether `incoming` is a newer state of the same message than `current`
// (a deletion is final; otherwise the later edit wins). History pages and
// stream events can arrive in either order around an edit.
function isNewer(incoming, current) {
  if (current.deleted) return false;
  if (incoming.deleted) return true;
  return (incoming.edited_at ?? '') > (current.edited_at ?? '');
}

export class MessageList {
  // onRetry/onDiscard(clientId): a failed send's buttons. onLoadOlder(seq):
  // fetch the page before seq. onActions(button, seq): open the message
  // menu. onEditSave(seq, body): save an edit (returns a promise).
  constructor({ scroller, log, olderButton, jumpButton, onRetry, onDiscard, onLoadOlder, onActions, onEditSave, onAtBottom }) {
    this.scroller = scroller;
    this.log = log;
    this.olderButton = olderButton;
    this.jumpButton = jumpButton;
    this.callbacks = { onRetry, onDiscard, onLoadOlder, onActions, onEditSave, onAtBottom };
    this.me = { id: null, username: '' };
    this.nodes = new Map(); // key -> { el, version }
    this.reset();

    olderButton.addEventListener('click', () => this.requestOlder());
    jumpButton.addEventListener('click', () => {
      this.scrollToBottom();
      this.hideJump();
    });
    scroller.addEventListener(
      'scroll',
      () => {
        if (scroller.scrollTop < OLDER_TRIGGER_PX) this.requestOlder();
        if (this.atBottom()) {
          this.hideJump();
          onAtBottom();
        }
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
    this.editingSeq = null;
    this.status = 'loading'; // 'loading' | 'ready' | 'error' | 'empty'
    this.noteText = '';
    this.onErrorRetry = null;
    this.nodes.clear();
    this.log.replaceChildren();
    this.hideJump();
    this.render({ toBottom: true });
  }

  get firstSeq() {
    return this.confirmed.length ? this.confirmed[0].seq : null;
  }

  get lastSeq() {
    return this.confirmed.length ? this.confirmed[this.confirmed.length - 1].seq : null;
  }

  find(seq) {
    return this.bySeq.get(seq) ?? null;
  }

  // My newest message that can still be edited (for Up in the composer).
  lastOwnSeq() {
    for (let i = this.confirmed.length - 1; i >= 0; i -= 1) {
      const m = this.confirmed[i];
      if (m.author_id === this.me.id && !m.deleted) return m.seq;
    }
    return null;
  }

  // Merges messages from the server (any order; duplicates and older
  // states ignored). Returns whether anything changed.
  addMessages(messages) {
    let added = false;
    let changed = false;
    for (const m of messages) {
      const current = this.bySeq.get(m.seq);
      if (current && !isNewer(m, current)) continue;
      if (!current) added = true;
      this.bySeq.set(m.seq, m);
      changed = true;
    }
    if (added) this.confirmed = [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    else if (changed) this.confirmed = this.confirmed.map((m) => this.bySeq.get(m.seq));
    return changed;
  }

  // A message.deleted event: only the seq is known.
  markDeleted(seq) {
    const m = this.bySeq.get(seq);
    if (!m || m.deleted) return false;
    if (this.editingSeq === seq) this.editingSeq = null;
    return this.addMessages([{ ...m, body: '', deleted: true }]);
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

  startEdit(seq) {
    const m = this.bySeq.get(seq);
    if (!m || m.deleted || m.author_id !== this.me.id) return;
    this.editingSeq = seq;
    this.render();
    const box = this.nodes.get(messageKey(m))?.el.querySelector('textarea');
    if (box) {
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
      box.scrollIntoView({ block: 'nearest' });
    }
  }

  stopEdit({ focusComposer = true } = {}) {
    this.editingSeq = null;
    this.render();
    if (focusComposer) document.getElementById('composer')?.focus();
  }

  requestOlder() {
    if (!this.hasMore || this.loadingOlder || this.status !== 'ready') return;
    this.loadingOlder = true;
    this.updateOlderButton();
    this.log.setAttribute('aria-busy', 'true');
    Promise.resolve(this.callbacks.onLoadOlder(this.firstSeq)).finally(() => {
      this.loadingOlder = false;
      this.log.removeAttribute('aria-busy');
      this.updateOlderButton();
      // Still near the top (a short page on a tall screen): keep going.
      if (this.scroller.scrollTop < OLDER_TRIGGER_PX) requestAnimationFrame(() => this.requestOlder());
    });
  }

  updateOlderButton() {
    this.olderButton.hidden = !(this.hasMore && this.status === 'ready');
    this.olderButton.disabled = this.loadingOlder;
    this.olderButton.textContent = this.loadingOlder ? 'Loading…' : 'Load older messages';
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  hideJump() {
    this.jumpButton.hidden = true;
  }

  // Describes what should be on screen, in order. `version` changes when an
  // existing row must be rebuilt (text, status or grouping changed).
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
      const editing = row.status === 'sent' && row.m.seq === this.editingSeq;
      const { m } = row;
      items.push({
        key: row.key,
        // A pending row says "Sending…" or "Waiting for connection…".
        version: [row.status, continued, editing, m.error ?? '', m.body, m.edited_at ?? '', Boolean(m.deleted), row.status === 'pending' && navigator.onLine].join('|'),
        create: () => this.messageEl(m, date, row.status, continued, editing),
      });
      prev = { m, date };
    }
    return items;
  }

  // quiet: a bulk load (room switch, older page) that a screen reader
  // should not read out; only live arrivals are announced by the log.
  // live: new messages from the stream (may offer "Jump to newest").
  render({ toBottom = false, quiet = false, live = false } = {}) {
    if (quiet) this.muteLiveRegion();
    const s = this.scroller;
    const stick = toBottom || this.atBottom();
    const anchor = stick ? null : this.findAnchor();
    const before = this.log.lastElementChild;

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
        const fresh = item.create();
        fresh.dataset.key = item.key;
        if (cursor === node.el) cursor = fresh;
        node.el.replaceWith(fresh);
        node = { el: fresh, version: item.version };
        this.nodes.set(item.key, node);
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
    else {
      if (anchor) {
        const node = this.nodes.get(anchor.key);
        if (node) s.scrollTop += node.el.getBoundingClientRect().top - anchor.top;
      }
      if (live && this.log.lastElementChild !== before) this.jumpButton.hidden = false;
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

  messageEl(m, date, status, continued, editing) {
    const author = m.author || 'Unknown';
    const mine = m.author_id === this.me.id;
    const classes = ['msg'];
    if (continued) classes.push('msg--continued');
    if (status !== 'sent') classes.push(`msg--${status}`);
    if (mine) classes.push('msg--mine');
    if (m.deleted) classes.push('msg--deleted');

    return h(
      'div',
      { class: classes.join(' '), 'data-seq': status === 'sent' ? m.seq : null },
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
      editing ? this.editorEl(m) : this.bodyEl(m),
      this.statusEl(m, status),
      mine && status === 'sent' && !m.deleted && !editing
        ? h(
            'button',
            {
              type: 'button',
              class: 'icon-button icon-button--small msg__actions',
              'aria-label': `Actions for your message at ${formatClock(date)}`,
              'aria-haspopup': 'true',
              'aria-expanded': 'false',
              onclick: (e) => this.callbacks.onActions(e.currentTarget, m.seq),
            },
            '⋯',
          )
        : null,
    );
  }

  bodyEl(m) {
    if (m.deleted) return h('div', { class: 'msg__body msg__body--deleted' }, 'message deleted');
    const body = h('div', { class: 'msg__body' });
    body.append(renderMarkdown(m.body));
    if (m.edited_at) {
      const edited = toDate(m.edited_at);
      body.append(' ', h('span', { class: 'msg__edited', title: `Edited ${formatFull(edited)}` }, '(edited)'));
    }
    return body;
  }

  // Inline editor: Enter saves, Shift+Enter is a new line, Escape cancels.
  editorEl(m) {
    const box = h('textarea', { class: 'msg__edit-input', rows: '2', 'aria-label': 'Edit message' });
    box.value = m.body;
    const save = async () => {
      const body = box.value.trim();
      if (!body || body === m.body) {
        this.stopEdit();
        return;
      }
      box.disabled = true;
      try {
        await this.callbacks.onEditSave(m.seq, body);
        this.stopEdit();
      } catch {
        box.disabled = false; // the error is shown by the caller; keep the text
        box.focus();
      }
    };
    box.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        save();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.stopEdit();
      }
    });
    return h(
      'div',
      { class: 'msg__editor' },
      box,
      h(
        'p',
        { class: 'msg__edit-hint' },
        'Escape to ',
        h('button', { type: 'button', class: 'link-button', onclick: () => this.stopEdit() }, 'cancel'),
        ' · Enter to ',
        h('button', { type: 'button', class: 'link-button', onclick: save }, 'save'),
      ),
    );
  }

  statusEl(m, status) {
    if (status === 'pending') {
      const text = navigator.onLine ? 'Sending…' : 'Waiting for connection…';
      return h('div', { class: 'msg__status', 'data-status': 'pending' }, text);
    }
    if (status !== 'failed') return null;
    return h(
      'div',
      { class: 'msg__status msg__status--failed', 'data-status': 'failed' },
      h('span', {}, m.error ? `Not sent: ${m.error}` : 'Not sent.'),
      h('button', { type: 'button', class: 'link-button', onclick: () => this.callbacks.onRetry(m.client_id) }, 'Retry'),
      h('button', { type: 'button', class: 'link-button', onclick: () => this.callbacks.onDiscard(m.client_id) }, 'Discard'),
    );
  }
}
