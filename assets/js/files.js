// Files attached to a message, as the timeline shows them: images as
// previews whose size is known before they load (no layout jump) that open
// a lightbox, other files as download links with their size. Names are put
// in as text, never as HTML.

import { h } from './dom.js';
import { t } from './i18n.js';

const fileUrl = (f) => `/api/v1/files/${encodeURIComponent(f.id)}`;

export function formatSize(bytes) {
  if (bytes < 1024) return t('files.bytes', { count: bytes });
  const units = ['KB', 'MB', 'GB'];
  let n = bytes / 1024;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u += 1;
  }
  return `${n.toFixed(n < 10 ? 1 : 0)} ${units[u]}`;
}

// What of a message's files decides whether its row is rebuilt.
export function filesVersion(m) {
  return (m.files ?? []).map((f) => f.id).join(',');
}

export function messageFiles(m, { onOpenImage }) {
  if (!m.files?.length || m.deleted) return null;
  return h('ul', { class: 'msg__files' }, m.files.map((f) => h('li', { class: 'msg__file' }, fileEl(f, onOpenImage))));
}

function fileEl(f, onOpenImage) {
  if (f.preview) {
    const img = h('img', {
      class: 'msg__image',
      src: `${fileUrl(f)}/preview`,
      width: f.preview.width,
      height: f.preview.height,
      alt: f.name,
      loading: 'lazy',
    });
    return h('button', {
      type: 'button',
      class: 'msg__image-button',
      'aria-label': t('files.open', { name: f.name }),
      onclick: () => onOpenImage(f),
    }, img);
  }
  return h('a', { class: 'msg__download', href: fileUrl(f), download: f.name },
    h('span', { class: 'msg__download-name' }, f.name),
    ' ',
    h('span', { class: 'msg__download-size' }, formatSize(f.size)));
}

// The lightbox: one <dialog> in the page, showing the full image.
export function setupLightbox(dialog) {
  const img = dialog.querySelector('img');
  const link = dialog.querySelector('a');
  const caption = dialog.querySelector('.lightbox__name');
  dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => img.removeAttribute('src'));
  return {
    open(f) {
      img.src = fileUrl(f);
      img.alt = f.name;
      if (f.width && f.height) {
        img.width = f.width;
        img.height = f.height;
      }
      caption.textContent = f.name;
      link.href = fileUrl(f);
      link.setAttribute('download', f.name);
      dialog.showModal();
    },
  };
}
