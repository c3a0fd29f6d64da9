// Pins and saved messages in the page: which messages of the open room are
// pinned (loaded when it opens, kept by message.pinned / message.unpinned
// events), the message menu's Pin and Save items, and two list dialogs:
// the room's pinned messages and my saved ones, each with a way to jump to
// the message.

import { del, get, put, roomPath } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { renderMarkdown } from './markdown.js';
import { formatFull, toDate } from './time.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);

export function setupPins({ list, roomId }) {
  let pinned = new Set(); // message ids of the open room
  let loadedFor = null;
  const pinsDialog = $('pins-dialog');
  const savedDialog = $('saved-dialog');

  for (const dialog of [pinsDialog, savedDialog]) {
    for (const b of dialog.querySelectorAll('[data-close]')) b.addEventListener('click', () => dialog.close());
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) dialog.close();
    });
  }

  async function roomShown(id) {
    if (id === loadedFor) return;
    loadedFor = id;
    pinned = new Set();
    if (id === null) return;
    try {
      const { pins = [] } = await get(roomPath(id, '/pins'));
      if (loadedFor !== id) return;
      pinned = new Set(pins.map((p) => p.message.id));
      list.render();
    } catch {
      // The room's rows just show no pin marks.
    }
  }

  function jump(m, dialog) {
    dialog.close();
    location.hash = `room=${m.room_id}&msg=${m.seq}`;
  }

  function entry(m, extra, actions) {
    const date = toDate(m.created_at);
    return h(
      'li',
      { class: 'pin-item' },
      h('p', { class: 'pin-item__head' }, h('strong', {}, m.author), ' ', h('time', { datetime: date.toISOString() }, formatFull(date)), extra),
      h('div', { class: 'pin-item__body' }, renderMarkdown(m.body)),
      h('div', { class: 'pin-item__actions' }, actions),
    );
  }

  async function openPins() {
    const id = roomId();
    if (id === null) return;
    const listEl = $('pins-list');
    listEl.replaceChildren(h('li', { class: 'muted' }, t('common.loading')));
    pinsDialog.showModal();
    try {
      const { pins = [] } = await get(roomPath(id, '/pins'));
      if (!pins.length) listEl.replaceChildren(h('li', { class: 'muted' }, t('pins.none')));
      else
        listEl.replaceChildren(
          ...pins.map((p) =>
            entry(p.message, h('span', { class: 'muted' }, ` · ${t('pins.by', { name: p.pinned_by })}`), [
              h('button', { type: 'button', class: 'link-button', onclick: () => jump(p.message, pinsDialog) }, t('pins.jump')),
              h('button', { type: 'button', class: 'link-button', onclick: () => togglePin(p.message).then(openPins) }, t('pins.unpin')),
            ]),
          ),
        );
    } catch (err) {
      listEl.replaceChildren(h('li', { class: 'form-error' }, err.message));
    }
  }

  async function openSaved() {
    const listEl = $('saved-list');
    listEl.replaceChildren(h('li', { class: 'muted' }, t('common.loading')));
    savedDialog.showModal();
    try {
      const { saved = [] } = await get('/api/v1/saved');
      if (!saved.length) listEl.replaceChildren(h('li', { class: 'muted' }, t('saved.none')));
      else
        listEl.replaceChildren(
          ...saved.map((s) =>
            entry(s.message, h('span', { class: 'muted' }, ` · ${s.room_name ? `#${s.room_name}` : t('saved.direct')}`), [
              h('button', { type: 'button', class: 'link-button', onclick: () => jump(s.message, savedDialog) }, t('pins.jump')),
              h('button', { type: 'button', class: 'link-button', onclick: () => unsave(s.message).then(openSaved) }, t('saved.remove')),
            ]),
          ),
        );
    } catch (err) {
      listEl.replaceChildren(h('li', { class: 'form-error' }, err.message));
    }
  }

  async function togglePin(m) {
    const path = roomPath(m.room_id, `/messages/${m.seq}/pin`);
    try {
      if (pinned.has(m.id)) await del(path);
      else await put(path);
    } catch (err) {
      toast(err.message, { error: true });
    }
  }

  async function save(m) {
    try {
      await put(roomPath(m.room_id, `/messages/${m.seq}/saved`));
      toast(t('saved.done'));
    } catch (err) {
      toast(err.message, { error: true });
    }
  }

  async function unsave(m) {
    try {
      await del(roomPath(m.room_id, `/messages/${m.seq}/saved`));
    } catch (err) {
      toast(err.message, { error: true });
    }
  }

  return {
    roomShown,
    openPins,
    openSaved,
    isPinned: (m) => Boolean(m.id && pinned.has(m.id)),
    // message.pinned / message.unpinned of the open room.
    onEvent(e) {
      if (e.type === 'message.pinned') pinned.add(e.message_id);
      else pinned.delete(e.message_id);
      list.render();
      if (pinsDialog.open) openPins();
    },
    menuLabel: (m) => (pinned.has(m.id) ? t('menu.unpin') : t('menu.pin')),
    onMenuAction(action, m) {
      if (action === 'pin') togglePin(m);
      else if (action === 'save') save(m);
      else return false;
      return true;
    },
  };
}

// The mark on a pinned message's row.
export function pinMark() {
  return h('span', { class: 'pin-mark' }, '📌 ', t('pins.mark'));
}
