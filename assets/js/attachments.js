// Files in the composer: picked (the paperclip), pasted or dropped files
// upload at once, each with a progress bar and a cancel button, in a tray
// above the box. Sending takes the tray: the message waits in the outbox
// until every one of its uploads is done (see outbox.js 'uploading'), so a
// message never goes out without its files.

import { h } from './dom.js';
import { t } from './i18n.js';
import { formatSize } from './files.js';

const MAX_FILES = 10;

// Uploads one file with progress; returns { promise, abort }. The body is
// the file itself; the server decides its type from the content.
function uploadFile(file, onProgress) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', `/api/v1/uploads?name=${encodeURIComponent(file.name || '')}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status === 201 && xhr.response?.file) resolve(xhr.response.file);
      else reject(new Error(xhr.response?.error?.message || t('api.failed', { status: xhr.status })));
    };
    xhr.onerror = () => reject(new Error(t('api.network')));
    xhr.onabort = () => reject(new Error(t('api.cancelled')));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

export function setupAttachments({ form, textarea, tray, pick, input, onChange }) {
  let items = []; // { file, el, bar, state: 'uploading'|'done'|'failed', result, promise, abort }

  function render() {
    tray.hidden = items.length === 0;
    tray.replaceChildren(...items.map((i) => i.el));
    onChange();
  }

  function add(files) {
    for (const file of files) {
      if (items.length >= MAX_FILES) break;
      const bar = h('progress', { class: 'attach__progress', max: '1', value: '0', 'aria-label': t('attach.progress', { name: file.name || t('attach.pasted') }) });
      const status = h('span', { class: 'attach__status' });
      const item = { file, bar, state: 'uploading' };
      const cancel = h('button', {
        type: 'button',
        class: 'icon-button icon-button--small attach__cancel',
        'aria-label': t('attach.remove', { name: file.name || t('attach.pasted') }),
        onclick: () => remove(item),
      }, '×');
      item.el = h('li', { class: 'attach' },
        h('span', { class: 'attach__name' }, file.name || t('attach.pasted')),
        h('span', { class: 'attach__size' }, formatSize(file.size)),
        bar, status, cancel);
      const up = uploadFile(file, (share) => { bar.value = share; });
      item.abort = up.abort;
      item.promise = up.promise.then(
        (result) => {
          item.state = 'done';
          item.result = result;
          bar.value = 1;
          item.el.classList.add('attach--done');
          onChange();
          return result;
        },
        (err) => {
          item.state = 'failed';
          status.textContent = err.message;
          item.el.classList.add('attach--failed');
          onChange();
          throw err;
        },
      );
      // A failure is shown in the tray; nobody else need hear of it yet.
      item.promise.catch(() => {});
      items.push(item);
    }
    render();
  }

  function remove(item) {
    if (item.state === 'uploading') item.abort();
    items = items.filter((i) => i !== item);
    render();
    textarea.focus();
  }

  pick.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    add([...input.files]);
    input.value = '';
  });
  textarea.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (!files.length) return;
    e.preventDefault();
    add(files);
  });
  form.addEventListener('dragover', (e) => {
    if (![...(e.dataTransfer?.types ?? [])].includes('Files')) return;
    e.preventDefault();
    form.classList.add('composer--drop');
  });
  form.addEventListener('dragleave', () => form.classList.remove('composer--drop'));
  form.addEventListener('drop', (e) => {
    form.classList.remove('composer--drop');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (!files.length) return;
    e.preventDefault();
    add(files);
  });

  return {
    // Whether anything that could be sent is in the tray.
    hasFiles: () => items.some((i) => i.state !== 'failed'),
    // Empties the tray for a send: a promise of the uploaded files (in
    // order), which fails if any of them does.
    take() {
      const taken = items.filter((i) => i.state !== 'failed');
      items = [];
      render();
      return taken.length ? Promise.all(taken.map((i) => i.promise)) : null;
    },
    clear() {
      for (const i of items) if (i.state === 'uploading') i.abort();
      items = [];
      render();
    },
  };
}
