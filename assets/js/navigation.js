// Where the page is: the address says which room is open and, for a link
// to one message, which message (#room=5&msg=57), so reloads, the back
// button and shared links all work. Also the room list (refreshed after
// joins, leaves and reconnects), joining a public room by its link, the
// default room, and leaving a room.

import { get, post, roomPath } from './api.js';
import { t } from './i18n.js';
import { roomLabel } from './rooms.js';
import { key, read } from './store.js';
import { toast } from './toast.js';

const DEFAULT_ROOM = 'general';
// Moving the focus to the message box on a phone would open its keyboard
// over the conversation just chosen: only where there is a hover pointer.
const DESKTOP = window.matchMedia('(hover: hover)');

// #room=5, or #room=5&msg=57 for one message.
function parseHash(hash = location.hash) {
  const params = new URLSearchParams(hash.slice(1));
  const number = (name) => (/^\d+$/.test(params.get(name) ?? '') ? Number(params.get(name)) : null);
  return { room: number('room'), msg: number('msg') };
}

export class Navigation {
  // deps: { view, sidebar, composer, live(), me(), onRoomsChanged() }
  constructor(deps) {
    Object.assign(this, deps);
    // When the newest applied room list was requested: a slow answer that
    // started before we joined/left a room must not overwrite a fresher one.
    this.roomsRequestedAt = 0;
    // Bumps on every navigation decision; a slower, older one gives up.
    this.navSeq = 0;
  }

  focusComposer() {
    if (DESKTOP.matches && this.view.current) this.composer.focus();
  }

  // Navigating by hash keeps history (back button) and reload in sync.
  goToRoom(id) {
    if (parseHash().room === id) {
      if (!this.view.isOpen(id)) this.view.open(id);
      this.focusComposer();
    } else {
      location.hash = `room=${id}`;
    }
  }

  async refreshRooms() {
    const requestedAt = performance.now();
    const { rooms = [] } = await get('/api/v1/rooms');
    this.applyRooms(rooms, requestedAt);
  }

  applyRooms(rooms, requestedAt) {
    if (requestedAt < this.roomsRequestedAt) return;
    this.roomsRequestedAt = requestedAt;
    this.sidebar.update(rooms);
    // Receive every room I am in; rooms I left are no longer sent.
    for (const room of rooms) this.live().track(room.id, room.last_seq ?? 0);
    if (this.view.current && !this.sidebar.find(this.view.current.id)) {
      // Removed from the open room (or left it in another tab).
      this.view.close();
      toast(t('rooms.removed'));
      this.openDefault();
      return;
    }
    this.onRoomsChanged();
  }

  async joinPublicRoom(id) {
    try {
      await post(roomPath(id, '/join'));
      await this.refreshRooms();
      return true;
    } catch {
      return false;
    }
  }

  async openFromHash() {
    const nav = ++this.navSeq;
    const { room: id, msg } = parseHash();
    if (id === null) return this.openDefault();
    if (!this.sidebar.find(id)) {
      // Maybe I was added a moment ago; or a shared link to a public room
      // I have not joined yet: join it.
      await this.refreshRooms().catch(() => {});
      if (nav !== this.navSeq) return undefined;
      if (!this.sidebar.find(id)) {
        const { rooms = [] } = await get('/api/v1/public-rooms').catch(() => ({}));
        if (nav !== this.navSeq) return undefined;
        if (!rooms.some((r) => r.id === id) || !(await this.joinPublicRoom(id))) {
          // Private rooms read the same as missing ones: nothing about them shows.
          toast(t('rooms.notFound'), { error: true });
          return nav === this.navSeq ? this.openDefault() : undefined;
        }
        if (nav !== this.navSeq) return undefined;
      }
    }
    if (this.view.isOpen(id) && msg === null) return undefined;
    const opened = this.view.open(id, { at: msg });
    this.focusComposer();
    return opened;
  }

  async openDefault() {
    const nav = ++this.navSeq;
    const open = (id) => {
      history.replaceState(null, '', `#room=${id}`);
      return this.view.open(id);
    };
    const last = Number(read(key('lastRoom', this.me().id)));
    if (this.sidebar.find(last)) return open(last);
    const general = this.sidebar.rooms.find((r) => r.kind === 'public' && r.name === DEFAULT_ROOM);
    if (general) return open(general.id);

    // New users may not be in "general" yet: join it when it exists.
    const { rooms = [] } = await get('/api/v1/public-rooms').catch(() => ({}));
    if (nav !== this.navSeq) return undefined;
    const publicGeneral = rooms.find((r) => r.name === DEFAULT_ROOM);
    if (publicGeneral && (await this.joinPublicRoom(publicGeneral.id))) {
      return nav === this.navSeq ? open(publicGeneral.id) : undefined;
    }
    if (nav !== this.navSeq) return undefined;
    const first = this.sidebar.ordered()[0];
    if (first) return open(first.id);
    history.replaceState(null, '', location.pathname);
    return this.view.showNone();
  }

  // From the quick switcher: one of my rooms, a public room to join, or a
  // person to message.
  async choose(option) {
    try {
      if (option.kind === 'join') {
        await post(roomPath(option.room.id, '/join'));
        await this.refreshRooms();
        this.goToRoom(option.room.id);
      } else if (option.kind === 'person') {
        const { room } = await post('/api/v1/dms', { username: option.person.username });
        await this.refreshRooms();
        this.goToRoom(room.id);
      } else {
        this.goToRoom(option.room.id);
      }
    } catch (err) {
      toast(err.message, { error: true });
    }
  }

  async leaveCurrentRoom() {
    const room = this.view.room();
    if (!room || room.kind === 'direct') return;
    const question = room.kind === 'private' ? 'rooms.leavePrivateQuestion' : 'rooms.leaveQuestion';
    if (!window.confirm(t(question, { name: roomLabel(room) }))) return;
    try {
      await post(roomPath(room.id, '/leave'));
      this.view.close(); // first, so the refresh below doesn't report it as "removed"
      await this.refreshRooms();
      await this.openDefault();
    } catch (err) {
      toast(err.message, { error: true });
    }
  }
}
