// The chat page's parts for files and search: the composer's attachments,
// the image lightbox and the search dialog, set up from the page's
// elements (chat.html) in one place.

import { setupAttachments } from './attachments.js';
import { setupLightbox } from './files.js';

// refresh(): the composer looks again at whether it may send.
export function setupFiles({ $, refresh, roomName, onOpen }) {
  const attachments = setupAttachments({
    form: $('composer-form'),
    textarea: $('composer'),
    tray: $('attach-tray'),
    pick: $('attach-button'),
    input: $('attach-input'),
    onChange: () => refresh(),
  });
  const lightbox = setupLightbox($('lightbox'));
  // Search loads on first use: the page ships only what every visit needs.
  let searching = null;
  const search = {
    async open() {
      searching ??= import('./search.js').then(({ setupSearch }) =>
        setupSearch({ dialog: $('search-dialog'), roomName, onOpen }),
      );
      (await searching).open();
    },
  };
  $('search-button').addEventListener('click', () => search.open());
  return { attachments, lightbox, search };
}
