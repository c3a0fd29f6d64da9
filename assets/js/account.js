// Signed-in user menu: set/change password, sign out, sign out everywhere.

import { del, put } from './api.js';
import { formDialog } from './dialogs.js';
import { setupMenu } from './menu.js';
import { toast } from './toast.js';

// getMe() returns the current User; it is updated in place when a password
// is set so the next change asks for the current password.
export function setupAccount({ getMe }) {
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
      byId('password-title').textContent = me.has_password ? 'Change password' : 'Set a password';
      (me.has_password ? currentInput : form.elements.new_password).focus();
    },
    async onSubmit(form) {
      const me = getMe();
      const next = form.elements.new_password.value;
      if (!next) throw new Error('New password is empty.');
      if (next !== form.elements.confirm_password.value) throw new Error('The new passwords don’t match.');
      const body = { new_password: next };
      if (me.has_password) body.current_password = form.elements.current_password.value;
      await put('/api/v1/me/password', body);
      me.has_password = true;
      toast('Password saved. You can now sign in with it from any browser.');
    },
  });
  byId('set-password-button').addEventListener('click', () => password.open());

  async function signOut(path) {
    try {
      await del(path);
      location.replace('/');
    } catch (err) {
      toast(err.message, { error: true });
    }
  }

  // Without a password a username cannot be signed back into: warn first.
  const noPasswordWarning = (me) =>
    `You haven’t set a password, so you won’t be able to sign back in as ${me.username}. ` +
    'Use “Set password” first to keep this account.';

  byId('sign-out-button').addEventListener('click', () => {
    const me = getMe();
    if (me.has_password || window.confirm(`${noPasswordWarning(me)}\n\nSign out anyway?`)) {
      signOut('/api/v1/session');
    }
  });
  byId('sign-out-all-button').addEventListener('click', () => {
    const me = getMe();
    const question = 'Sign out on every browser and device, including this one?';
    const text = me.has_password ? question : `${noPasswordWarning(me)}\n\n${question}`;
    if (window.confirm(text)) signOut('/api/v1/sessions');
  });
}
