// My profile: a display name and a picture (with a preview before it is
// saved, and a way to remove it). Loaded on first use (not part of the
// page's first load). The server crops and resizes the picture and tells
// my room-mates (profile.changed), which is also how this page learns it.

import { ApiError, get, patch, del } from './api.js';
import { h } from './dom.js';
import { formDialog } from './dialogs.js';
import { t } from './i18n.js';
import { toast } from './toast.js';
import { avatar } from './avatar.js';
import { learnProfiles } from './people.js';

function markup() {
  const dialog = h(
    'dialog',
    { id: 'profile-dialog', class: 'dialog', 'aria-labelledby': 'profile-title' },
    h(
      'form',
      { class: 'dialog__body form', novalidate: true },
      h('h2', { id: 'profile-title' }, t('profile.title')),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'profile-name' }, t('profile.displayName')),
        h('input', { id: 'profile-name', name: 'display_name', type: 'text', autocomplete: 'nickname', maxlength: 64, 'aria-describedby': 'profile-name-hint' }),
        h('p', { id: 'profile-name-hint', class: 'field__hint muted' }),
      ),
      h(
        'fieldset',
        { class: 'field' },
        h('legend', {}, t('profile.picture')),
        h('div', { class: 'profile-preview', 'data-preview': true }),
        h('label', { class: 'button', for: 'profile-file' }, t('profile.choose')),
        h('input', { id: 'profile-file', name: 'picture', type: 'file', accept: 'image/jpeg,image/png,image/gif,image/webp', class: 'visually-hidden' }),
        h('button', { type: 'button', class: 'button', 'data-remove': true }, t('profile.remove')),
        h('p', { class: 'field__hint muted' }, t('profile.pictureHint')),
      ),
      h('p', { class: 'form-error', role: 'alert' }),
      h(
        'div',
        { class: 'dialog__actions' },
        h('button', { type: 'button', class: 'button', 'data-close': true }, t('common.cancel')),
        h('button', { type: 'submit', class: 'button button--primary' }, t('profile.save')),
      ),
    ),
  );
  document.body.append(dialog);
  return dialog;
}

// The picture goes as the request body (not JSON), like an attachment.
async function putAvatar(file) {
  const res = await fetch('/api/v1/me/avatar', {
    method: 'PUT',
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'Content-Type': 'application/octet-stream' },
    body: file,
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? `http_${res.status}`, data?.error?.message || t('api.failed', { status: res.status }));
  return data.user;
}

// me(): the signed-in user.
export function setupProfileDialog({ me }) {
  const el = markup();
  const preview = el.querySelector('[data-preview]');
  const fileInput = el.querySelector('#profile-file');
  const removeButton = el.querySelector('[data-remove]');
  let current = null; // my profile as the server has it
  let chosen = null; // a picture chosen, not yet saved
  let removing = false;
  let chosenUrl = null; // the chosen picture as a data: URL (the page's CSP allows no blob:)

  function showPicture() {
    const url = chosenUrl ?? (removing ? null : current?.avatar_url && `${current.avatar_url}?size=256`);
    preview.replaceChildren(url ? h('img', { class: 'avatar avatar--image', src: url, alt: '' }) : avatar(me().username));
    removeButton.hidden = !url;
  }

  fileInput.addEventListener('change', () => {
    chosen = fileInput.files?.[0] ?? null;
    chosenUrl = null;
    removing = false;
    if (!chosen) return showPicture();
    const reader = new FileReader();
    const file = chosen;
    reader.addEventListener('load', () => {
      if (file !== chosen) return;
      chosenUrl = String(reader.result);
      showPicture();
    });
    reader.readAsDataURL(file);
  });
  removeButton.addEventListener('click', () => {
    chosen = null;
    chosenUrl = null;
    fileInput.value = '';
    removing = true;
    showPicture();
  });

  const dialog = formDialog(el, {
    async onOpen(form) {
      chosen = null;
      chosenUrl = null;
      removing = false;
      el.querySelector('#profile-name-hint').textContent = t('profile.displayNameHint', { username: me().username });
      current = (await get('/api/v1/me/profile')).user;
      form.elements.display_name.value ||= current.display_name ?? ''; // typed meanwhile: kept
      showPicture();
      form.elements.display_name.focus();
    },
    async onSubmit(form) {
      const name = form.elements.display_name.value.trim() || null;
      let user = current;
      if (name !== (current?.display_name ?? null)) user = (await patch('/api/v1/me/profile', { display_name: name })).user;
      if (chosen) user = await putAvatar(chosen);
      else if (removing && current?.avatar_url) user = (await del('/api/v1/me/avatar')).user;
      current = user;
      learnProfiles([user], true);
      toast(t('profile.saved'));
    },
  });
  return dialog;
}
