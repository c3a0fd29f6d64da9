// The open room's header: its name, and under it how many are in it and
// online (a direct message: whether the other person is online), as a
// button that opens the members dialog. Also the page title, with the
// unread count.

import { h } from './dom.js';
import { icon, roomIconName } from './icons.js';
import { t } from './i18n.js';
import { roomLabel } from './rooms.js';

export class RoomHeader {
  // onMembers(): the counts were clicked.
  constructor({ title, facts, menuWrap, addPeople, leave, onMembers }) {
    this.title = title;
    this.facts = facts;
    this.menuWrap = menuWrap;
    this.addPeople = addPeople;
    this.leave = leave;
    facts.addEventListener('click', () => onMembers());
  }

  // room: the open room's summary (null: none open; loading: one is
  // opening); memberCount from its details (null until known); online:
  // how many are online (null: unknown); peerOnline for direct rooms.
  render({ room, loading, memberCount, online, peerOnline }) {
    if (room) this.title.replaceChildren(icon(roomIconName(room.kind)), document.createTextNode(roomLabel(room)));
    else this.title.textContent = loading ? t('header.loading') : 'Natter';
    this.menuWrap.hidden = !room;
    this.addPeople.hidden = !room || room.kind === 'direct';
    // Nobody leaves a direct conversation, nor general, the room everyone is in.
    this.leave.hidden = !room || room.kind === 'direct' || (room.kind === 'public' && room.name === 'general');
    this.facts.hidden = !room;
    if (!room) return;

    const parts = [];
    if (room.kind === 'direct') {
      parts.push(this.dot(peerOnline), peerOnline ? t('header.peerOnline') : t('header.peerOffline'));
    } else {
      if (memberCount !== null) {
        parts.push(h('span', { class: 'room-facts__members' }, icon('people'), t('header.members', { count: memberCount })));
      }
      if (online !== null) {
        if (parts.length) parts.push(h('span', { class: 'room-facts__sep', 'aria-hidden': 'true' }, '·'));
        parts.push(this.dot(online > 0), t('header.online', { count: online }));
      }
    }
    this.facts.replaceChildren(...parts);
    this.facts.setAttribute('aria-label', [t('header.membersButton'), this.facts.textContent.replace('·', ',')].join(': '));
  }

  dot(on) {
    return h('span', { class: `presence-dot${on ? ' presence-dot--on' : ''}`, 'aria-hidden': 'true' });
  }
}

// "(3) #general · Natter": unread first, so it shows in a narrow tab.
// The server's name, as the page was served with it.
const SERVER_NAME = globalThis.document?.title || 'Natter';

export function pageTitle(room, unread, mentions = 0) {
  const name = room ? (room.kind === 'direct' ? roomLabel(room) : `#${roomLabel(room)}`) : null;
  return `${mentions ? `@${mentions} ` : ''}${unread ? `(${unread}) ` : ''}${name ? `${name} · ` : ''}${SERVER_NAME}`;
}
