// Sidebar: my rooms grouped as Rooms (public), Private and Direct messages,
// with unread badges and, beside direct messages, whether the other person
// is online. Each entry is a link to #room=ID, so the hash drives
// navigation (and the back button works).

import { h, srOnly } from './dom.js';
import { icon, roomIconName } from './icons.js';
import { t } from './i18n.js';
import { displayName, learnProfiles } from './people.js';

// Display name for any room; direct rooms have no name, only a peer.
export function roomLabel(room) {
  if (!room) return '';
  if (room.kind === 'direct') return room.peer ? displayName(room.peer) : t('rooms.directFallback');
  return room.name || t('rooms.untitled');
}

const byLabel = (a, b) => roomLabel(a).localeCompare(roomLabel(b), undefined, { sensitivity: 'base' });
// The sidebar section a room is listed in: group conversations go with the
// direct messages.
const sectionOf = (room) => (room.group ? 'direct' : room.kind);

export class Sidebar {
  // lists: { public, private, direct } <ul> elements; groups: the matching
  // sections (an empty Private section is hidden).
  // peerOnline(room): whether a direct room's other person is online.
  constructor({ root, lists, groups, peerOnline }) {
    this.root = root;
    this.peerOnline = peerOnline;
    this.lists = lists;
    this.groups = groups;
    this.rooms = [];
    this.currentId = null;
    this.signature = '';
  }

  update(rooms) {
    // A direct room's other person: their display name names the room.
    learnProfiles(rooms.filter((r) => r.peer_profile).map((r) => ({ username: r.peer, ...r.peer_profile })));
    this.rooms = rooms;
    this.render();
  }

  setCurrent(id) {
    this.currentId = id;
    this.render();
  }

  find(id) {
    return this.rooms.find((r) => r.id === id) ?? null;
  }

  // My rooms in the order the sidebar shows them (Alt+Arrow, switcher).
  ordered() {
    return ['public', 'private', 'direct'].flatMap((kind) => this.rooms.filter((r) => sectionOf(r) === kind).sort(byLabel));
  }

  // A new message arrived live. `last_seq` (from the server's list, then
  // moved by each event) tells apart what the server's unread count
  // already includes from what is new since, so nothing counts twice.
  noteMessage(id, seq, countsAsUnread) {
    const room = this.find(id);
    if (!room || seq <= (room.last_seq ?? 0)) return;
    room.last_seq = seq;
    if (countsAsUnread) {
      room.unread = (room.unread || 0) + 1;
      this.render();
    }
  }

  // Once the open room is read, drop its badge at once.
  clearUnread(id) {
    const room = this.find(id);
    if (room && room.unread) {
      room.unread = 0;
      this.render();
    }
    if (room?.mentions) {
      room.mentions = 0;
      this.render();
    }
  }

  // For the page title. The open room counts only while the tab is hidden,
  // i.e. while nobody is reading it.
  totalUnread() {
    const reading = document.visibilityState === 'visible';
    return this.rooms.reduce(
      (sum, r) => sum + (r.id === this.currentId && reading ? 0 : r.unread || 0),
      0,
    );
  }

  // Unread mentions of me, for the page title.
  totalMentions() {
    return this.rooms.reduce((sum, r) => sum + (r.mentions || 0), 0);
  }

  render() {
    // Skip identical rebuilds so focus, hover and screen reader position
    // are not disturbed.
    const signature = JSON.stringify([
      this.currentId,
      this.rooms.map((r) => [r.id, r.kind, roomLabel(r), r.unread || 0, r.mentions || 0, r.kind === 'direct' && this.peerOnline(r)]),
    ]);
    if (signature === this.signature) return;
    this.signature = signature;

    const focusedId = document.activeElement?.closest?.('[data-room-id]')?.dataset.roomId;

    const ordered = this.ordered();
    for (const kind of ['public', 'private', 'direct']) {
      const rooms = ordered.filter((r) => sectionOf(r) === kind);
      this.lists[kind].replaceChildren(...rooms.map((r) => this.item(r)));
      if (kind === 'private') this.groups.private.hidden = rooms.length === 0;
    }
    if (!this.rooms.some((r) => sectionOf(r) === 'direct')) {
      this.lists.direct.append(h('li', { class: 'room-list__empty' }, t('rooms.noDirect')));
    }

    if (focusedId) this.root.querySelector(`[data-room-id="${CSS.escape(focusedId)}"]`)?.focus();
  }

  item(room) {
    const current = room.id === this.currentId;
    const unread = current ? 0 : room.unread || 0;
    const online = room.kind === 'direct' && this.peerOnline(room);
    const link = h(
      'a',
      {
        class: `room-link${unread ? ' room-link--unread' : ''}`,
        href: `#room=${room.id}`,
        'data-room-id': room.id,
        'aria-current': current ? 'page' : null,
      },
      room.kind === 'direct'
        ? h('span', { class: `presence-dot${online ? ' presence-dot--on' : ''}`, 'aria-hidden': 'true' })
        : icon(room.group ? 'people' : roomIconName(room.kind)),
      h('span', { class: 'room-link__name' }, roomLabel(room)),
      room.kind === 'direct' ? srOnly(online ? t('rooms.online') : t('rooms.offline')) : null,
      room.mentions && !current
        ? h('span', { class: 'badge badge--mention' }, `@${room.mentions}`, srOnly(t('mention.count', { count: room.mentions })))
        : null,
      unread
        ? h('span', { class: 'badge' }, unread > 99 ? '99+' : String(unread), srOnly(t('rooms.unread')))
        : null,
    );
    return h('li', {}, link);
  }
}
