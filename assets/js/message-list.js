// The message list of the open room. It keeps every message loaded so far
// (by seq) plus this browser's unconfirmed sends, and renders a window of
// at most WINDOW_MAX of them into the role="log" element, so a room of ten
// thousand messages scrolls as lightly as one of ten. Rendering is keyed
// and incremental: a row whose version has not changed is left alone
// (text selections, focus and the screen reader's place survive).
//
// It owns scrolling: stay at the newest while the reader is there, move
// the window (and load pages from the server at the ends) as the reader
// scrolls without moving what is on screen, the "New messages" divider,
// and the "Jump to newest" pill with how many arrived below.
//
// The loaded messages are one span of the room's history. Normally it ends
// at the newest message; opened at a link or far-back unread message it
// may end earlier (`hasNewer`), and then live messages are the room view's
// to keep aside until the span reaches the present.

import { t } from './i18n.js';
import { messageEditor } from './message-editor.js';
import { buildRows, describe, messageKey } from './message-rows.js';
import { MessageSpan } from './message-span.js';
import { patchChildren } from './keyed.js';

const NEAR_BOTTOM_PX = 48; // "at the bottom" tolerance
const EDGE_PX = 800; // this close to the window's top or bottom: extend it
const WINDOW_MAX = 120; // rows in the DOM at most (while the reader scrolls)
const WINDOW_STEP = 30; // rows added (and dropped at the far end) per move
const WINDOW_OPEN = 80; // rows shown when a room opens

const set = (el, property, value) => {
  if (el[property] !== value) el[property] = value;
};

export class MessageList {
  // callbacks: onLoadOlder(seq), onLoadNewer(seq), onJumpToNewest(),
  // onAtBottom(), onActions(button, message), onRetry(clientId),
  // onDiscard(clientId), onEditSave(seq, body).
  constructor({ scroller, log, olderButton, jumpButton, ...callbacks }) {
    this.scroller = scroller;
    this.log = log;
    this.olderButton = olderButton;
    this.jumpButton = jumpButton;
    this.callbacks = callbacks;
    this.me = { id: null, username: '' };
    this.nodes = new Map(); // key -> { el, version }
    this.intro = null;
    this.reset();

    olderButton.addEventListener('click', () => this.extendUp());
    jumpButton.addEventListener('click', () => this.showNewest());
    scroller.addEventListener('scroll', () => this.onScroll(), { passive: true });
    // The list gets shorter (the connection banner, a growing composer, a
    // phone's keyboard): whoever was reading the newest still is.
    new ResizeObserver(() => {
      if (this.stuck) this.scrollToEnd();
    }).observe(scroller);
  }

  setMe(user) {
    this.me = { id: user.id, username: user.username };
  }

  // A room opens. unreadAfter: the read marker, for the "New messages"
  // divider (null: no divider).
  reset({ unreadAfter = null } = {}) {
    this.span = new MessageSpan();
    this.pending = [];
    this.hasOlder = false;
    this.hasNewer = false;
    this.loadingOlder = false;
    this.loadingNewer = false;
    this.editingSeq = null;
    this.highlightSeq = null;
    this.unreadAfter = unreadAfter;
    this.status = 'loading'; // 'loading' | 'ready' | 'error' | 'empty'
    this.noteText = '';
    this.onErrorRetry = null;
    this.unseen = 0;
    this.rows = [];
    this.rowOf = new Map(); // key -> index in rows
    this.dirty = false;
    this.lo = 0;
    this.hi = 0;
    this.loKey = null;
    this.hiKey = null;
    this.followEnd = true;
    this.stuck = true;
    this.nodes.clear();
    this.log.replaceChildren();
    this.render({ toBottom: true });
  }

  get firstSeq() {
    return this.span.firstSeq;
  }

  get lastSeq() {
    return this.span.lastSeq;
  }

  // Whether the loaded span ends before the room's newest message.
  get detached() {
    return this.hasNewer;
  }

  find(seq) {
    return this.span.find(seq);
  }

  // My newest message that can still be edited (for Up in the composer).
  lastOwnSeq() {
    return this.span.lastOwnSeq(this.me.id);
  }

  // Messages from the server; returns whether anything changed.
  addMessages(messages) {
    const changed = this.span.add(messages);
    if (changed) this.dirty = true;
    return changed;
  }

  // A message.deleted event: only the seq is known.
  markDeleted(seq) {
    if (this.editingSeq === seq) this.editingSeq = null;
    const changed = this.span.markDeleted(seq);
    if (changed) this.dirty = true;
    return changed;
  }

  // A messages.expired event: those messages leave the list, all in one
  // render; returns whether any was shown.
  markExpired(seqs) {
    let changed = false;
    for (const seq of seqs) {
      if (this.editingSeq === seq) this.editingSeq = null;
      const m = this.span.find(seq);
      if (!m || m.expired) continue;
      this.span.bySeq.set(seq, { ...m, body: '', deleted: true, expired: true });
      this.span.messages[this.span.indexOf(seq)] = this.span.bySeq.get(seq);
      changed = true;
    }
    if (changed) this.dirty = true;
    return changed;
  }

  setPending(entries) {
    this.pending = entries.slice();
    this.dirty = true;
  }

  // What the server has beyond the loaded span.
  setHistory({ hasOlder = this.hasOlder, hasNewer = this.hasNewer }) {
    this.hasOlder = hasOlder;
    this.hasNewer = hasNewer;
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

  // The room's introduction, shown above its very first message (or alone
  // in an empty room). create() builds it; a new version rebuilds it.
  setIntro(create, version) {
    this.intro = create ? { create, version } : null;
  }

  // A live message from someone else: counted for the pill unless the
  // reader is looking at the newest (read now: a scroll's event may lag).
  arrived() {
    if (!this.atNewest()) this.unseen += 1;
  }

  startEdit(seq) {
    const m = this.span.find(seq);
    if (!m || m.deleted || m.author_id !== this.me.id) return;
    this.editingSeq = seq;
    this.reveal(seq, { highlight: false });
    const box = this.nodes.get(this.keyOfSeq(seq))?.el.querySelector('textarea');
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

  // --- Scrolling ----------------------------------------------------------

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  // At the bottom of a list that ends with the room's newest message.
  atNewest() {
    return this.atBottom() && this.followEnd && !this.hasNewer;
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  // To the newest message: at once when it is loaded, else the room view
  // loads the newest page (onJumpToNewest).
  showNewest() {
    if (this.hasNewer) {
      this.callbacks.onJumpToNewest();
      return;
    }
    this.followEnd = true;
    this.loKey = null;
    this.unseen = 0;
    this.render({ toBottom: true });
  }

  onScroll() {
    const s = this.scroller;
    this.stuck = this.atNewest();
    if (s.scrollTop < EDGE_PX) this.extendUp();
    else if (s.scrollHeight - s.scrollTop - s.clientHeight < EDGE_PX) this.extendDown();
    if (this.stuck) {
      this.unseen = 0;
      this.callbacks.onAtBottom();
    }
    this.updateControls();
  }

  // Shows older rows above (dropping as many at the bottom), or asks the
  // server for an older page once every loaded row is shown.
  extendUp() {
    if (this.status !== 'ready') return;
    if (this.lo > 0) {
      const lo = Math.max(0, this.lo - WINDOW_STEP);
      this.setWindow(lo, Math.min(this.hi, lo + WINDOW_MAX));
      this.render();
    } else if (this.hasOlder && !this.loadingOlder) {
      this.loadingOlder = true;
      this.log.setAttribute('aria-busy', 'true');
      this.updateControls();
      Promise.resolve(this.callbacks.onLoadOlder(this.firstSeq)).finally(() => {
        this.loadingOlder = false;
        this.log.removeAttribute('aria-busy');
        this.updateControls();
        // Still near the top (a short page on a tall screen): keep going.
        if (this.scroller.scrollTop < EDGE_PX) requestAnimationFrame(() => this.extendUp());
      });
    }
  }

  // The same downwards: newer rows, then a newer page when detached.
  extendDown() {
    if (this.status !== 'ready') return;
    if (this.dirty) this.refreshRows();
    if (this.hi < this.rows.length) {
      const hi = Math.min(this.rows.length, this.hi + WINDOW_STEP);
      this.setWindow(Math.max(this.lo, hi - WINDOW_MAX), hi);
      this.render();
    } else if (this.hasNewer && !this.loadingNewer) {
      this.loadingNewer = true;
      Promise.resolve(this.callbacks.onLoadNewer(this.lastSeq)).finally(() => {
        this.loadingNewer = false;
      });
    }
  }

  // Shows the message at `seq` in the middle of the list, highlighted.
  reveal(seq, { highlight = true } = {}) {
    if (this.dirty) this.refreshRows();
    const at = this.rowOf.get(this.keyOfSeq(seq));
    if (at === undefined) return false;
    if (highlight) this.highlightSeq = seq;
    if (at < this.lo || at >= this.hi) {
      const lo = Math.max(0, at - Math.floor(WINDOW_OPEN / 2));
      this.setWindow(lo, Math.min(this.rows.length, lo + WINDOW_OPEN));
    }
    this.render();
    this.nodes.get(this.keyOfSeq(seq))?.el.scrollIntoView({ block: highlight ? 'center' : 'nearest' });
    return true;
  }

  // After opening a room with unread messages: the divider near the top
  // when there is more to read than fits, else the newest at the bottom.
  showFirstUnread() {
    const divider = this.nodes.get('unread')?.el;
    if (!divider) return;
    const top = this.scroller.getBoundingClientRect().top;
    const offset = divider.getBoundingClientRect().top - top - 8;
    if (offset > 0 && this.atBottom()) this.scroller.scrollTop += offset;
    this.stuck = this.atBottom();
  }

  keyOfSeq(seq) {
    const m = this.span.find(seq);
    if (!m) return null;
    const key = messageKey(m);
    return this.rowOf.has(key) && this.rows[this.rowOf.get(key)].m.seq === seq ? key : `s:${seq}`;
  }

  // --- Rendering ----------------------------------------------------------

  refreshRows() {
    Object.assign(this, buildRows(this.span.messages, this.pending, this.me, this.unreadAfter));
    this.dirty = false;
  }

  setWindow(lo, hi) {
    this.lo = lo;
    this.hi = hi;
    this.loKey = this.rows[lo]?.key ?? null;
    this.hiKey = this.rows[hi - 1]?.key ?? null;
    this.followEnd = hi >= this.rows.length;
  }

  // Finds the window's rows again after the rows changed (pages added at
  // either end move every index).
  resolveWindow(stick) {
    const n = this.rows.length;
    let hi = this.followEnd || stick || !this.rowOf.has(this.hiKey) ? n : this.rowOf.get(this.hiKey) + 1;
    let lo = this.rowOf.has(this.loKey) ? this.rowOf.get(this.loKey) : Math.max(0, hi - WINDOW_OPEN);
    if (lo > hi) lo = Math.max(0, hi - WINDOW_OPEN);
    if (hi - lo > WINDOW_MAX) {
      // Reading the newest: drop the oldest rows; reading further up while
      // many arrive: stop following the end (the pill counts them).
      if (stick) lo = hi - WINDOW_MAX;
      else if (hi - lo > 2 * WINDOW_MAX) hi = lo + WINDOW_MAX;
    }
    this.setWindow(lo, hi);
  }

  rowContext() {
    return {
      me: this.me,
      onActions: this.callbacks.onActions,
      onRetry: this.callbacks.onRetry,
      onDiscard: this.callbacks.onDiscard,
      onOpenImage: this.callbacks.onOpenImage,
      reactions: this.callbacks.reactions,
      reactionsVersion: this.callbacks.reactionsVersion,
      systemLine: this.callbacks.systemLine,
      editor: (m) =>
        messageEditor(m, {
          onSave: (body) => this.callbacks.onEditSave(m.seq, body),
          onDone: () => this.stopEdit(),
        }),
    };
  }

  // quiet: a bulk load (room switch, older page) that a screen reader
  // should not read out; only live arrivals are announced by the log.
  render({ toBottom = false, quiet = false } = {}) {
    if (quiet) this.muteLiveRegion();
    const stick = toBottom || this.atNewest();
    const anchor = stick ? null : this.findAnchor();
    if (this.dirty) this.refreshRows();
    this.resolveWindow(stick);

    patchChildren(this.log, this.nodes, describe(this, this.rowContext()));

    // Stay at the bottom when the reader was there; otherwise keep the
    // first visible row still (rows added or dropped above it).
    if (stick) this.scrollToEnd();
    else if (anchor) {
      const node = this.nodes.get(anchor.key);
      if (node) this.scroller.scrollTop += node.el.getBoundingClientRect().top - anchor.top;
    }
    this.stuck = stick || this.atNewest();
    if (this.stuck) this.unseen = 0;
    this.updateControls();
  }

  // Writes only what changed: every write would make the next read of a
  // position (on the next scroll event) lay the whole list out again.
  updateControls() {
    const older = this.status === 'ready' && (this.lo > 0 || this.hasOlder);
    const olderText = this.loadingOlder ? t('messages.loadingOlder') : t('messages.loadOlder');
    set(this.olderButton, 'hidden', !older);
    set(this.olderButton, 'disabled', this.loadingOlder);
    set(this.olderButton, 'textContent', olderText);
    const show = this.status === 'ready' && (this.hasNewer || this.unseen > 0);
    set(this.jumpButton, 'hidden', !show);
    if (show) {
      const label = this.jumpButton.querySelector('.jump-newest__label');
      set(label, 'textContent', this.unseen > 0 ? t('messages.newCount', { count: this.unseen }) : t('messages.jumpNewest'));
    }
  }

  muteLiveRegion() {
    this.log.setAttribute('aria-live', 'off');
    clearTimeout(this.unmuteTimer);
    this.unmuteTimer = setTimeout(() => this.log.setAttribute('aria-live', 'polite'), 500);
  }

  // The first message at least partly in view.
  findAnchor() {
    const top = this.scroller.getBoundingClientRect().top;
    for (const el of this.log.children) {
      if (!el.classList.contains('msg')) continue;
      const rect = el.getBoundingClientRect();
      if (rect.bottom > top) return { key: el.dataset.key, top: rect.top };
    }
    return null;
  }
}
