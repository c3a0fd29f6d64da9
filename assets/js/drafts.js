// Unsent text per room, kept in localStorage so switching rooms or
// reloading the page doesn't lose what was being written.

import { key, read, write, removeAll } from './store.js';

export function drafts(userId) {
  return {
    load: (roomId) => read(key('draft', userId, roomId), ''),
    save: (roomId, text) => write(key('draft', userId, roomId), text.trim() ? text : null),
    // Signing out on purpose leaves nothing of this person's behind.
    clear: () => removeAll(`${key('draft', userId)}.`),
  };
}
