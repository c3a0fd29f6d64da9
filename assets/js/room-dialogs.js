// Dialogs about rooms: create a room, browse and join public rooms, start a
// direct message, and see (who is online first) and add members of the
// open room.

import { get, post, roomPath } from './api.js';
import { displayName, learnProfiles, learnStatuses, onPeopleChange, personAvatar, personName, statusOf } from './people.js';
import { formDialog } from './dialogs.js';
import { h, srOnly } from './dom.js';
import { t } from './i18n.js';
import { roomLabel } from './rooms.js';
import { memberActions } from './room-care.js';

// "alice, @bob carol" -> ["alice", "bob", "carol"]
function parseUsernames(text) {
  return text
    .split(/[\s,]+/)
    .map((s) => s.replace(/^@/, ''))
    .filter(Boolean);
}

// refreshRooms(): reloads the sidebar; goToRoom(id): opens a room;
// isOnline(roomId, userId); meId().
// moderationActions(room, member, members): a ban control or null.
export function setupRoomDialogs({ refreshRooms, goToRoom, isOnline, meId, moderationActions = () => null }) {
  const byId = (id) => document.getElementById(id);

  const create = formDialog(byId('create-room-dialog'), {
    async onSubmit(form) {
      const name = form.elements.name.value.trim();
      if (!name) throw new Error(t('dialogs.create.nameEmpty'));
      const body = { name, kind: form.elements.kind.value };
      const members = parseUsernames(form.elements.members.value);
      if (members.length) body.members = members;
      const { room } = await post('/api/v1/rooms', body);
      await refreshRooms();
      goToRoom(room.id);
    },
  });

  const dm = formDialog(byId('dm-dialog'), {
    async onSubmit(form) {
      const usernames = parseUsernames(form.elements.username.value);
      if (!usernames.length) throw new Error(t('dialogs.usernameEmpty'));
      // Several people make a group conversation, found again for the same set.
      const { room } =
        usernames.length > 1 ? await post('/api/v1/groups', { usernames }) : await post('/api/v1/dms', { username: usernames[0] });
      await refreshRooms();
      goToRoom(room.id);
    },
  });

  // --- Browse public rooms: a list with Join / Open per room.
  const browseDialog = byId('browse-dialog');
  const browseList = byId('browse-list');
  const browseError = browseDialog.querySelector('.form-error');

  async function join(room, button) {
    button.disabled = true;
    browseError.textContent = '';
    try {
      await post(roomPath(room.id, '/join'));
      await refreshRooms();
      browseDialog.close();
      goToRoom(room.id);
    } catch (err) {
      browseError.textContent = err.message;
      button.disabled = false;
    }
  }

  function browseItem(room) {
    const action = room.joined
      ? h(
          'a',
          { class: 'button', href: `#room=${room.id}`, onclick: () => browseDialog.close() },
          t('dialogs.browse.open'),
          srOnly(` ${room.name}`),
        )
      : h(
          'button',
          { type: 'button', class: 'button button--primary', onclick: (e) => join(room, e.currentTarget) },
          t('dialogs.browse.join'),
          srOnly(` ${room.name}`),
        );
    return h(
      'li',
      { class: 'browse-item' },
      h(
        'div',
        { class: 'browse-item__text' },
        h('span', { class: 'browse-item__name' }, `#${room.name}`),
        h('span', { class: 'muted' }, t('dialogs.members.count', { count: room.member_count ?? 0 })),
      ),
      action,
    );
  }

  async function openBrowse() {
    browseError.textContent = '';
    browseList.replaceChildren(h('li', { class: 'muted' }, t('common.loading')));
    browseDialog.showModal();
    try {
      const { rooms = [] } = await get('/api/v1/public-rooms');
      rooms.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
      browseList.replaceChildren(
        ...(rooms.length ? rooms.map(browseItem) : [h('li', { class: 'muted' }, t('dialogs.browse.none'))]),
      );
    } catch (err) {
      browseList.replaceChildren();
      browseError.textContent = err.message;
    }
  }

  for (const b of browseDialog.querySelectorAll('[data-close]')) b.addEventListener('click', () => browseDialog.close());
  browseDialog.addEventListener('click', (e) => {
    if (e.target === browseDialog) browseDialog.close();
  });
  byId('browse-create').addEventListener('click', () => {
    browseDialog.close();
    create.open();
  });

  // --- Members of the open room; private rooms also get an "add" form.
  const membersList = byId('members-list');
  const membersTitle = byId('members-title');
  const addForm = byId('add-member-form');
  let membersRoom = null;
  let shownMembers = [];
  // Names, avatars and statuses (people.js) change live: redraw.
  onPeopleChange(() => {
    if (membersDialog.open && membersRoom) showMembers();
  });

  // Who is online first, then by name.
  function showMembers() {
    const room = membersRoom;
    const online = (m) => (isOnline(room.id, m.user_id) ? 0 : 1);
    const sorted = [...shownMembers].sort((a, b) => online(a) - online(b) || a.username.localeCompare(b.username));
    membersList.replaceChildren(...sorted.map((m) => memberItem(room, m)));
  }

  async function loadMembers(setError) {
    const room = membersRoom;
    try {
      const [{ members = [] }, { statuses: list = [] }] = await Promise.all([
        get(roomPath(room.id, '/members')),
        get(roomPath(room.id, '/statuses')).catch(() => ({})),
      ]);
      if (room !== membersRoom) return;
      shownMembers = members;
      learnProfiles(members);
      learnStatuses(list);
      showMembers();
      membersTitle.textContent = `${roomLabel(room)} · ${t('dialogs.members.count', { count: members.length })}`;
    } catch (err) {
      membersList.replaceChildren();
      setError(err.message);
    }
  }

  const members = formDialog(byId('members-dialog'), {
    async onOpen(form, setError, room, { focusAdd = false } = {}) {
      membersRoom = room;
      membersTitle.textContent = roomLabel(room);
      addForm.hidden = room.kind === 'direct';
      membersList.replaceChildren(h('li', { class: 'muted' }, t('common.loading')));
      if (focusAdd && !addForm.hidden) form.elements.username.focus();
      await loadMembers(setError);
    },
    async onSubmit(form, setError) {
      const input = form.elements.username;
      const username = input.value.trim().replace(/^@/, '');
      if (!username) throw new Error(t('dialogs.usernameEmpty'));
      await post(roomPath(membersRoom.id, '/members'), { username });
      input.value = '';
      await loadMembers(setError);
      input.focus();
      return true; // stay open to add more people
    },
  });

  const membersDialog = byId('members-dialog');

  function memberItem(room, m) {
    const on = isOnline(room.id, m.user_id);
    const status = statusOf(m.username);
    return h(
      'li',
      { class: 'member' },
      personAvatar(m.username, { small: true }),
      h('span', { class: 'member__name' }, personName(m.username),
        displayName(m.username) === m.username ? null : h('span', { class: 'muted' }, ` @${m.username}`),
        m.user_id === meId() ? h('span', { class: 'muted' }, ` ${t('dialogs.members.you')}`) : null),
      m.role && m.role !== 'member' ? h('span', { class: 'member__role' }, t(`dialogs.members.role.${m.role}`)) : null,
      status ? h('span', { class: 'member__status muted', 'data-status-of': m.username }, [status.emoji, status.text].filter(Boolean).join(' ')) : null,
      h(
        'span',
        { class: 'member__presence' },
        h('span', { class: `presence-dot${on ? ' presence-dot--on' : ''}`, 'aria-hidden': 'true' }),
        on ? t('dialogs.members.online') : t('dialogs.members.offline'),
      ),
      memberActions({ room, m, members: shownMembers, meId: meId(), reload: () => loadMembers(members.setError), setError: members.setError }),
      moderationActions(room, m, shownMembers),
    );
  }

  return {
    // Someone joined or left `roomId`: an open member list follows.
    membersChanged(roomId) {
      if (membersDialog.open && membersRoom?.id === roomId) loadMembers(members.setError);
    },
    // Someone came online or went offline in `roomId`.
    presenceChanged(roomId) {
      if (membersDialog.open && membersRoom?.id === roomId) showMembers();
    },
    openCreate: () => create.open(),
    openDm: () => dm.open(),
    openBrowse,
    openMembers: (room, options) => members.open(room, options),
  };
}
