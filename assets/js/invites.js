// Invite people (from the user menu, when the server lets members invite;
// loaded on first use): make an invite link, see mine, revoke one.

import { del, get, post } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

let parts;

function build() {
  const list = h('ul', { class: 'admin-list', id: 'invites-list' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const link = h('input', { id: 'invites-link', readonly: true, hidden: true, 'aria-label': t('admin.invite.link') });
  const dialog = h(
    'dialog',
    { class: 'dialog dialog--wide', 'aria-labelledby': 'invites-title', id: 'invites-dialog' },
    h(
      'div',
      { class: 'dialog__body form' },
      h('h2', { id: 'invites-title' }, t('admin.invites')),
      error,
      h('button', { type: 'button', class: 'button button--primary', id: 'invites-make', onclick: () => act(make) }, t('admin.invite.make')),
      link,
      list,
      h('div', { class: 'dialog__actions' }, h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, t('common.close'))),
    ),
  );
  document.body.append(dialog);
  return { dialog, list, error, link };
}

async function act(fn) {
  parts.error.textContent = '';
  try {
    await fn();
  } catch (err) {
    parts.error.textContent = err.message;
  }
}

async function make() {
  const { code } = await post('/api/v1/invites', { expires_in_secs: 604800, max_uses: 5 });
  parts.link.value = `${location.origin}/?invite=${encodeURIComponent(code)}`;
  parts.link.hidden = false;
  parts.link.select();
  await load();
}

async function load() {
  const { invites } = await get('/api/v1/invites');
  const live = invites.filter((i) => !i.revoked && new Date(i.expires_at) > new Date());
  parts.list.replaceChildren(
    ...live.map((i) =>
      h(
        'li',
        { class: 'admin-row' },
        h('span', { class: 'admin-row__name' }, t('admin.invite.uses', { uses: i.uses, max: i.max_uses })),
        h('span', { class: 'muted' }, t('admin.invite.until', { when: new Date(i.expires_at).toLocaleString() })),
        h(
          'span',
          { class: 'admin-row__actions' },
          h('button', { type: 'button', class: 'button button--small', onclick: () => act(async () => { await del(`/api/v1/invites/${i.id}`); await load(); }) }, t('admin.invite.revoke')),
        ),
      ),
    ),
  );
}

export function openInvites() {
  parts ??= build();
  parts.link.hidden = true;
  parts.dialog.showModal();
  act(load);
}
