// A password reset link (/?reset=CODE, made by an admin): the welcome page
// shows one form, "choose a new password", instead of sign-up and sign-in.
// Loaded only for such a link.

import { post } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

export function showReset(code) {
  const password = h('input', { id: 'reset-password', name: 'password', type: 'password', autocomplete: 'new-password', 'aria-describedby': 'reset-error', required: true });
  const confirm = h('input', { id: 'reset-confirm', name: 'confirm', type: 'password', autocomplete: 'new-password', 'aria-describedby': 'reset-error', required: true });
  const error = h('p', { id: 'reset-error', class: 'field-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'button button--primary button--block' }, t('account.password.submit'));
  const form = h(
    'form',
    { id: 'reset-form', class: 'form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'reset-password' }, t('account.password.new')), password),
    h('div', { class: 'field' }, h('label', { for: 'reset-confirm' }, t('account.password.repeat')), confirm),
    error,
    button,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!password.value) error.textContent = t('account.password.empty');
    else if (password.value !== confirm.value) error.textContent = t('account.password.mismatch');
    if (error.textContent) return password.focus();
    button.disabled = true;
    try {
      await post('/api/v1/password-reset', { code, new_password: password.value });
      location.assign('/chat');
    } catch (err) {
      error.textContent = err.message;
      button.disabled = false;
      password.focus();
    }
  });
  const card = h('section', { class: 'card', 'aria-labelledby': 'reset-heading' }, h('h2', { id: 'reset-heading' }, t('account.password.set')), form);
  document.querySelector('.welcome__cards').replaceChildren(card);
  password.focus();
}
