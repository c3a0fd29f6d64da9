// Setting my status: an emoji and a line shown beside my name (in member
// lists and the header of a direct message), cleared by hand or after a
// while. Loaded on first use (not part of the page's first load).

import { get, put } from './api.js';
import { h } from './dom.js';
import { formDialog } from './dialogs.js';
import { t } from './i18n.js';

// Its texts are in the catalogue (i18n/*/conversations.js, status.*).
const say = (key) => t(`status.${key}`);

const HOUR = 3600 * 1000;
// How long a status lasts: [choice, ms from now or a function of now].
const LASTS = [
  ['never', null],
  ['hour', () => Date.now() + HOUR],
  ['today', () => new Date().setHours(23, 59, 59, 0)],
  ['week', () => Date.now() + 7 * 24 * HOUR],
];

function field(id, label, control) {
  return h('div', { class: 'field' }, h('label', { for: id }, say(label)), control);
}

function markup() {
  const lasts = h('select', { id: 'status-lasts', name: 'lasts' }, ...LASTS.map(([key]) => h('option', { value: key }, say(`lasts.${key}`))));
  const dialog = h(
    'dialog',
    { id: 'status-dialog', class: 'dialog', 'aria-labelledby': 'status-title' },
    h(
      'form',
      { class: 'dialog__body form', novalidate: true },
      h('h2', { id: 'status-title' }, say('title')),
      field('status-emoji', 'emoji', h('input', { id: 'status-emoji', name: 'emoji', type: 'text', autocomplete: 'off', maxlength: 40, placeholder: '🌴' })),
      field('status-text', 'text', h('input', { id: 'status-text', name: 'text', type: 'text', autocomplete: 'off', maxlength: 80 })),
      field('status-lasts', 'lasts', lasts),
      h('p', { class: 'form-error', role: 'alert' }),
      h(
        'div',
        { class: 'dialog__actions' },
        h('button', { type: 'button', class: 'button', 'data-clear': true }, say('clear')),
        h('button', { type: 'button', class: 'button', 'data-close': true }, t('common.cancel')),
        h('button', { type: 'submit', class: 'button button--primary' }, say('save')),
      ),
    ),
  );
  document.body.append(dialog);
  return dialog;
}

// onSaved(status or null): after a change.
export function setupStatusDialog({ onSaved = () => {} } = {}) {
  const el = markup();
  const dialog = formDialog(el, {
    async onOpen(form) {
      const { status } = await get('/api/v1/me/status');
      form.elements.emoji.value = status?.emoji ?? '';
      form.elements.text.value = status?.text ?? '';
    },
    async onSubmit(form) {
      const until = LASTS.find(([key]) => key === form.elements.lasts.value)?.[1];
      const body = { text: form.elements.text.value, emoji: form.elements.emoji.value.trim() || null, until: until ? new Date(until()).toISOString() : null };
      const { status } = await put('/api/v1/me/status', body);
      onSaved(status);
    },
  });
  el.querySelector('[data-clear]').addEventListener('click', async () => {
    try {
      await put('/api/v1/me/status', { text: '', emoji: null, until: null });
      dialog.close();
      onSaved(null);
    } catch (err) {
      dialog.setError(err.message);
    }
  });
  return dialog;
}
