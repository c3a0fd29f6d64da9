// The markup of the emoji picker and of the pinned, saved and room
// settings dialogs, made here rather than in chat.html (which stays a
// readable size) before the modules that use them look them up. Text
// comes from the catalogue, as everywhere.

import { h } from './dom.js';
import { t } from './i18n.js';

function listDialog(id, title) {
  return h(
    'dialog',
    { id: `${id}-dialog`, class: 'dialog', 'aria-labelledby': `${id}-title` },
    h(
      'div',
      { class: 'dialog__body' },
      h('h2', { id: `${id}-title` }, t(title)),
      h('ul', { id: `${id}-list`, class: 'pin-list' }),
      h('div', { class: 'dialog__actions' }, h('button', { type: 'button', class: 'button', 'data-close': true }, t('common.close'))),
    ),
  );
}

function field(id, label, control) {
  return h('div', { class: 'field' }, h('label', { for: id }, t(label)), control);
}

function settingsDialog() {
  return h(
    'dialog',
    { id: 'room-settings-dialog', class: 'dialog', 'aria-labelledby': 'room-settings-title' },
    h(
      'form',
      { class: 'dialog__body form', novalidate: true },
      h('h2', { id: 'room-settings-title' }, t('care.title')),
      field('room-settings-name', 'care.name', h('input', { id: 'room-settings-name', name: 'name', type: 'text', autocomplete: 'off', maxlength: 80 })),
      field('room-settings-topic', 'care.topic', h('input', { id: 'room-settings-topic', name: 'topic', type: 'text', autocomplete: 'off', maxlength: 250 })),
      field(
        'room-settings-pins',
        'care.pinPolicy',
        h(
          'select',
          { id: 'room-settings-pins', name: 'pin_policy' },
          h('option', { value: 'members' }, t('care.pinMembers')),
          h('option', { value: 'owners' }, t('care.pinOwners')),
        ),
      ),
      h(
        'label',
        { class: 'choice' },
        h('input', { id: 'room-settings-archived', name: 'archived', type: 'checkbox' }),
        h('span', {}, h('strong', {}, t('care.archive')), ' ', h('span', { class: 'muted' }, t('care.archiveHint'))),
      ),
      h('p', { class: 'form-error', role: 'alert' }),
      h(
        'div',
        { class: 'dialog__actions' },
        h('button', { id: 'delete-room-button', type: 'button', class: 'button button--danger' }, t('care.delete')),
        h('button', { type: 'button', class: 'button', 'data-close': true }, t('common.cancel')),
        h('button', { type: 'submit', class: 'button button--primary' }, t('care.save')),
      ),
    ),
  );
}

function emojiPicker() {
  return h(
    'div',
    { id: 'emoji-picker', class: 'emoji-picker', role: 'dialog', 'aria-label': t('reactions.picker'), hidden: true },
    h('input', {
      id: 'emoji-search',
      class: 'emoji-picker__search',
      type: 'search',
      role: 'combobox',
      'aria-expanded': 'true',
      'aria-controls': 'emoji-grid',
      'aria-autocomplete': 'list',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-label': t('reactions.search'),
      placeholder: t('reactions.search'),
    }),
    h('div', { id: 'emoji-grid', class: 'emoji-picker__grid', role: 'listbox', 'aria-label': t('reactions.results') }),
  );
}

// The items of the room menu and the message menu, before Edit and Delete.
function menuItems() {
  const roomMenu = document.getElementById('room-menu');
  const leave = document.getElementById('leave-room-button');
  roomMenu.insertBefore(h('button', { id: 'pins-button', type: 'button', class: 'menu__item' }, t('pins.title')), leave);
  roomMenu.insertBefore(h('button', { id: 'saved-button', type: 'button', class: 'menu__item' }, t('saved.title')), leave);
  roomMenu.insertBefore(h('button', { id: 'room-settings-button', type: 'button', class: 'menu__item', hidden: true }, t('care.title')), leave);
  const messageMenu = document.getElementById('message-menu');
  const edit = messageMenu.querySelector('[data-action="edit"]');
  for (const [action, key] of [['react', 'menu.react'], ['pin', 'menu.pin'], ['save', 'menu.save']]) {
    messageMenu.insertBefore(h('button', { type: 'button', class: 'menu__item', role: 'menuitem', 'data-action': action }, t(key)), edit);
  }
}

export function addExtrasMarkup() {
  if (document.getElementById('emoji-picker')) return;
  menuItems();
  document.body.append(emojiPicker(), listDialog('pins', 'pins.title'), listDialog('saved', 'saved.title'), settingsDialog());
}
