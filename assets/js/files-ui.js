// The chat page's parts for files and search: the composer's attachments,
// the image lightbox and the search dialog, set up from the page's
// elements (chat.html) in one place.

import { setupAttachments } from './attachments.js';
import { setupLightbox } from './files.js';
import { setupSearch } from './search.js';

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
  const search = setupSearch({ button: $('search-button'), dialog: $('search-dialog'), roomName, onOpen });
  return { attachments, lightbox, search };
}
