// Chat page: builds the components and wires them together; owns
// navigation (the address's #room=ID&msg=SEQ), the room list, start-up
// and signing out. What an open room does is room-view.js's; what live
// frames mean is live-events.js's.

import { get, del, onUnauthorized } from './api.js';
import { readBootstrap } from './bootstrap.js';
import { h } from './dom.js';
import { t, tParts, translatePage } from './i18n.js';
import { MessageList } from './message-list.js';
import { setupMessageMenu } from './message-menu.js';
import { RoomView } from './room-view.js';
import { RoomHeader, pageTitle } from './room-header.js';
import { Sidebar, roomLabel } from './rooms.js';
import { Outbox } from './outbox.js';
import { setupComposer } from './composer.js';
import { drafts as draftStore } from './drafts.js';
import { startLive } from './live.js';
import { liveEvents } from './live-events.js';
import { setupMessageExtras } from './message-extras.js';
import { ConnectionBanner } from './connection-banner.js';
import { watchSession, leaveSignedOut, askAboutHeld } from './session.js';
import { Typing } from './typing.js';
import { Presence } from './presence.js';
import { setupNotifications } from './notify.js';
import { setupTheme } from './theme.js';
import { setupShortcuts } from './shortcuts.js';
import { setupMenu } from './menu.js';
import { setupDrawer } from './drawer.js';
import { setupTouchMenus } from './touch.js';
import { setupDisappearing } from './disappearing.js';
import { memberActions as banActions } from './moderation.js';
import { setupAccount } from './account.js';
import { Navigation } from './navigation.js';
import { toast } from './toast.js';
import { setupFiles } from './files-ui.js';
import { setupConversations } from './conversations.js';
import { setupLevels } from './notify-levels.js';
import { setupSwitcher } from './switcher.js';

translatePage();

const $ = (id) => document.getElementById(id);

const state = { me: null };
// Set up in boot(), once we know who we are.
let live = null;
let outbox = null;
let drafts = null;
let notify = () => {};
let conversations = null;

// --- Components -----------------------------------------------------------

const presence = new Presence({
  onChange(roomId) {
    sidebar.render();
    if (view.isOpen(roomId)) renderHeader();
    roomDialogs.presenceChanged(roomId);
  },
});

const sidebar = new Sidebar({
  root: $('sidebar'),
  lists: { public: $('public-rooms'), private: $('private-rooms'), direct: $('direct-rooms') },
  groups: { private: $('private-group') },
  peerOnline: (room) => presence.othersOnline(room.id, state.me?.id),
});

const files = setupFiles({ $, refresh: () => composer.refresh(), roomName: (id) => roomLabel(sidebar.find(id)), onOpen: (room, seq) => (location.hash = `room=${room}&msg=${seq}`) });
const list = new MessageList({
  scroller: $('scroller'),
  log: $('messages'),
  olderButton: $('load-older'),
  jumpButton: $('jump-newest'),
  onLoadOlder: (seq) => view.loadOlder(seq),
  onLoadNewer: (seq) => view.loadNewer(seq),
  onJumpToNewest: () => view.jumpToNewest(),
  onAtBottom: () => view.markRead(),
  onActions: (button, m) => messageMenu.open(button, m),
  onRetry: (clientId) => outbox.retry(clientId),
  onDiscard(clientId) {
    outbox.discard(clientId);
    composer.focus();
  },
  onEditSave: (seq, body) => view.saveEdit(seq, body),
  ...{ onOpenImage: (f) => files.lightbox.open(f), reactions: (m) => extras.reactions(m), reactionsVersion: (m) => extras.reactionsVersion(m), systemLine: (m) => extras.systemLine(m) },
});

const extras = setupMessageExtras({ me: () => state.me, list, refreshRooms: () => refreshRooms() });
const messageMenu = setupMessageMenu({
  panel: $('message-menu'),
  meId: () => state.me?.id,
  onOpen: (panel, m) => extras.menuOpened(panel, m),
  onAction(action, m) {
    if (extras.onMenuAction(action, m)) return;
    if (action === 'edit') list.startEdit(m.seq);
    else if (action === 'delete') view.deleteMessage(m.seq);
    else if (action === 'reply') conversations.openThread(m);
    else if (action === 'report') import('./report-dialog.js').then((mod) => mod.openReport(m));
    else copyLink(m);
  },
});

setupTouchMenus({
  log: $('messages'),
  onOpen(row, button) {
    const m = list.find(Number(row.dataset.seq));
    if (m) messageMenu.open(row, m, { button });
  },
});

const typing = new Typing({
  el: $('typing'),
  send: (roomId) => live?.typing(roomId),
  sendStopped: (roomId) => live?.typingStopped(roomId),
});

const composer = setupComposer({
  form: $('composer-form'),
  textarea: $('composer'),
  button: $('send'),
  counter: $('composer-count'), hasFiles: () => files.attachments.hasFiles(),
  onSend(body) {
    if (!view.current) return;
    // "/topic …" and the like: slash.js, loaded on the first one.
    const slash = { room: view.current, send: (b) => outbox.send(slash.room.id, b), leave: () => nav.leaveCurrentRoom(), restore: (b) => composer.setValue(b) };
    if (/^\/[a-z]/i.test(body)) return void import('./slash.js').then((m) => m.runSlash(body, slash));
    outbox.send(view.current.id, body, files.attachments.take());
    list.showNewest(); // your own message is always brought into view
  },
  onInput(text) {
    if (!view.current) return;
    drafts.save(view.current.id, text);
    typing.typed(view.current.id, text);
  },
  onEditLast() {
    const seq = list.lastOwnSeq();
    if (seq === null) return false;
    list.startEdit(seq);
    return true;
  },
});
const kbd = (text) => h('kbd', {}, text);
$('composer-hint').replaceChildren(...tParts('composer.hint', { enter: kbd('Enter'), shift: kbd('Shift') }));

const header = new RoomHeader({
  title: $('room-title'),
  facts: $('room-facts'),
  menuWrap: $('room-menu-wrap'),
  addPeople: $('add-people-button'),
  leave: $('leave-room-button'),
  onMembers: () => openMembers(),
});

const view = new RoomView({
  list,
  sidebar,
  composer,
  typing,
  live: () => live,
  outbox: () => outbox,
  drafts: () => drafts,
  me: () => state.me,
  onChange: renderHeader,
  onAddPeople: (room) => roomDialogs.openMembers(room, { focusAdd: true }),
});

const banner = new ConnectionBanner($('connection'));

const nav = new Navigation({ view, sidebar, composer, live: () => live, me: () => state.me, onRoomsChanged: renderHeader });
const refreshRooms = () => nav.refreshRooms();
const goToRoom = (id) => nav.goToRoom(id);

setupDrawer({
  toggle: $('sidebar-toggle'),
  closeButton: $('sidebar-close'),
  sidebar: $('sidebar'),
  backdrop: $('sidebar-backdrop'),
  main: document.querySelector('.main'),
});

// The room dialogs (new room, browse, new message, members) load on
// first use: a visit may never open them, and the page's
// first load has a weight budget (e2e/performance.test.js).
let roomDialogsLoaded = null;
const loadRoomDialogs = () =>
  (roomDialogsLoaded ??= import('./room-dialogs.js').then(({ setupRoomDialogs }) =>
    setupRoomDialogs({
      refreshRooms,
      goToRoom,
      isOnline: (roomId, userId) => presence.isOnline(roomId, userId),
      meId: () => state.me?.id,
      moderationActions: banActions({ meId: () => state.me?.id, isAdmin: () => admin.isAdmin() }),
    })));
const roomDialogs = {
  // Only an open member list follows changes: none before the first load.
  membersChanged: (roomId) => roomDialogsLoaded?.then((d) => d.membersChanged(roomId)),
  presenceChanged: (roomId) => roomDialogsLoaded?.then((d) => d.presenceChanged(roomId)),
  openCreate: () => loadRoomDialogs().then((d) => d.openCreate()),
  openDm: () => loadRoomDialogs().then((d) => d.openDm()),
  openBrowse: () => loadRoomDialogs().then((d) => d.openBrowse()),
  openMembers: (room, options) => loadRoomDialogs().then((d) => d.openMembers(room, options)),
};
setupAccount({ getMe: () => state.me, unsentCount: () => outbox?.unsentCount() ?? 0, signOut });
setupMenu($('room-menu-button'), $('room-menu'));
const disappearing = setupDisappearing({
  button: $('disappearing-button'),
  badge: $('room-timer'),
  dialog: $('disappearing-dialog'),
  room: () => view.room(),
  onChanged: refreshRooms,
});
// The admin page loads on first use (admin.js); the menu item shows for admins.
const admin = {
  admin: false,
  page: null,
  isAdmin() {
    return this.admin;
  },
  async check() {
    const { role } = await get('/api/v1/me/role');
    this.admin = role === 'admin';
    $('admin-button').hidden = !this.admin;
    $('admin-note').hidden = !this.admin;
  },
};
$('admin-button').addEventListener('click', async () => {
  if (!admin.page) {
    const { setupAdmin } = await import('./admin.js');
    admin.page = setupAdmin({ dialog: $('admin-dialog'), rooms: () => sidebar.rooms ?? [], meId: () => state.me?.id });
  }
  admin.page.open();
});

// The switcher stays in the first load: Ctrl+K and the name typed right
// after it must not wait for a module (keys typed meanwhile were lost).
const openSwitcher = setupSwitcher({
  dialog: $('switcher-dialog'),
  input: $('switcher-input'),
  list: $('switcher-list'),
  rooms: () => sidebar.ordered(),
  label: roomLabel,
  meId: () => state.me?.id,
  choose: (option) => nav.choose(option),
});
$('switcher-hint').replaceChildren(...tParts('switcher.hint', { up: kbd('↑'), down: kbd('↓'), enter: kbd('Enter'), esc: kbd('Esc') }));
setupShortcuts({
  openSwitcher,
  roomIds: () => sidebar.ordered().map((r) => r.id),
  currentId: () => view.current?.id ?? null,
  go: goToRoom,
});

$('switcher-button').addEventListener('click', openSwitcher);
$('create-room-button').addEventListener('click', () => roomDialogs.openCreate());
$('browse-button').addEventListener('click', () => roomDialogs.openBrowse());
$('new-dm-button').addEventListener('click', () => roomDialogs.openDm());
$('new-dm-plus').addEventListener('click', () => roomDialogs.openDm());
$('members-button').addEventListener('click', () => openMembers());
$('add-people-button').addEventListener('click', () => {
  const room = view.room();
  if (room) roomDialogs.openMembers(room, { focusAdd: true });
});
$('leave-room-button').addEventListener('click', () => nav.leaveCurrentRoom());

// --- The session ------------------------------------------------------------

// Signed out elsewhere: stop, keep what was unsent for later, and leave.
const session = watchSession(() => {
  live?.stop();
  outbox?.hold();
  composer.setEnabled(false);
  leaveSignedOut('elsewhere', state.me?.username);
});
onUnauthorized(() => session.ended());

// Signed out here, on purpose: nothing of this person's stays behind.
async function signOut(path, reason) {
  session.expect();
  try {
    await del(path);
  } catch (err) {
    session.expect(false);
    toast(err.message, { error: true });
    return;
  }
  live?.stop();
  outbox?.clear();
  drafts?.clear();
  leaveSignedOut(reason, null);
}

// --- Navigation -------------------------------------------------------------

function openMembers() {
  const room = view.room();
  if (room) roomDialogs.openMembers(room);
}

async function copyLink(m) {
  const url = `${location.origin}/chat#room=${m.room_id}&msg=${m.seq}`;
  try {
    await navigator.clipboard.writeText(url);
    toast(t('menu.linkCopied'));
  } catch {
    // No clipboard (a plain-HTTP address on the LAN): show it to copy.
    window.prompt(t('menu.copyLinkPrompt'), url);
  }
}

// --- Header and title -------------------------------------------------------

function renderHeader() {
  const room = view.room();
  disappearing.render(room);
  header.render({
    room,
    loading: Boolean(view.current),
    memberCount: view.current?.about?.member_count ?? null,
    online: room ? presence.count(room.id) : null,
    peerOnline: room ? presence.othersOnline(room.id, state.me?.id) : false,
  });
  const name = room ? roomLabel(room) : '';
  let placeholder = t('composer.placeholder');
  if (room) placeholder = t(room.kind === 'direct' ? 'composer.placeholderDirect' : 'composer.placeholderRoom', { name });
  composer.setPlaceholder(placeholder);
  document.title = pageTitle(room, sidebar.totalUnread(), sidebar.totalMentions());
  extras.roomShown(room);
}

// --- Start-up ---------------------------------------------------------------

// The server-rendered bootstrap when there is one, else three requests.
async function loadStart() {
  const boot = readBootstrap();
  if (boot) return { me: boot.user, server: boot.server ?? {}, rooms: boot.rooms };
  const [me, server, rooms] = await Promise.all([
    get('/api/v1/me'),
    get('/api/v1/server').catch(() => ({})),
    get('/api/v1/rooms'),
  ]);
  return { me: me.user, server, rooms: rooms.rooms ?? [] };
}

async function boot() {
  try {
    const { me, server, rooms } = await loadStart();
    state.me = me;
    admin.check().catch(() => {});
    list.setMe(me);
    for (const el of document.querySelectorAll('[data-me]')) el.textContent = me.username;
    setupTheme({ me, buttons: document.querySelectorAll('[data-theme-choice]') });
    composer.setMaxChars(server.max_message_chars);
    drafts = draftStore(me.id);
    outbox = new Outbox({
      userId: me.id,
      onChange(roomId) {
        if (!view.isOpen(roomId)) return;
        list.setPending(outbox.pending(roomId));
        list.render();
      },
    });
    notify = setupNotifications({
      me,
      bell: $('notify-button'),
      soundButton: $('sound-button'),
      roomName: roomLabel,
      openRoomById: goToRoom,
    });
    conversations = setupConversations({ app: document.querySelector('.app'), panel: $('side-panel'), inboxButton: $('mentions-button'), composer: $('composer'), list, view, sidebar, me: () => state.me, notify: (room, m) => notify(room, m), onChange: renderHeader });
    setupLevels({ levelDialog: $('level-dialog'), dndDialog: $('dnd-dialog'), levelButton: $('level-button'), dndButton: $('dnd-button'), room: () => view.room(), onSaved: renderHeader });
    const events = liveEvents({
      conversations,
      view,
      list,
      sidebar,
      typing,
      presence,
      roomDialogs,
      extras,
      outbox: () => outbox,
      me: () => state.me,
      notify: (room, m) => notify(room, m),
      refreshRooms,
      live: () => live,
      onChange: renderHeader,
    });
    const refresh = () => refreshRooms().catch(() => {});
    live = startLive({
      outbox,
      openRoom: () => view.current?.id ?? null,
      handlers: {
        ...events,
        onResync(roomId, after, upTo) {
          view.fillGap(roomId, after, upTo).catch(() => {});
          refresh();
        },
        // After a gap: membership may have changed, unread counts too.
        onReconnected: refresh,
        onRefreshRooms: refresh,
        onConnection: (up) => banner.set(up),
        onSignedOut: () => session.ended(),
      },
    });
    nav.applyRooms(rooms, performance.now());
    await nav.openFromHash();
    nav.focusComposer();
    // The page is in use: e2e/performance.test.js measures up to here.
    performance.mark('natter:interactive');
    askAboutHeld({
      dialog: $('held-dialog'),
      outbox,
      roomName: (id) => (sidebar.find(id) ? roomLabel(sidebar.find(id)) : t('held.unknownRoom')),
    });
  } catch (err) {
    if (err.status === 401) return; // already leaving for the sign-in page
    list.setError(err.message, () => location.reload());
    list.render();
  }
}

window.addEventListener('hashchange', () => {
  if (state.me) nav.openFromHash();
});

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') return;
  view.markRead();
  renderHeader();
});

// Pending rows say whether they wait for the network.
for (const type of ['online', 'offline']) {
  window.addEventListener(type, () => {
    if (view.current) list.render();
  });
}

// Unsent messages survive a reload (they are stored), but not being sent
// while the tab is closed: say so before it closes.
window.addEventListener('beforeunload', (e) => {
  if (outbox?.hasUnsent()) {
    e.preventDefault();
    e.returnValue = '';
  }
});

// "Today" becomes "Yesterday" at midnight; re-rendering only rebuilds the
// day separators whose label changed.
setInterval(() => {
  if (view.current) list.render();
}, 60 * 1000);

boot();
