// The top of a room's history — all there is in a new room: its name, who
// made it and when, its topic (when rooms have topics), and a way to add
// people. A direct message introduces the other person instead.

import { h } from './dom.js';
import { avatar } from './avatar.js';
import { icon, roomIconName } from './icons.js';
import { t, tParts } from './i18n.js';
import { roomLabel } from './rooms.js';
import { formatFull, sentenceDay, toDate } from './time.js';

// room: the summary; about: { member_count, created_by } or null while
// loading; onAddPeople(): open the members dialog at "Add someone".
export function roomIntro(room, about, { onAddPeople }) {
  const name = roomLabel(room);
  const created = toDate(room.created_at);
  const day = sentenceDay(created);
  const when = h('time', { datetime: created.toISOString(), title: formatFull(created) }, day.relative ?? day.date);
  // "today" / "yesterday" read differently from a date ("on 3 March").
  const form = day.relative ? 'Day' : 'Date';

  if (room.kind === 'direct') {
    return h(
      'section',
      { class: 'room-intro', 'aria-label': t('intro.label', { name }) },
      avatar(name),
      h('h2', { class: 'room-intro__title' }, name),
      h('p', {}, t('intro.direct', { name })),
    );
  }

  // Who made it is said once it is known: while `about` loads, a room
  // made by someone must not read as one that came with the server.
  const creator = about?.created_by?.username;
  const made = !about
    ? []
    : creator
      ? tParts(`intro.createdBy${form}`, { creator: h('strong', {}, creator), when })
      : tParts(`intro.createdWithServer${form}`, { when });
  return h(
    'section',
    { class: 'room-intro', 'aria-label': t('intro.label', { name }) },
    h('span', { class: 'room-intro__icon', 'aria-hidden': 'true' }, icon(roomIconName(room.kind))),
    h('h2', { class: 'room-intro__title' }, room.kind === 'direct' ? name : `#${name}`),
    h('p', {}, t(room.kind === 'private' ? 'intro.beginningPrivate' : 'intro.beginning', { name })),
    made.length ? h('p', { class: 'room-intro__made' }, made) : null,
    room.topic ? h('p', { class: 'room-intro__topic' }, room.topic) : null,
    h(
      'div',
      { class: 'room-intro__actions' },
      h('button', { type: 'button', class: 'button', onclick: () => onAddPeople() }, icon('person-add'), t('intro.addPeople')),
    ),
  );
}

/** What the intro depends on, so it is rebuilt only when that changes. */
export function introVersion(room, about) {
  const day = sentenceDay(toDate(room.created_at));
  return [room.id, roomLabel(room), room.topic ?? '', about ? 'known' : 'loading', about?.created_by?.username ?? '', day.relative ?? day.date].join('|');
}
