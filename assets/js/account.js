// Signed-in user menu: set/change password, sign out, sign out everywhere.

import { put } from './api.js';
import { readBootstrap } from './bootstrap.js';
import { formDialog } from './dialogs.js';
import { t } from './i18n.js';
import { setupMenu } from './menu.js';
import { toast } from './toast.js';

// getMe() returns the current User; it is updated in place when a password
// is set so the next change asks for the current password. unsentCount():
// messages not sent yet. signOut(path, reason): ends the session (chat.js).
export function setupAccount({ getMe, unsentCount, signOut }) {
  const byId = (id) => document.getElementById(id);
  setupMenu(byId('user-menu-button'), byId('user-menu'));

  const currentField = byId('current-password-field');
  const currentInput = byId('current-password');

  const password = formDialog(byId('password-dialog'), {
    onOpen(form) {
      const me = getMe();
      // Hidden username field lets password managers save the right account.
      form.elements.username.value = me.username;
      currentField.hidden = !me.has_password;
      currentInput.required = me.has_password;
      byId('password-title').textContent = me.has_password ? t('account.password.change') : t('account.password.set');
      (me.has_password ? currentInput : form.elements.new_password).focus();
    },
    async onSubmit(form) {
      const me = getMe();
      const next = form.elements.new_password.value;
      if (!next) throw new Error(t('account.password.empty'));
      if (next !== form.elements.confirm_password.value) throw new Error(t('account.password.mismatch'));
      const body = { new_password: next };
      if (me.has_password) body.current_password = form.elements.current_password.value;
      await put('/api/v1/me/password', body);
      me.has_password = true;
      toast(t('account.password.saved'));
    },
  });
  byId('set-password-button').addEventListener('click', () => password.open());

  // Without a password a username cannot be signed back into: warn first;
  // and say what will not be sent.
  function confirmSignOut(question, { always }) {
    const me = getMe();
    const parts = [];
    if (!me.has_password) parts.push(t('account.noPasswordWarning', { name: me.username }));
    const unsent = unsentCount();
    if (unsent) parts.push(t('account.unsentWarning', { count: unsent }));
    if (!parts.length && !always) return true;
    parts.push(question);
    return window.confirm(parts.join('\n\n'));
  }

  // The profile dialog loads on first use.
  let profile = null;
  byId('profile-button').addEventListener('click', async () => {
    profile ??= (await import('./profile-dialog.js')).setupProfileDialog({ me: getMe });
    profile.open();
  });

  // The device list and the invite dialog load on first use.
  byId('devices-button').addEventListener('click', () => import('./devices.js').then((m) => m.openDevices()));
  byId('integrations-button').addEventListener('click', () => import('./integrations.js').then((m) => m.openIntegrations(null)));
  const invite = byId('invite-button');
  invite.hidden = !readBootstrap()?.server?.can_invite;
  invite.addEventListener('click', () => import('./invites.js').then((m) => m.openInvites()));

  // Notifications on this device (Web Push): its code loads on first use.
  const push = byId('push-button');
  push.hidden = !('serviceWorker' in navigator && 'PushManager' in window);
  const pushModule = () => import('./push.js');
  push.addEventListener('click', () => pushModule().then((m) => m.toggle(push)));
  byId('user-menu-button').addEventListener('click', () => {
    if (push.hidden) return;
    pushModule().then((m) => m.isOn()).then((on) => push.setAttribute('aria-pressed', String(on)), () => {});
  });
  // A notification clicked while this tab is open: go to its message.
  navigator.serviceWorker?.addEventListener('message', (e) => {
    const hash = e.data?.type === 'natter.open' ? e.data.hash : '';
    if (/^#room=\d+(&msg=\d+)?$/.test(hash)) location.hash = hash;
  });
  navigator.serviceWorker?.startMessages();

  byId('sign-out-button').addEventListener('click', () => {
    if (confirmSignOut(t('account.signOutQuestion'), { always: false })) signOut('/api/v1/session', 'here');
  });
  byId('sign-out-all-button').addEventListener('click', () => {
    if (confirmSignOut(t('account.signOutAllQuestion'), { always: true })) signOut('/api/v1/sessions', 'everywhere');
  });
}
