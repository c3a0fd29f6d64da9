// Chat page: wires the sidebar, message list, composer, outbox, live
// connection and dialogs together, and owns "which room is open" and what
// each live event means for the page.

import { get, post, patch, del, roomPath, onUnauthorized } from './api.js';
import { readBootstrap } from './bootstrap.js';
import { MessageList } from './messages.js';
import { setupMessageMenu } from './message-menu.js';
import { Sidebar, roomLabel } from './rooms.js';
import { Outbox } from './outbox.js';
import { setupComposer } from './composer.js';
import { drafts as draftStore } from './drafts.js';
import { startLive } from './live.js';
import { Typing } from './typing.js';
import { Presence } from './presence.js';
import { setupNotifications } from './notify.js';
import { setupTheme } from './theme.js';
import { setupSwitcher } from './switcher.js';
import { setupShortcuts } from './shortcuts.js';
import { setupMenu } from './menu.js';
import { setupDrawer } from './drawer.js';
import { setupRoomDialogs } from './room-dialogs.js';
import { setupAccount } from './account.js';
import { key, read, write } from './store.js';
import { toast } from './toast.js';
import { icon, roomIconName } from './icons.js';

// Any 401 means the session is gone (expired, or signed out elsewhere).
onUnauthorized(() => location.replace('/'));

const $ = (id) => document.getElementById(id);
const DEFAULT_ROOM = 'general';
const PAGE_SIZE = 50;

const state = {
  me: null,
  // The open room: { id, token, readUpTo }.
  current: null,
};
let switchToken = 0; // bumps on every room switch; stale responses compare it
// When the newest applied room list was requested: a slow answer that
// started before we joined/left a room must not overwrite a fresher list.
let roomsRequestedAt = 0;
// Bumps on every navigation decision; a slower, older one gives up.
let navSeq = 0;
// Set up in boot(), once we know who we are.
let live = null;
let outbox = null;
let drafts = null;
let notifyArrived = () => {};

const isOpen = (roomId) => state.current?.id === roomId;

// --- Components -----------------------------------------------------------

const sidebar = new Sidebar({
  root: $('sidebar'),
  lists: { public: $('public-rooms'), private: $('private-rooms'), direct: $('direct-rooms') },
  groups: { private: $('private-group') },
});

const list = new MessageList({
  scroller: $('scroller'),
  log: $('messages'),
  olderButton: $('load-older'),
  jumpButton: $('jump-newest'),
  onRetry: (clientId) => outbox.retry(clientId),
  onDiscard(clientId) {
    outbox.discard(clientId);
    composer.focus();
  },
  onLoadOlder: loadOlder,
  onActions: (button, seq) => messageMenu.open(button, seq),
  onEditSave: saveEdit,
  onAtBottom: () => markRead(),
});

const messageMenu = setupMessageMenu({
  panel: $('message-menu'),
  onEdit: (seq) => list.startEdit(seq),
  onDelete: deleteMessage,
});

const typing = new Typing({ el: $('typing'), send: (roomId) => live?.typing(roomId) });
const presence = new Presence({ el: $('presence') });

const composer = setupComposer({
  form: $('composer-form'),
  textarea: $('composer'),
  button: $('send'),
  counter: $('composer-count'),
  onSend(body) {
    if (!state.current) return;
    outbox.send(state.current.id, body);
    typing.sent(state.current.id);
    list.scrollToBottom(); // your own message is always brought into view
  },
  onInput(text) {
    if (!state.current) return;
    drafts.save(state.current.id, text);
    if (text.trim()) typing.typed(state.current.id);
  },
  onEditLast() {
    const seq = list.lastOwnSeq();
    if (seq === null) return false;
    list.startEdit(seq);
    return true;
  },
});

setupDrawer({
  toggle: $('sidebar-toggle'),
  closeButton: $('sidebar-close'),
  sidebar: $('sidebar'),
  backdrop: $('sidebar-backdrop'),
  main: document.querySelector('.main'),
});

const roomDialogs = setupRoomDialogs({ refreshRooms, goToRoom });
setupAccount({ getMe: () => state.me });
setupMenu($('room-menu-button'), $('room-menu'));

const openSwitcher = setupSwitcher({
  dialog: $('switcher-dialog'),
  input: $('switcher-input'),
  list: $('switcher-list'),
  rooms: () => sidebar.ordered(),
  label: roomLabel,
  go: goToRoomAndFocus,
});
setupShortcuts({
  openSwitcher,
  roomIds: () => sidebar.ordered().map((r) => r.id),
  currentId: () => state.current?.id ?? null,
  go: goToRoomAndFocus,
});

$('switcher-button').addEventListener('click', openSwitcher);
$('create-room-button').addEventListener('click', () => roomDialogs.openCreate());
$('browse-button').addEventListener('click', () => roomDialogs.openBrowse());
$('new-dm-button').addEventListener('click', () => roomDialogs.openDm());
$('members-button').addEventListener('click', () => {
  const room = currentRoom();
  if (room) roomDialogs.openMembers(room);
});
$('add-people-button').addEventListener('click', () => {
  const room = currentRoom();
  if (room) roomDialogs.openMembers(room, { focusAdd: true });
});
$('leave-room-button').addEventListener('click', leaveCurrentRoom);

// --- Rooms ----------------------------------------------------------------

function currentRoom() {
  return state.current ? sidebar.find(state.current.id) : null;
}

function hashRoomId() {
  const match = /^#room=(\d+)$/.exec(location.hash);
  return match ? Number(match[1]) : null;
}

// Navigating by hash keeps history (back button) and reload in sync.
function goToRoom(id) {
  if (hashRoomId() === id) {
    if (!isOpen(id)) openRoom(id);
  } else {
    location.hash = `room=${id}`;
  }
}

// From the keyboard (switcher, Alt+Arrow): typing can go on right away.
function goToRoomAndFocus(id) {
  goToRoom(id);
  composer.focus();
}

async function refreshRooms() {
  const requestedAt = performance.now();
  const { rooms = [] } = await get('/api/v1/rooms');
  applyRooms(rooms, requestedAt);
}

function applyRooms(rooms, requestedAt) {
  if (requestedAt < roomsRequestedAt) return;
  roomsRequestedAt = requestedAt;
  sidebar.update(rooms);
  // Receive every room I am in; rooms I left are no longer sent.
  for (const room of rooms) live.track(room.id, room.last_seq ?? 0);
  if (state.current && !sidebar.find(state.current.id)) {
    // Removed from the open room (or left it in another tab).
    closeRoom();
    toast('You are no longer a member of that room.');
    openDefault();
    return;
  }
  renderHeader();
}

async function joinPublicRoom(id) {
  try {
    await post(roomPath(id, '/join'));
    await refreshRooms();
    return true;
  } catch {
    return false;
  }
}

async function openFromHash() {
  const nav = ++navSeq;
  const id = hashRoomId();
  if (id !== null) {
    if (sidebar.find(id)) return openRoom(id);
    // Maybe I was added a moment ago.
    await refreshRooms().catch(() => {});
    if (nav !== navSeq) return undefined;
    if (sidebar.find(id)) return openRoom(id);
    // A shared link to a public room I haven't joined yet: join it.
    const { rooms = [] } = await get('/api/v1/public-rooms').catch(() => ({}));
    if (nav !== navSeq) return undefined;
    if (rooms.some((r) => r.id === id) && (await joinPublicRoom(id))) {
      return nav === navSeq ? openRoom(id) : undefined;
    }
    // Private rooms read the same as missing ones: nothing about them shows.
    toast('That room doesn’t exist or you are not a member.', { error: true });
  }
  return openDefault();
}

async function openDefault() {
  const nav = ++navSeq;
  const last = Number(read(key('lastRoom', state.me.id)));
  if (sidebar.find(last)) return openRoom(last);
  const findGeneral = () => sidebar.rooms.find((r) => r.kind === 'public' && r.name === DEFAULT_ROOM);
  if (findGeneral()) return openRoom(findGeneral().id);

  // New users may not be in "general" yet: join it when it exists.
  const { rooms = [] } = await get('/api/v1/public-rooms').catch(() => ({}));
  if (nav !== navSeq) return undefined;
  const publicGeneral = rooms.find((r) => r.name === DEFAULT_ROOM);
  if (publicGeneral && (await joinPublicRoom(publicGeneral.id))) {
    return nav === navSeq ? openRoom(publicGeneral.id) : undefined;
  }
  if (nav !== navSeq) return undefined;

  const first = sidebar.ordered()[0];
  if (first) return openRoom(first.id);
  return showNoRoom();
}

// Forget the open room; in-flight responses for it are then ignored.
function closeRoom() {
  switchToken += 1;
  state.current = null;
}

function showNoRoom() {
  closeRoom();
  sidebar.setCurrent(null);
  history.replaceState(null, '', location.pathname);
  list.reset();
  list.setEmpty('You are not in any rooms yet. Create one with “+” or use “Browse rooms”.');
  list.render();
  composer.setValue('');
  composer.setEnabled(false);
  renderHeader();
}

async function openRoom(id) {
  const token = ++switchToken;
  const summary = sidebar.find(id);
  state.current = { id, token, readUpTo: summary?.last_read_seq ?? 0 };
  if (hashRoomId() !== id) history.replaceState(null, '', `#room=${id}`);
  write(key('lastRoom', state.me.id), String(id));
  sidebar.setCurrent(id);
  renderHeader();
  composer.setEnabled(true);
  composer.setValue(drafts.load(id));
  typing.show(id);
  presence.show(id, state.me.id);
  live.roomOpened();
  list.reset();
  list.setPending(outbox.pending(id));
  list.render();
  await loadNewest(token);
}

async function leaveCurrentRoom() {
  const room = currentRoom();
  if (!room || room.kind === 'direct') return;
  const extra = room.kind === 'private' ? ' Someone in it will have to add you again.' : '';
  if (!window.confirm(`Leave ${roomLabel(room)}?${extra}`)) return;
  try {
    await post(roomPath(room.id, '/leave'));
    closeRoom(); // first, so the refresh below doesn't report it as "removed"
    await refreshRooms();
    await openDefault();
  } catch (err) {
    toast(err.message, { error: true });
  }
}

// --- Messages -------------------------------------------------------------

// Messages of the open room from the server (history pages, acks).
function receive(messages) {
  const changed = list.addMessages(messages);
  // The server's copy of one of our sends settles the outbox entry.
  for (const m of messages) if (m.author_id === state.me.id) outbox.confirm(m.client_id);
  list.setPending(outbox.pending(state.current.id));
  return changed;
}

async function loadNewest(token) {
  const id = state.current.id;
  try {
    const data = await get(roomPath(id, `/messages?limit=${PAGE_SIZE}`));
    if (token !== switchToken) return;
    receive(data.messages ?? []);
    list.setReady(Boolean(data.has_more));
    list.render({ toBottom: true, quiet: true });
    markRead();
  } catch (err) {
    if (token !== switchToken) return;
    list.setError(err.message, () => {
      list.reset();
      list.setPending(outbox.pending(id));
      list.render();
      loadNewest(token);
    });
    list.render();
  }
}

async function loadOlder(beforeSeq) {
  const cur = state.current;
  if (!cur || beforeSeq === null) return;
  try {
    const data = await get(roomPath(cur.id, `/messages?before=${beforeSeq}&limit=${PAGE_SIZE}`));
    if (cur !== state.current) return;
    list.addMessages(data.messages ?? []);
    list.setReady(Boolean(data.has_more));
    list.render({ quiet: true });
  } catch (err) {
    if (cur === state.current) toast(err.message, { error: true });
  }
}

// The stream skipped a long gap (too much to replay): read it over HTTP.
async function fillGap(roomId, after, upTo) {
  const cur = state.current;
  let from = after;
  while (cur === state.current && isOpen(roomId) && from < upTo) {
    const data = await get(roomPath(roomId, `/messages?after=${from}&limit=200`));
    const messages = data.messages ?? [];
    if (cur !== state.current) return;
    receive(messages);
    list.render({ live: true });
    if (!data.has_more || !messages.length) break;
    from = messages[messages.length - 1].seq;
  }
}

async function saveEdit(seq, body) {
  const cur = state.current;
  try {
    const { message } = await patch(roomPath(cur.id, `/messages/${seq}`), { body });
    if (cur === state.current) list.addMessages([message]);
  } catch (err) {
    toast(err.message, { error: true });
    throw err;
  }
}

async function deleteMessage(seq) {
  const cur = state.current;
  if (!cur || !window.confirm('Delete this message? Everyone in the room will see “message deleted”.')) return;
  try {
    await del(roomPath(cur.id, `/messages/${seq}`));
    if (cur === state.current && list.markDeleted(seq)) list.render();
  } catch (err) {
    toast(err.message, { error: true });
  }
}

// Tell the server we've seen everything up to the newest message, but only
// while the page is actually visible.
function markRead() {
  const cur = state.current;
  const seq = list.lastSeq;
  if (!cur || seq === null || document.visibilityState !== 'visible') return;
  sidebar.clearUnread(cur.id);
  updateTitle();
  if (seq <= cur.readUpTo) return;
  const previous = cur.readUpTo;
  cur.readUpTo = seq;
  post(roomPath(cur.id, '/read'), { seq }).catch(() => {
    if (cur.readUpTo === seq) cur.readUpTo = previous; // try again next time
  });
}

// --- Live events ----------------------------------------------------------

// A room event, new to this page (live.js drops duplicates).
function onEvent(e) {
  const open = isOpen(e.room_id);
  if (e.type === 'message.created') {
    const m = e.message;
    const mine = m.author_id === state.me.id;
    if (!mine) typing.stopped(e.room_id, m.author);
    sidebar.noteMessage(e.room_id, e.seq, !mine);
    if (open) {
      receive([m]);
      list.render({ live: true });
      markRead();
    } else if (mine) {
      outbox.confirm(m.client_id);
    }
    const room = sidebar.find(e.room_id);
    if (room && !mine) notifyArrived(room, m);
    updateTitle();
  } else if (e.type === 'message.edited') {
    if (open && list.find(e.message.seq) && list.addMessages([e.message])) list.render();
  } else if (e.type === 'message.deleted') {
    if (open && list.markDeleted(e.message_seq)) list.render();
  }
}

function onFrame(f) {
  switch (f.type) {
    case 'typing':
      typing.started(f.room_id, f.username);
      break;
    case 'presence':
      presence.set(f.room_id, f.online ?? [], f.count ?? 0);
      break;
    case 'presence.changed':
      presence.change(f.room_id, f.user_id, f.username, f.online);
      break;
    case 'member.joined':
    case 'member.left':
      if (f.type === 'member.left') presence.change(f.room_id, f.member.user_id, f.member.username, false);
      roomDialogs.membersChanged(f.room_id);
      break;
    case 'room.added':
      refreshRooms().catch(() => {});
      break;
    case 'room.removed':
      live.forget(f.room_id);
      presence.forget(f.room_id);
      refreshRooms().catch(() => {});
      break;
    default:
      break; // hello, subscribed, pong, unsubscribed: nothing to show
  }
}

function onAck(message) {
  sidebar.noteMessage(message.room_id, message.seq, false);
  if (!isOpen(message.room_id)) return;
  receive([message]);
  list.render();
  markRead();
}

// --- Header and title -----------------------------------------------------

function renderHeader() {
  const room = currentRoom();
  const title = $('room-title');
  if (room) {
    title.replaceChildren(icon(roomIconName(room.kind)), document.createTextNode(roomLabel(room)));
    composer.setPlaceholder(room.kind === 'direct' ? `Message ${roomLabel(room)}` : `Message #${roomLabel(room)}`);
  } else {
    title.textContent = state.current ? 'Loading…' : 'Natter';
    composer.setPlaceholder('Message');
  }
  $('room-menu-wrap').hidden = !room;
  $('add-people-button').hidden = room?.kind !== 'private';
  $('leave-room-button').hidden = !room || room.kind === 'direct';
  $('presence').hidden = !room;
  updateTitle();
}

function updateTitle() {
  const room = currentRoom();
  const unread = sidebar.totalUnread();
  const name = room ? (room.kind === 'direct' ? roomLabel(room) : `#${roomLabel(room)}`) : null;
  document.title = `${unread ? `(${unread}) ` : ''}${name ? `${name} · ` : ''}Natter`;
}

// --- Start-up -------------------------------------------------------------

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
    list.setMe(me);
    for (const el of document.querySelectorAll('[data-me]')) el.textContent = me.username;
    setupTheme({ me, buttons: document.querySelectorAll('[data-theme-choice]') });
    composer.setMaxChars(server.max_message_chars);
    drafts = draftStore(me.id);
    outbox = new Outbox({
      userId: me.id,
      onChange(roomId) {
        if (!isOpen(roomId)) return;
        list.setPending(outbox.pending(roomId));
        list.render();
      },
    });
    notifyArrived = setupNotifications({
      me,
      bell: $('notify-button'),
      soundButton: $('sound-button'),
      roomName: roomLabel,
      openRoomById: goToRoom,
    });
    live = startLive({
      outbox,
      openRoom: () => state.current?.id ?? null,
      banner: $('connection'),
      handlers: {
        onEvent,
        onFrame,
        onAck,
        onResync(roomId, after, upTo) {
          fillGap(roomId, after, upTo).catch(() => {});
          refreshRooms().catch(() => {});
        },
        // After a gap: membership may have changed, unread counts too.
        onReconnected: () => refreshRooms().catch(() => {}),
        onRefreshRooms: () => refreshRooms().catch(() => {}),
      },
    });
    applyRooms(rooms, performance.now());
    await openFromHash();
  } catch (err) {
    if (err.status === 401) return; // already redirecting to /
    list.setError(err.message, () => location.reload());
    list.render();
  }
}

window.addEventListener('hashchange', () => {
  const id = hashRoomId();
  if (state.me && id !== null && !isOpen(id)) openFromHash();
});

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') return;
  markRead();
  updateTitle();
});

// Pending rows say whether they wait for the network.
for (const type of ['online', 'offline']) {
  window.addEventListener(type, () => {
    if (state.current) list.render();
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
  if (state.current) list.render();
}, 60 * 1000);

boot();
