// Room care in the page: the open room's topic and "archived" state under
// its name (an archived room's composer is off), the settings dialog where
// an owner renames, sets the topic, says who may pin, archives or restores
// and deletes the room (after a confirmation), and the small system lines
// the timeline shows for room changes and pins as they happen.

import { del, get, patch, roomPath } from './api.js';
import { formDialog } from './dialogs.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

export function setupRoomCare({ list, refreshRooms }) {
  let room = null;
  let settings = null;
  let token = 0;
  const topic = $('room-topic');
  const composer = $('composer');

  function draw() {
    const archived = Boolean(settings?.archived);
    const text = [archived ? t('care.archivedBadge') : '', settings?.topic ?? ''].filter(Boolean).join(' · ');
    topic.textContent = text;
    topic.hidden = !text;
    composer.disabled = archived;
    if (archived) composer.placeholder = t('care.archivedComposer');
    $('room-settings-button').hidden = !room || room.kind === 'direct';
  }

  async function roomShown(r) {
    if (r?.id !== room?.id) {
      room = r;
      settings = null;
      const mine = ++token;
      if (r && r.kind !== 'direct') {
        get(roomPath(r.id, '/settings'))
          .then((data) => {
            if (mine !== token) return;
            settings = data.settings;
            draw();
          })
          .catch(() => {});
      }
    }
    room = r;
    draw();
  }

  const dialog = formDialog($('room-settings-dialog'), {
    onOpen(form) {
      form.elements.name.value = room?.name ?? '';
      form.elements.topic.value = settings?.topic ?? '';
      form.elements.pin_policy.value = settings?.pin_policy ?? 'members';
      form.elements.archived.checked = Boolean(settings?.archived);
    },
    async onSubmit(form) {
      const body = {};
      const name = form.elements.name.value.trim();
      if (name && name !== room.name) body.name = name;
      if (form.elements.topic.value.trim() !== (settings?.topic ?? '')) body.topic = form.elements.topic.value;
      if (form.elements.pin_policy.value !== (settings?.pin_policy ?? 'members')) body.pin_policy = form.elements.pin_policy.value;
      if (form.elements.archived.checked !== Boolean(settings?.archived)) body.archived = form.elements.archived.checked;
      if (!Object.keys(body).length) return;
      const data = await patch(roomPath(room.id, '/settings'), body);
      settings = data.settings;
      draw();
    },
  });

  $('delete-room-button').addEventListener('click', async () => {
    if (!room || !window.confirm(t('care.confirmDelete', { name: room.name ?? '' }))) return;
    try {
      await del(roomPath(room.id));
      dialog.close();
      refreshRooms().catch(() => {});
    } catch (err) {
      dialog.setError(err.message);
    }
  });

  // A short line in the timeline for a change others made or I made.
  function systemLine(e, text) {
    if (list.detached) return;
    const line = { seq: e.seq, room_id: e.room_id, system: text, created_at: new Date().toISOString(), author_id: null };
    if (list.addMessages([line])) list.render();
  }

  return {
    roomShown,
    open: () => dialog.open(),
    onEvent(e, open) {
      if (e.type === 'room.updated') {
        if (e.change === 'renamed') refreshRooms().catch(() => {});
        if (!open) return;
        settings = { topic: e.topic, archived: e.archived, pin_policy: e.pin_policy };
        draw();
        systemLine(e, t(`care.line.${e.change}`, { name: e.username, room: e.name ?? '', topic: e.topic }));
      } else if (open) {
        systemLine(e, t(e.type === 'message.pinned' ? 'care.line.pinned' : 'care.line.unpinned', { name: e.username }));
      }
    },
  };
}
