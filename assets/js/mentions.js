// Mentions in the web client: the names a message mentions (as the server
// found them) marked in its text and the whole message highlighted for the
// person mentioned; `@` autocomplete of the room's members in a composer
// (arrows, Tab/Enter, Esc); and the mentions inbox (newest first; the
// server only lists rooms I am in now).

import { get, roomPath } from './api.js';
import { displayName, learnProfiles, personAvatar, personName } from './people.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { renderMarkdown } from './markdown.js';
import { formatFull, timeAgo, toDate } from './time.js';

const lower = (s) => s.toLowerCase();

// Whether message `m` mentions `me` (by name, or the whole room).
export function mentionsMe(m, me) {
  if (!me || m.author_id === me.id) return false;
  return Boolean(m.mentions_room) || (m.mentions ?? []).some((n) => lower(n) === lower(me.username));
}

// Wraps each "@name" the server counted as a mention in a <span>, walking
// the rendered text nodes (never parsing markup), outside code.
export function markMentions(el, m) {
  const names = new Set((m.mentions ?? []).map(lower));
  if (m.mentions_room) names.add('room').add('here');
  if (!names.size) return;
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement.closest('code, pre, a') && n.data.includes('@')) texts.push(n);
  }
  const re = /(^|[^\w@.-])@([A-Za-z0-9_.-]+)/g;
  for (const node of texts) {
    const parts = [];
    let last = 0;
    for (const match of node.data.matchAll(re)) {
      const name = match[2].replace(/\.+$/, '');
      if (!names.has(lower(name))) continue;
      const at = match.index + match[1].length;
      parts.push(node.data.slice(last, at), h('span', { class: 'mention' }, `@${name}`));
      last = at + 1 + name.length;
    }
    if (!parts.length) continue;
    parts.push(node.data.slice(last));
    node.replaceWith(...parts.filter((p) => p !== ''));
  }
}

// `@` autocomplete on a composer's textarea. roomId(): the room whose
// members are offered. The list is a listbox the textarea controls.
export function attachMentionComplete(textarea, roomId) {
  const id = `mention-list-${Math.random().toString(36).slice(2)}`;
  const listbox = h('ul', { id, class: 'mention-list', role: 'listbox', 'aria-label': t('mention.listLabel'), hidden: true });
  textarea.after(listbox);
  textarea.setAttribute('aria-controls', id);
  textarea.setAttribute('aria-autocomplete', 'list');
  let cache = { room: null, members: null }; // members: a promise of the list

  function members() {
    const room = roomId();
    if (cache.room !== room) {
      const asked = get(roomPath(room, '/members')).then(
        (data) => {
          learnProfiles(data.members);
          return data.members ?? [];
        },
        () => {
          if (cache.room === room) cache.room = null; // ask again next time
          return [];
        },
      );
      cache = { room, members: asked };
    }
    return cache.members;
  }
  let options = [];
  let active = 0;
  let word = null; // { start, end }
  let asks = 0;

  function close() {
    options = [];
    word = null;
    listbox.hidden = true;
    listbox.replaceChildren();
    textarea.removeAttribute('aria-activedescendant');
  }

  function render() {
    listbox.replaceChildren(
      ...options.map((name, i) =>
        h('li', {
          id: `${id}-${i}`,
          role: 'option',
          class: 'mention-list__option',
          'aria-selected': String(i === active),
          onmousedown: (e) => { e.preventDefault(); pick(i); },
        }, personAvatar(name, { small: true }), personName(name),
        displayName(name) === name ? null : h('span', { class: 'muted' }, ` @${name}`)),
      ),
    );
    listbox.hidden = !options.length;
    if (options.length) textarea.setAttribute('aria-activedescendant', `${id}-${active}`);
  }

  function pick(i) {
    const name = options[i];
    if (!name || !word) return;
    const before = textarea.value.slice(0, word.start);
    const after = textarea.value.slice(word.end);
    const insert = `@${name} `;
    textarea.value = before + insert + after;
    const caret = before.length + insert.length;
    textarea.setSelectionRange(caret, caret);
    close();
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  }

  textarea.addEventListener('input', async () => {
    const caret = textarea.selectionStart;
    const match = /(^|[^\w@.-])@([A-Za-z0-9_.-]{0,32})$/.exec(textarea.value.slice(0, caret));
    if (!match || roomId() == null) {
      asks += 1;
      return close();
    }
    const prefix = lower(match[2]);
    const start = caret - match[2].length - 1;
    const ask = ++asks;
    const all = await members();
    if (ask !== asks || textarea.selectionStart !== caret) return; // typed on meanwhile
    // A username, or any word of a display name, that starts so; the
    // username is what is inserted (it is the handle).
    const matches = (n) => lower(n).startsWith(prefix) || lower(displayName(n)).split(/\s+/).some((w) => w.startsWith(prefix));
    const names = all.map((m) => m.username).filter(matches);
    for (const special of ['room', 'here']) if (special.startsWith(prefix) && prefix) names.push(special);
    word = { start, end: caret };
    options = names.slice(0, 8);
    active = 0;
    render();
  });

  // Capture: runs before the composer's own Enter-sends handler.
  textarea.addEventListener(
    'keydown',
    (e) => {
      if (!options.length) return;
      const move = { ArrowDown: 1, ArrowUp: -1 }[e.key];
      if (move) active = (active + move + options.length) % options.length;
      else if (e.key === 'Enter' || e.key === 'Tab') pick(active);
      else if (e.key === 'Escape') close();
      else return;
      e.preventDefault();
      e.stopImmediatePropagation();
      if (move) render();
    },
    true,
  );
  textarea.addEventListener('blur', () => setTimeout(close, 150));
}

// The inbox's entries as list items; onOpen(entry) goes to the message.
export function inboxEl(entries, { roomName, onOpen }) {
  if (!entries.length) return h('p', { class: 'log-note' }, t('mention.inboxEmpty'));
  return h(
    'ul',
    { class: 'inbox' },
    entries.map((e) => {
      const m = e.message;
      const date = toDate(m.created_at);
      const body = h('div', { class: 'msg__body' }, renderMarkdown(m.body));
      markMentions(body, m);
      return h(
        'li',
        { class: 'inbox__item' },
        h(
          'button',
          { type: 'button', class: 'inbox__open', onclick: () => onOpen(e) },
          personAvatar(m.author),
          h('span', { class: 'inbox__where' }, personName(m.author, 'inbox__author'), ' · ', roomName(e), ' · ',
            h('time', { datetime: date.toISOString(), title: formatFull(date) }, timeAgo(date))),
        ),
        body,
      );
    }),
  );
}
