// What the page does with reactions (and, beside them, pins, saved
// messages and room care): the emoji picker, `:shortcode:` completion in
// the composer, the chips under each message, the message menu's items
// for them, and their live events. chat.js calls in here through a few
// hooks so the shared modules stay small.

import { addExtrasMarkup } from './extras-markup.js';
import { addReaction, applyReaction, reactionsRow, reactionsVersion } from './reactions.js';
import { pinMark, setupPins } from './pins.js';
import { setupRoomCare } from './room-care.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

// me(): the signed-in user; list: the MessageList (to redraw);
// refreshRooms(): reload the sidebar.
export function setupMessageExtras({ me, list, refreshRooms }) {
  addExtrasMarkup();
  let roomId = null;
  const pins = setupPins({ list, roomId: () => roomId });
  const care = setupRoomCare({ list, refreshRooms });
  $('pins-button').addEventListener('click', () => pins.openPins());
  $('saved-button').addEventListener('click', () => pins.openSaved());
  $('room-settings-button').addEventListener('click', () => care.open());
  let shownRoom = null;
  $('room-integrations-button').addEventListener('click', () => import('./integrations.js').then((m) => m.openIntegrations(shownRoom)));
  // My status: its dialog loads on first use.
  const statusButton = h('button', { id: 'status-button', type: 'button', class: 'menu__item' }, t('status.item'));
  $('dnd-button').before(statusButton);
  let statusDialog = null;
  statusButton.addEventListener('click', async () => {
    statusDialog ??= (await import('./status-dialog.js')).setupStatusDialog({ onSaved: () => care.statusChanged() });
    statusDialog.open();
  });

  // The picker and :shortcode: completion load when first needed, so the
  // page does not ship them up front (e2e/performance.test.js budget).
  let picker = null;
  const openPicker = async (anchor, m) => {
    picker ??= (await import('./emoji-picker.js')).setupEmojiPicker({
      panel: $('emoji-picker'),
      input: $('emoji-search'),
      grid: $('emoji-grid'),
    });
    picker.open(anchor, (emoji) => addReaction(m, emoji));
  };
  const composerBox = $('composer');
  let completing = null;
  composerBox.addEventListener('input', () => {
    if (completing || !composerBox.value.includes(':')) return;
    completing = import('./emoji-complete.js').then((mod) =>
      mod.setupEmojiComplete({ textarea: composerBox, list: $('emoji-complete') }),
    );
  });
  // Slash commands' list and help load on the first "/" typed first.
  let slashing = null;
  composerBox.addEventListener('input', () => {
    if (slashing || !composerBox.value.startsWith('/')) return;
    slashing = import('./slash.js').then((mod) => mod.setupSlashComplete({ textarea: composerBox, before: $('emoji-complete'), roomId: () => roomId }));
  });
  const rowOf = (m) => $('messages').querySelector(`[data-seq="${m.seq}"]`);

  return {
    // What rows show besides the message (chat.js hands these to the list).
    reactions: (m) => (m.system ? null : [pins.isPinned(m) ? pinMark() : null, reactionsRow(m, me(), openPicker)]),
    reactionsVersion: (m) => `${pins.isPinned(m) ? 'p' : ''}${reactionsVersion(m, me())}`,
    systemLine: (m) => h('p', { class: 'msg-system' }, m.system),

    // The header shows a room (or none): load what belongs to it.
    roomShown(room) {
      roomId = room?.id ?? null;
      shownRoom = room;
      $('room-integrations-button').hidden = !room || room.kind === 'direct';
      pins.roomShown(roomId);
      care.roomShown(room);
    },

    // A room event the page itself does not handle.
    onEvent(e, open) {
      if (e.type === 'reaction.added' || e.type === 'reaction.removed') {
        if (applyReaction(e) && open) list.render();
      } else if (e.type === 'message.pinned' || e.type === 'message.unpinned') {
        if (open) pins.onEvent(e);
        care.onEvent(e, open);
      } else {
        care.onEvent(e, open); // its line, if it has one (room-lines.js)
      }
    },

    // The message menu opens: its labels for this message.
    menuOpened(panel, m) {
      const pin = panel.querySelector('[data-action="pin"]');
      if (pin) pin.textContent = pins.menuLabel(m);
    },

    // A message menu item of ours; returns whether it was one.
    onMenuAction(action, m) {
      if (pins.onMenuAction(action, m)) return true;
      if (action !== 'react') return false;
      const row = rowOf(m);
      const anchor = row?.querySelector('.msg__actions') ?? row;
      if (anchor) openPicker(anchor, m);
      return true;
    },
  };
}
