// Moderation in the web client: a "Ban" button on each member of the
// members dialog, for the room's owner and the server's admins. A ban
// removes the person (the list follows on member.left) and keeps them out.

import { post, roomPath } from './api.js';
import { h, srOnly } from './dom.js';
import { t } from './i18n.js';
import { toast } from './toast.js';

// meId(); isAdmin(): whether I am one of the server's admins.
export function memberActions({ meId, isAdmin }) {
  return (room, m, members) => {
    if (room.kind === 'direct' || m.user_id === meId()) return null;
    const mine = members.find((x) => x.user_id === meId());
    if (mine?.role !== 'owner' && !isAdmin()) return null;
    return h(
      'button',
      {
        type: 'button',
        class: 'button button--small member__ban',
        async onclick(e) {
          e.currentTarget.disabled = true;
          try {
            await post(roomPath(room.id, '/bans'), { username: m.username });
            toast(t('moderation.banned', { name: m.username }));
          } catch (err) {
            toast(err.message, { error: true });
          }
        },
      },
      t('moderation.ban'),
      srOnly(` ${m.username}`),
    );
  };
}
