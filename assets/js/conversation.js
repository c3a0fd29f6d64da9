// What the page does with reactions (and, beside them, pins, saved
// messages and room care): the emoji picker, `:shortcode:` completion in
// the composer, the chips under each message, the message menu's items
// for them, and their live events. chat.js calls in here through a few
// hooks so the shared modules stay small.

import { setupEmojiComplete } from './emoji-complete.js';
import { setupEmojiPicker } from './emoji-picker.js';
import { addReaction, applyReaction, reactionsRow, reactionsVersion } from './reactions.js';

const $ = (id) => document.getElementById(id);

// me(): the signed-in user; list: the MessageList (to redraw).
export function setupConversation({ me, list }) {
  const picker = setupEmojiPicker({ panel: $('emoji-picker'), input: $('emoji-search'), grid: $('emoji-grid') });
  // Before the composer's own keys (chat.js sets this up first).
  setupEmojiComplete({ textarea: $('composer'), list: $('emoji-complete') });

  const openPicker = (anchor, m) => picker.open(anchor, (emoji) => addReaction(m, emoji));
  const rowOf = (m) => $('messages').querySelector(`[data-seq="${m.seq}"]`);

  return {
    reactions: (m) => reactionsRow(m, me(), openPicker),
    reactionsVersion: (m) => reactionsVersion(m, me()),

    // A room event the page itself does not handle.
    onEvent(e, open) {
      if (e.type === 'reaction.added' || e.type === 'reaction.removed') {
        if (applyReaction(e) && open) list.render();
      }
    },

    // A message menu item of ours; returns whether it was one.
    onMenuAction(action, m) {
      if (action !== 'react') return false;
      const row = rowOf(m);
      const anchor = row?.querySelector('.msg__actions') ?? row;
      if (anchor) openPicker(anchor, m);
      return true;
    },
  };
}
