// Chat page: wires the sidebar, message list, composer, outbox, polling and
// dialogs together, and owns "which room is open".

import { get, post, roomPath, onUnauthorized } from './api.js';
import { MessageList } from './messages.js';
import { Sidebar, roomLabel } from './rooms.js';
import { Outbox } from './outbox.js';
import { setupComposer } from './composer.js';
import { startPolling } from './poll.js';
import { setupMenu } from './menu.js';
import { setupDrawer } from './drawer.js';
import { setupRoomDialogs } from './room-dialogs.js';
import { setupAccount } from './account.js';
import { toast } from './toast.js';
import { icon, roomIconName } from './icons.js';

// Any 401 means the session is gone (expired, or signed out elsewhere).
onUnauthorized(() => location.replace('/'));

const $ = (id) => document.getElementById(id);
const DEFAULT_ROOM = 'general';
const PAGE_SIZE = 50;

const state = {
  me: null,
  // The open room: { id, token, cursor, readUpTo }. `cursor` is the highest
  // seq received from GET .../messages (the polling position). It does not
  // include our own POST responses: those can overtake messages from others
  // that we have not fetched yet.
  current: null,
};
let switchToken = 0; // bumps on every room switch; stale responses compare it
let poller = null;
// When the newest applied room list was requested: a slow poll that started
// before we joined/left a room must not overwrite a fresher list.
let roomsRequestedAt = 0;
// Bumps on every navigation decision; a slower, older one gives up.
let navSeq = 0;

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
  onRetry(clientId) {
    if (state.current) outbox.retry(state.current.id, clientId);
    composer.focus();
  },
  onDiscard(clientId) {
    if (state.current) outbox.discard(state.current.id, clientId);
    composer.focus();
  },
  onLoadOlder: loadOlder,
});

const outbox = new Outbox({
  onChange(roomId) {
    if (!isOpen(roomId)) return;
    list.setPending(outbox.pending(roomId));
    list.render();
  },
  onSent(roomId, message) {
    if (!isOpen(roomId)) return;
    list.addMessages([message]);
    list.setPending(outbox.pending(roomId));
    list.render();
    markRead();
  },
});

const composer = setupComposer({
  form: $('composer-form'),
  textarea: $('composer'),
  button: $('send'),
  counter: $('composer-count'),
  onSend(body) {
    if (!state.current) return;
    outbox.send(state.current.id, body);
    list.scrollToBottom(); // your own message is always brought into view
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

async function refreshRooms() {
  const requestedAt = performance.now();
  const { rooms = [] } = await get('/api/v1/rooms');
  applyRooms(rooms, requestedAt);
}

function applyRooms(rooms, requestedAt) {
  if (requestedAt < roomsRequestedAt) return;
  roomsRequestedAt = requestedAt;
  sidebar.update(rooms);
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
    // Maybe I was added since the last poll.
    await refreshRooms().catch(() => {});
    if (nav !== navSeq) return undefined;
    if (sidebar.find(id)) return openRoom(id);
    // A shared link to a public room I haven't joined yet: join it.
    const { rooms = [] } = await get('/api/v1/public-rooms').catch(() => ({}));
    if (nav !== navSeq) return undefined;
    if (rooms.some((r) => r.id === id) && (await joinPublicRoom(id))) {
      return nav === navSeq ? openRoom(id) : undefined;
    }
    toast('That room doesn’t exist or you are not a member.', { error: true });
  }
  return openDefault();
}

async function openDefault() {
  const nav = ++navSeq;
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

  const mine = sidebar.rooms;
  const order = { public: 0, private: 1, direct: 2 };
  const first = [...mine].sort((a, b) => order[a.kind] - order[b.kind])[0];
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
  composer.setEnabled(false);
  renderHeader();
}

async function openRoom(id) {
  const token = ++switchToken;
  const summary = sidebar.find(id);
  state.current = { id, token, cursor: null, readUpTo: summary?.last_read_seq ?? 0 };
  if (hashRoomId() !== id) history.replaceState(null, '', `#room=${id}`);
  sidebar.setCurrent(id);
  renderHeader();
  composer.setEnabled(true);
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

// Takes messages fetched from the server for the open room. Returns whether
// anything on screen changed.
function receive(messages) {
  const cur = state.current;
  let changed = false;
  for (const m of messages) {
    if (cur.cursor === null || m.seq > cur.cursor) cur.cursor = m.seq;
    // The server's copy of one of our sends: drop the pending entry.
    if (m.author_id === state.me.id && m.client_id && outbox.settle(cur.id, m.client_id)) changed = true;
  }
  if (list.addMessages(messages)) changed = true;
  if (changed) list.setPending(outbox.pending(cur.id));
  return changed;
}

async function loadNewest(token) {
  const id = state.current.id;
  try {
    const data = await get(roomPath(id, `/messages?limit=${PAGE_SIZE}`));
    if (token !== switchToken) return;
    state.current.cursor = 0;
    receive(data.messages ?? []);
    list.setReady(Boolean(data.has_more));
    list.render({ toBottom: true, quiet: true });
    markRead();
    poller?.refreshMessages();
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
  updateTitle();
}

function updateTitle() {
  const room = currentRoom();
  const unread = sidebar.totalUnread();
  const name = room ? (room.kind === 'direct' ? roomLabel(room) : `#${roomLabel(room)}`) : null;
  document.title = `${unread ? `(${unread}) ` : ''}${name ? `${name} · ` : ''}Natter`;
}

function showConnection(ok, err) {
  // Only network trouble or server errors mean "disconnected"; a 4xx is a
  // real answer and handled where it happens.
  const down = !ok && (!err || err.status === 0 || err.status >= 500);
  $('connection').hidden = !down;
}

// --- Start-up -------------------------------------------------------------

async function boot() {
  try {
    const [me, server, rooms] = await Promise.all([
      get('/api/v1/me'),
      get('/api/v1/server').catch(() => ({})),
      get('/api/v1/rooms'),
    ]);
    state.me = me.user;
    list.setMe(state.me);
    for (const el of document.querySelectorAll('[data-me]')) el.textContent = state.me.username;
    composer.setMaxChars(server.max_message_chars);
    applyRooms(rooms.rooms ?? [], performance.now());

    poller = startPolling({
      cursor: () => {
        const cur = state.current;
        return cur && cur.cursor !== null ? { roomId: cur.id, after: cur.cursor, token: cur.token } : null;
      },
      onMessages(c, messages) {
        const cur = state.current;
        if (!cur || cur.token !== c.token) return; // room switched meanwhile
        if (receive(messages)) {
          list.render();
          markRead();
        }
      },
      onRooms: applyRooms,
      onStatus: showConnection,
    });

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
  poller?.refreshMessages();
  poller?.refreshRooms();
});

// Warn before closing the tab while a message is still unsent.
window.addEventListener('beforeunload', (e) => {
  if (outbox.hasUnsent()) {
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
