// Welcome page: pick a username (sign up) or sign in with a password.
// Errors are shown inline under the form and never clear what was typed.
// Arriving after a sign-out (/?signed_out=here|everywhere|elsewhere), it
// says what happened and, when the session ended elsewhere, offers to sign
// straight back in as the same person.

import { get, post } from './api.js';
import { t, translatePage } from './i18n.js';
import { takeSignedOut } from './session.js';

const $ = (id) => document.getElementById(id);

translatePage();

// The password is optional unless this server requires one.
get('/api/v1/server')
  .then((info) => {
    if (!info.require_password) return;
    $('signup-password').required = true;
    $('signup-password-optional').hidden = true;
    $('signup-password-hint').hidden = true;
  })
  .catch(() => {});

// The page was hidden until now (base.css), which the browser's own
// autofocus skips: the name field takes the focus here.
$('username').focus();

const signedOut = takeSignedOut(new URL(location.href));
if (signedOut) {
  const notice = $('welcome-notice');
  notice.textContent = t(`welcome.notice.${signedOut.reason}`);
  notice.hidden = false;
  // Back to a clean address: a reload should not say it again.
  history.replaceState(null, '', '/');
  if (signedOut.username) {
    $('signin-username').value = signedOut.username;
    $('signin-password').focus();
  }
}

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
  validate: () => (username.value.trim() ? '' : t('welcome.error.usernameEmpty')),
  submit() {
    const body = { username: username.value.trim() };
    if (signupPassword.value) body.password = signupPassword.value;
    // An invite link (/?invite=CODE) signs up through its invite.
    const invite = new URLSearchParams(location.search).get('invite');
    if (invite) body.invite = invite;
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
  validate: () => (signinUsername.value.trim() ? '' : t('welcome.error.usernameEmpty')),
  submit: () =>
    post('/api/v1/session', {
      username: signinUsername.value.trim(),
      password: signinPassword.value,
    }),
});

// "Have a password? Sign in" (phones): the link moves the view; the field
// takes the focus, so typing can start.
document.querySelector('.welcome__jump a').addEventListener('click', () => {
  requestAnimationFrame(() => signinUsername.focus());
});

// A password reset link (/?reset=CODE): one form instead of both.
const resetCode = new URLSearchParams(location.search).get('reset');
if (resetCode) import('./reset.js').then((m) => m.showReset(resetCode));
