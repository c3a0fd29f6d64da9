// Welcome page: pick a username (sign up) or sign in with a password.
// Errors are shown inline under the form and never clear what was typed.

import { get, post } from './api.js';

const $ = (id) => document.getElementById(id);

// The password is optional unless this server requires one.
get('/api/v1/server')
  .then((info) => {
    if (!info.require_password) return;
    $('signup-password').required = true;
    $('signup-password-optional').hidden = true;
    $('signup-password-hint').hidden = true;
  })
  .catch(() => {});

// Handles one form: client-side check, request, inline error, busy state.
// Typing in any of `fields` clears the error; `invalid` are the inputs
// marked aria-invalid while it shows.
function setupForm({ form, error, fields, invalid = fields, focusOnError, validate, submit }) {
  const button = form.querySelector('[type="submit"]');

  function showError(message) {
    error.textContent = message;
    for (const input of invalid) {
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }

  // Typing again clears a stale error.
  for (const input of fields) input.addEventListener('input', () => showError(''));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const problem = validate();
    if (problem) {
      showError(problem);
      focusOnError().focus();
      return;
    }
    showError('');
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await submit();
      location.assign('/chat');
    } catch (err) {
      showError(err.message);
      focusOnError().focus();
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
}

const username = $('username');
const signupPassword = $('signup-password');

setupForm({
  form: $('signup-form'),
  error: $('signup-error'),
  fields: [username, signupPassword],
  invalid: [username],
  focusOnError: () => username,
  validate: () => (username.value.trim() ? '' : 'Username is empty'),
  submit() {
    const body = { username: username.value.trim() };
    if (signupPassword.value) body.password = signupPassword.value;
    return post('/api/v1/users', body);
  },
});

const signinUsername = $('signin-username');
const signinPassword = $('signin-password');

setupForm({
  form: $('signin-form'),
  error: $('signin-error'),
  fields: [signinUsername, signinPassword],
  focusOnError: () => (signinUsername.value.trim() ? signinPassword : signinUsername),
  validate: () => (signinUsername.value.trim() ? '' : 'Username is empty'),
  submit: () =>
    post('/api/v1/session', {
      username: signinUsername.value.trim(),
      password: signinPassword.value,
    }),
});
