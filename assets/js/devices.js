// Signed-in devices (from the user menu; loaded on first use): each session
// with its browser, address and last use, and a button to sign any other
// one out (its open tabs are signed out at once).

import { del, get } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

let dialog;

function build() {
  const list = h('ul', { class: 'admin-list', id: 'devices-list' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  dialog = h(
    'dialog',
    { class: 'dialog dialog--wide', 'aria-labelledby': 'devices-title', id: 'devices-dialog' },
    h(
      'div',
      { class: 'dialog__body form' },
      h('h2', { id: 'devices-title' }, t('devices.item')),
      error,
      list,
      h('div', { class: 'dialog__actions' }, h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, t('common.close'))),
    ),
  );
  document.body.append(dialog);
  return { list, error };
}

let parts;

async function load() {
  const { devices } = await get('/api/v1/sessions');
  parts.list.replaceChildren(
    ...devices.map((d) =>
      h(
        'li',
        { class: 'admin-row', 'data-device': d.id },
        h('span', { class: 'admin-row__name' }, d.user_agent || '—'),
        d.current ? h('span', { class: 'admin-tag' }, t('dialogs.members.you')) : null,
        h('span', { class: 'muted' }, `${d.ip || '—'} · `, h('time', { datetime: d.last_seen_at }, new Date(d.last_seen_at).toLocaleString())),
        d.current
          ? null
          : h(
              'span',
              { class: 'admin-row__actions' },
              h('button', { type: 'button', class: 'button button--small', onclick: () => end(d.id) }, t('account.signOut')),
            ),
      ),
    ),
  );
}

async function end(id) {
  parts.error.textContent = '';
  try {
    await del(`/api/v1/sessions/${encodeURIComponent(id)}`);
    await load();
  } catch (err) {
    parts.error.textContent = err.message;
  }
}

export async function openDevices() {
  parts ??= build();
  parts.error.textContent = '';
  dialog.showModal();
  try {
    await load();
  } catch (err) {
    parts.error.textContent = err.message;
  }
}
