// Threads in the web client: the summary under a message that has replies
// (how many, when the last came, who replied; a button that opens the
// thread), and the side panel that shows one thread (beside the timeline
// on wide screens, over it on phones) with its replies, older pages, live
// updates and its own composer. Replies are sent over HTTP with a
// client-made id, so a retried send is stored once.

import { get, post, roomPath } from './api.js';
import { learnProfiles, personAvatar, personName, statusEmoji } from './people.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { renderMarkdown } from './markdown.js';
import { markMentions } from './mentions.js';
import { formatClock, formatFull, timeAgo, toDate } from './time.js';
import { toast } from './toast.js';
import { key, readJson, writeJson } from './store.js';

const PAGE = 50;
const SEEN_MAX = 500; // threads whose last seen reply this browser remembers
let opener = null; // (message) => void, set by the panel
let meOf = () => null;

// The newest reply I have seen, per thread ("room:root" -> seq), in this browser.
const seenKey = () => key('threadSeen', meOf()?.id);
const seenOf = (m) => readJson(seenKey(), {})[`${m.room_id}:${m.seq}`] ?? 0;
function markSeen(root) {
  const last = root.thread?.last_reply_seq;
  if (!last || seenOf(root) >= last) return;
  const seen = readJson(seenKey(), {});
  seen[`${root.room_id}:${root.seq}`] = last;
  const keys = Object.keys(seen);
  for (const k of keys.slice(0, Math.max(0, keys.length - SEEN_MAX))) delete seen[k];
  writeJson(seenKey(), seen);
}

// A thread I took part in (wrote its first message or replied) has
// replies from others that I have not seen in its panel.
function unread(m) {
  const me = meOf();
  const s = m.thread;
  if (!me || !s?.last_reply_seq) return false;
  const people = (s.people ?? []).map((p) => p.toLowerCase());
  const tookPart = m.author_id === me.id || people.includes(me.username.toLowerCase());
  const lastByMe = people[0] === me.username.toLowerCase();
  return tookPart && !lastByMe && s.last_reply_seq > seenOf(m);
}

// What of a message's thread a row shows, for message-row.js's rowVersion.
export function threadVersion(m) {
  const s = m.thread;
  return s ? `${s.reply_count}:${s.last_reply_seq}:${unread(m)}` : '';
}

// The "3 replies · last 2 min ago" button under a message with replies.
export function threadSummaryEl(m) {
  const s = m.thread;
  if (!s || !s.reply_count || m.thread_root) return null;
  const when = s.last_reply_at ? timeAgo(toDate(s.last_reply_at)) : '';
  return h(
    'button',
    { type: 'button', class: `thread-summary${unread(m) ? ' thread-summary--unread' : ''}`, 'data-thread-root': m.seq, onclick: () => opener?.(m) },
    unread(m) ? h('span', { class: 'thread-summary__new' }, t('thread.new')) : null,
    h('span', { class: 'thread-summary__count' }, t('thread.replies', { count: s.reply_count })),
    h('span', { class: 'thread-summary__people' }, (s.people ?? []).slice(0, 3).join(', ')),
    when ? h('span', { class: 'thread-summary__when' }, t('thread.lastReply', { when })) : null,
  );
}

// A reply that belongs in its thread only (not the room's timeline).
export const threadOnly = (m) => Boolean(m.thread_root) && !m.also_in_room;

export class ThreadPanel {
  // deps: { panel, app, me(), roomOpen(roomId), closeOthers() }
  constructor(deps) {
    Object.assign(this, deps);
    this.current = null; // { roomId, root, replies: Map(seq -> m), hasOlder }
    opener = (m) => this.open(m.room_id, m.thread_root ?? m.seq);
    meOf = deps.me;
  }

  isOpen(roomId, rootSeq) {
    return this.current?.roomId === roomId && (rootSeq === undefined || this.current.root?.seq === rootSeq);
  }

  close() {
    this.current = null;
    this.panel.hidden = true;
    this.panel.replaceChildren();
    this.app.classList.remove('app--panel');
  }

  async open(roomId, seq) {
    this.closeOthers?.();
    const cur = { roomId, root: null, replies: new Map(), hasOlder: false, loading: true };
    this.current = cur;
    this.app.classList.add('app--panel');
    this.panel.hidden = false;
    this.render();
    try {
      const data = await get(roomPath(roomId, `/messages/${seq}/thread?limit=${PAGE}`));
      if (cur !== this.current) return;
      learnProfiles(data.authors);
      cur.root = data.root;
      for (const m of data.replies ?? []) cur.replies.set(m.seq, m);
      cur.hasOlder = Boolean(data.has_more);
      cur.loading = false;
      this.render();
      this.panel.querySelector('textarea')?.focus();
    } catch (err) {
      if (cur !== this.current) return;
      toast(err.message, { error: true });
      this.close();
    }
  }

  async loadOlder() {
    const cur = this.current;
    const first = Math.min(...cur.replies.keys());
    try {
      const data = await get(roomPath(cur.roomId, `/messages/${cur.root.seq}/thread?before=${first}&limit=${PAGE}`));
      if (cur !== this.current) return;
      learnProfiles(data.authors);
      for (const m of data.replies ?? []) cur.replies.set(m.seq, m);
      cur.hasOlder = Boolean(data.has_more);
      this.render();
    } catch (err) {
      toast(err.message, { error: true });
    }
  }

  // A room event; returns whether the panel showed something new.
  onEvent(e) {
    const cur = this.current;
    if (!cur?.root || cur.roomId !== e.room_id) return false;
    if (e.type === 'message.created' && e.message.thread_root === cur.root.seq) {
      cur.replies.set(e.message.seq, e.message);
    } else if (e.type === 'thread.updated' && e.root_seq === cur.root.seq) {
      cur.root = { ...cur.root, thread: e.thread };
    } else if ((e.type === 'message.edited') && (cur.replies.has(e.message.seq) || e.message.seq === cur.root.seq)) {
      if (e.message.seq === cur.root.seq) cur.root = { ...e.message, thread: cur.root.thread };
      else cur.replies.set(e.message.seq, e.message);
    } else if (e.type === 'message.deleted' && cur.replies.has(e.message_seq)) {
      cur.replies.set(e.message_seq, { ...cur.replies.get(e.message_seq), body: '', deleted: true });
    } else {
      return false;
    }
    this.render({ keepComposer: true });
    return true;
  }

  async send(body, alsoInRoom) {
    const cur = this.current;
    const client_id = crypto.randomUUID();
    const { message } = await post(roomPath(cur.roomId, `/messages/${cur.root.seq}/replies`), {
      body,
      client_id,
      also_in_room: alsoInRoom,
    });
    if (cur === this.current) {
      cur.replies.set(message.seq, message);
      this.render({ keepComposer: true });
    }
  }

  render({ keepComposer = false } = {}) {
    const cur = this.current;
    if (!cur) return;
    const oldForm = keepComposer ? this.panel.querySelector('form') : null;
    if (cur.root) {
      markSeen(cur.root);
      this.onSeen?.(cur.root);
    }
    const count = cur.root?.thread?.reply_count ?? cur.replies.size;
    const head = h(
      'header',
      { class: 'side-panel__head' },
      h('h2', { id: 'side-panel-title' }, t('thread.title')),
      h('span', { class: 'muted' }, t('thread.replies', { count })),
      h('button', { type: 'button', class: 'icon-button side-panel__close', 'aria-label': t('thread.close'), onclick: () => this.close() }, '×'),
    );
    const body = h('div', { class: 'side-panel__scroll' });
    if (cur.loading) body.append(h('p', { class: 'log-note' }, t('messages.loading')));
    else {
      body.append(replyEl(cur.root, this.me(), 'thread-root'));
      if (cur.hasOlder) body.append(h('button', { type: 'button', class: 'button button--small', onclick: () => this.loadOlder() }, t('thread.older')));
      const replies = [...cur.replies.values()].sort((a, b) => a.seq - b.seq);
      body.append(h('div', { class: 'thread-replies', role: 'log', 'aria-label': t('thread.repliesLabel'), 'aria-live': 'polite' }, replies.map((m) => replyEl(m, this.me(), 'thread-reply'))));
    }
    const form = oldForm ?? (cur.loading ? null : this.composer());
    this.panel.replaceChildren(head, body, form ?? '');
    body.scrollTop = body.scrollHeight;
  }

  composer() {
    const textarea = h('textarea', { class: 'composer__input thread-composer__input', rows: '2', 'aria-label': t('thread.composer'), placeholder: t('thread.placeholder') });
    const also = h('input', { type: 'checkbox', id: 'thread-also' });
    const submit = async () => {
      const text = textarea.value.trim();
      if (!text) return;
      textarea.disabled = true;
      try {
        await this.send(text, also.checked);
        textarea.value = '';
      } catch (err) {
        toast(err.message, { error: true });
      } finally {
        textarea.disabled = false;
        textarea.focus();
      }
    };
    textarea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submit();
      } else if (e.key === 'Escape' && !textarea.value) {
        this.close();
      }
    });
    const form = h(
      'form',
      { class: 'thread-composer', onsubmit: (e) => { e.preventDefault(); submit(); } },
      textarea,
      h('div', { class: 'thread-composer__row' },
        h('label', { class: 'thread-composer__also' }, also, ' ', t('thread.alsoToRoom')),
        h('button', { type: 'submit', class: 'button button--primary button--small' }, t('thread.send'))),
    );
    // After the textarea has its place: the @ completion puts its list
    // beside it (a list never placed left the completion invisible and its
    // aria-controls pointing at nothing).
    this.onComposer?.(textarea, this.current.roomId);
    return form;
  }
}

function replyEl(m, me, kind) {
  const date = toDate(m.created_at);
  const mentioned = me && ((m.mentions ?? []).some((n) => n.toLowerCase() === me.username.toLowerCase()) || m.mentions_room);
  const body = m.deleted ? h('div', { class: 'msg__body msg__body--deleted' }, t('message.deleted')) : h('div', { class: 'msg__body' }, renderMarkdown(m.body));
  if (!m.deleted) markMentions(body, m);
  return h(
    'div',
    { class: `msg ${kind}${mentioned ? ' msg--mentions-me' : ''}`, 'data-seq': m.seq },
    personAvatar(m.author),
    h('div', { class: 'msg__head' }, personName(m.author, 'msg__author'), statusEmoji(m.author), ' ',
      h('time', { class: 'msg__time', datetime: date.toISOString(), title: formatFull(date) }, formatClock(date))),
    body,
  );
}
