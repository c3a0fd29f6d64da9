// What an owner can do to another member in the members dialog: make them
// a co-owner (or a member again) and remove them from the room. Shown only
// to owners, and never for direct rooms; the server checks again.

import { del, put, roomPath } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

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
