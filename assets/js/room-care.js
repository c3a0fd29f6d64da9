// Room care in the page: the open room's topic and "archived" state under
// its name (an archived room's composer is off), the settings dialog where
// an owner renames, sets the topic, says who may pin, archives or restores
// and deletes the room (after a confirmation), and the small system lines
// the timeline shows for room changes and pins as they happen.

import { del, get, patch, put, roomPath } from './api.js';
import { h } from './dom.js';
import { formDialog } from './dialogs.js';
import { t } from './i18n.js';
import { changeLine } from './room-lines.js';
import { learnStatuses, onPeopleChange, statusOf } from './people.js';

const $ = (id) => document.getElementById(id);

export function setupRoomCare({ list, refreshRooms }) {
  let room = null;
  let settings = null;
  // A direct room's other person's status (people.js keeps it live).
  const peerStatus = () => (room?.kind === 'direct' && room.peer ? statusOf(room.peer) : null);
  onPeopleChange(() => draw());

  let token = 0;
  const topic = $('room-topic');
  const composer = $('composer');

  function draw() {
    const archived = Boolean(settings?.archived);
    const status = [peerStatus()?.emoji, peerStatus()?.text].filter(Boolean).join(' ');
    const text = [archived ? t('care.archivedBadge') : '', settings?.topic ?? status].filter(Boolean).join(' · ');
    topic.textContent = text;
    topic.hidden = !text;
    composer.disabled = archived;
    if (archived) composer.placeholder = t('care.archivedComposer');
    $('room-settings-button').hidden = !room || room.kind === 'direct';
  }

  // The members' statuses: beside their names in the timeline, and in a
  // direct message the other person's stands where a topic would.
  function loadPeerStatus(r, mine) {
    get(roomPath(r.id, '/statuses'))
      .then(({ statuses = [] }) => {
        if (mine !== token) return;
        learnStatuses(statuses);
        draw();
      })
      .catch(() => {});
  }

  async function roomShown(r) {
    if (r?.id !== room?.id) {
      room = r;
      settings = null;
      const mine = ++token;
      if (r) loadPeerStatus(r, mine);
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
  function systemLine(e) {
    const line = changeLine(e);
    if (list.detached || !line) return;
    if (list.addMessages([line])) list.render();
  }

  return {
    roomShown,
    open: () => dialog.open(),
    // My status changed: a direct room with myself (notes to self) shows it.
    statusChanged() {
      if (room?.kind === 'direct') loadPeerStatus(room, ++token);
    },
    onEvent(e, open) {
      if (e.type === 'room.updated') {
        if (e.change === 'renamed') refreshRooms().catch(() => {});
        if (!open) return;
        settings = { topic: e.topic, archived: e.archived, pin_policy: e.pin_policy };
        draw();
        systemLine(e);
      } else if (open) {
        systemLine(e); // pins, co-owners, the disappearing timer
      }
    },
  };
}

// What an owner can do to another member in the members dialog: make them
// a co-owner (or a member again) and remove them. Shown only to owners,
// never for direct rooms; the server checks again.
// room: the room; m: the member shown; members: everyone listed; meId: me;
// reload(setError?): list again; setError(message).
export function memberActions({ room, m, members, meId, reload, setError }) {
  const me = members.find((x) => x.user_id === meId);
  if (room.kind === 'direct' || me?.role !== 'owner' || m.user_id === meId) return null;
  const act = async (call) => {
    setError('');
    try {
      await call();
      await reload();
    } catch (err) {
      setError(err.message);
    }
  };
  const owner = m.role === 'owner';
  return h(
    'span',
    { class: 'member__actions' },
    h(
      'button',
      {
        type: 'button',
        class: 'button button--small',
        'aria-label': t(owner ? 'members.demoteLabel' : 'members.promoteLabel', { name: m.username }),
        onclick: () =>
          act(() =>
            put(roomPath(room.id, `/members/${encodeURIComponent(m.username)}/role`), { role: owner ? 'member' : 'owner' }),
          ),
      },
      t(owner ? 'members.demote' : 'members.promote'),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'button button--small',
        'aria-label': t('members.removeLabel', { name: m.username }),
        onclick: () => {
          if (!window.confirm(t('members.confirmRemove', { name: m.username }))) return;
          act(() => del(roomPath(room.id, `/members/${encodeURIComponent(m.username)}`)));
        },
      },
      t('members.remove'),
    ),
  );
}
