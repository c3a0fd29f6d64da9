// The admin page (a dialog from the user menu, shown to the server's
// admins only): the sign-up mode, invite links (make, copy, revoke), open
// reports (admin-reports.js) and
// people (search, promote, demote, a password reset link, sign out
// everywhere, deactivate, reactivate). Every action
// is checked by the server; this page only offers it to admins.

import { del, get, post, put } from './api.js';
import { h, srOnly } from './dom.js';
import { t } from './i18n.js';
import { toast } from './toast.js';

const VALID_FOR = [3600, 86400, 604800, 2592000];

// rooms(): my rooms (for an invite's room); meId().
export function setupAdmin({ dialog, rooms, meId }) {
  const $ = (sel) => dialog.querySelector(sel);
  const mode = $('#admin-sign-up-mode');
  const search = $('#admin-search');
  const people = $('#admin-people');
  const invites = $('#admin-invites');
  const inviteForm = $('#admin-invite-form');
  const made = $('#admin-invite-link');
  const error = $('#admin-error');
  const audit = $('#admin-audit');
  const retention = $('#admin-retention-form');

  for (const b of dialog.querySelectorAll('[data-close]')) b.addEventListener('click', () => dialog.close());
  // Loaded when the page first opens, not with the chat page.
  let reports;
  async function loadReports() {
    reports ??= (await import('./admin-reports.js')).setupReports({
      before: $('[data-t="admin.audit"]'),
      act: (fn) => act(fn),
      onClosed: () => loadAudit(),
      onJump: () => dialog.close(),
    });
    await reports.load();
  }

  // Runs an action; a refusal is shown in the dialog, not thrown.
  async function act(fn) {
    error.textContent = '';
    try {
      await fn();
    } catch (err) {
      error.textContent = err.message;
    }
  }

  async function loadPeople() {
    const { users } = await get(`/api/v1/admin/users?query=${encodeURIComponent(search.value.trim())}`);
    people.replaceChildren(...users.map(personRow));
  }

  function personRow(u) {
    const me = u.user_id === meId();
    const tags = [];
    if (u.is_admin) tags.push(h('span', { class: 'admin-tag' }, t('admin.tag.admin')));
    if (u.deactivated) tags.push(h('span', { class: 'admin-tag admin-tag--off' }, t('admin.tag.deactivated')));
    const button = (label, onclick) =>
      h('button', { type: 'button', class: 'button button--small', onclick }, label, srOnly(` ${u.username}`));
    return h(
      'li',
      { class: 'admin-row', 'data-user': u.username },
      h('span', { class: 'admin-row__name' }, u.username),
      ...tags,
      h(
        'span',
        { class: 'admin-row__actions' },
        me
          ? null
          : button(u.is_admin ? t('admin.demote') : t('admin.promote'), () =>
              act(async () => {
                await put(`/api/v1/admin/users/${u.user_id}/role`, { role: u.is_admin ? 'member' : 'admin' });
                await loadPeople();
              }),
            ),
        button(t('admin.resetLink'), (e) =>
          act(async () => {
            const { code } = await post(`/api/v1/admin/users/${u.user_id}/reset-link`, {});
            const row = e.target.closest('li');
            row.querySelector('.admin-reset-link')?.remove();
            const link = h('input', { class: 'admin-reset-link', readonly: true, value: `${location.origin}/?reset=${encodeURIComponent(code)}`, 'aria-label': `${t('admin.resetLink')} ${u.username}` });
            row.append(link);
            link.select();
            await loadAudit();
          }),
        ),
        me
          ? null
          : button(t('account.signOutAll'), () =>
              act(async () => {
                await post(`/api/v1/admin/users/${u.user_id}/sign-out`, {});
                await loadAudit();
              }),
            ),
        me
          ? null
          : button(u.deactivated ? t('admin.reactivate') : t('admin.deactivate'), () =>
              act(async () => {
                await put(`/api/v1/admin/users/${u.user_id}/active`, { active: u.deactivated });
                await loadPeople();
              }),
            ),
      ),
    );
  }

  async function loadInvites() {
    const list = await get('/api/v1/admin/invites');
    invites.replaceChildren(...list.invites.map(inviteRow));
  }

  function inviteRow(i) {
    const expired = new Date(i.expires_at) <= new Date();
    const state = i.revoked ? t('admin.invite.revoked') : expired ? t('admin.invite.expired') : t('admin.invite.until', { when: new Date(i.expires_at).toLocaleString() });
    return h(
      'li',
      { class: 'admin-row' },
      h('span', { class: 'admin-row__name' }, t('admin.invite.uses', { uses: i.uses, max: i.max_uses })),
      h('span', { class: 'muted' }, state),
      i.revoked || expired
        ? null
        : h(
            'span',
            { class: 'admin-row__actions' },
            h(
              'button',
              { type: 'button', class: 'button button--small', onclick: () => act(async () => { await del(`/api/v1/admin/invites/${i.id}`); await loadInvites(); }) },
              t('admin.invite.revoke'),
            ),
          ),
    );
  }

  // The audit log: who did what, newest first.
  async function loadAudit() {
    const { entries } = await get('/api/v1/admin/audit');
    audit.replaceChildren(
      ...entries.map((e) =>
        h(
          'li',
          { class: 'admin-row' },
          h('time', { class: 'muted', datetime: e.at }, new Date(e.at).toLocaleString()),
          h('span', {}, t('admin.audit.line', { actor: e.actor, action: e.action, target: e.target })),
        ),
      ),
    );
  }

  // The server's name (page titles, the sign-in page).
  const nameInput = h('input', { id: 'admin-server-name', name: 'name', maxlength: '60', autocomplete: 'off' });
  const nameForm = h(
    'form',
    { id: 'admin-server-name-form', class: 'admin-invite', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'admin-server-name' }, t('admin.serverName')), nameInput),
    h('button', { type: 'submit', class: 'button' }, t('admin.retention.save')),
  );
  // Whether members may make invite links too.
  const memberInvites = h('input', { id: 'admin-member-invites', type: 'checkbox' });
  const memberInvitesField = h('div', { class: 'field' }, h('label', {}, memberInvites, ' ', t('admin.memberInvites')));
  memberInvites.addEventListener('change', () =>
    act(async () => {
      await put('/api/v1/admin/member-invites', { allowed: memberInvites.checked });
      toast(t('admin.modeSaved'));
      await loadAudit();
    }),
  );
  error.after(nameForm, memberInvitesField);
  nameForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(async () => {
      const { name } = await put('/api/v1/admin/server-name', { name: nameInput.value });
      nameInput.value = name;
      await loadAudit();
    });
  });

  retention.addEventListener('submit', (e) => {
    e.preventDefault();
    act(async () => {
      await put('/api/v1/admin/retention', { retention_days: Number(retention.elements.days.value) || 0 });
      toast(t('admin.retention.saved'));
      await loadAudit();
    });
  });

  mode.addEventListener('change', () =>
    act(async () => {
      await put('/api/v1/admin/sign-up', { sign_up_mode: mode.value });
      toast(t('admin.modeSaved'));
    }),
  );

  let searching = 0;
  search.addEventListener('input', () => {
    clearTimeout(searching);
    searching = setTimeout(() => act(loadPeople), 200);
  });

  inviteForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(async () => {
      const body = {
        expires_in_secs: Number(inviteForm.elements.valid.value),
        max_uses: Number(inviteForm.elements.uses.value),
      };
      if (inviteForm.elements.room.value) body.room_id = Number(inviteForm.elements.room.value);
      const { code } = await post('/api/v1/admin/invites', body);
      made.value = `${location.origin}/?invite=${encodeURIComponent(code)}`;
      made.hidden = false;
      made.select();
      await loadInvites();
    });
  });

  async function open() {
    error.textContent = '';
    made.hidden = true;
    made.value = '';
    inviteForm.elements.valid.replaceChildren(...VALID_FOR.map((s) => h('option', { value: String(s) }, t(`admin.validFor.${s}`))));
    inviteForm.elements.valid.value = '604800';
    const options = rooms()
      .filter((r) => r.kind !== 'direct')
      .map((r) => h('option', { value: String(r.id) }, r.name));
    inviteForm.elements.room.replaceChildren(h('option', { value: '' }, t('admin.invite.noRoom')), ...options);
    dialog.showModal();
    await act(async () => {
      const [settings, kept, server, members] = await Promise.all([
        get('/api/v1/admin/sign-up'),
        get('/api/v1/admin/retention'),
        get('/api/v1/server'),
        get('/api/v1/admin/member-invites'),
      ]);
      mode.value = settings.sign_up_mode;
      memberInvites.checked = members.allowed;
      // Whoever is already typing a new name keeps what they typed.
      if (document.activeElement !== nameInput) nameInput.value = server.name;
      retention.elements.days.value = String(kept.retention_days);
      await Promise.all([loadPeople(), loadInvites(), loadAudit(), loadReports()]);
    });
  }

  return { open };
}
