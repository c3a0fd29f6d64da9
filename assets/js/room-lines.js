// The short lines the timeline shows for changes to the room itself
// (topic, name, archive, who may pin, pins, co-owners, the disappearing
// timer, people joining and leaving): the same text live and when a
// history page brings them back.

import { t } from './i18n.js';
import { timerLabel } from './disappearing.js';

// The line's text for a room event, or null for one that has no line.
export function changeText(e) {
  switch (e.type) {
    case 'room.updated':
      return t(`care.line.${e.change}`, { name: e.username, room: e.name ?? '', topic: e.topic });
    case 'message.pinned':
    case 'message.unpinned':
      return t(e.type === 'message.pinned' ? 'care.line.pinned' : 'care.line.unpinned', { name: e.username });
    case 'member.role_changed':
      return t(e.role === 'owner' ? 'care.line.promoted' : 'care.line.demoted', { by: e.by_username, name: e.username });
    case 'room.disappearing_changed':
      return t('care.line.timer', { name: e.changed_by, timer: timerLabel(e.seconds) });
    case 'member.joined':
      return t(e.by_username ? 'care.line.added' : 'care.line.joined', { by: e.by_username, name: e.username });
    case 'member.left': // reason: left, removed or banned (by someone)
      return t(`care.line.${e.by_username && ['removed', 'banned'].includes(e.reason) ? e.reason : 'left'}`, { by: e.by_username, name: e.username });
    default:
      return null;
  }
}

// A row of the message list for a room event (`created_at` when known).
export function changeLine(e, createdAt = new Date().toISOString()) {
  const text = changeText(e);
  return text === null ? null : { seq: e.seq, room_id: e.room_id, system: text, created_at: createdAt, author_id: null };
}

// A history page's rows: its messages and its room changes as lines.
export function pageRows(data) {
  const lines = (data?.changes ?? []).map((e) => changeLine(e, e.created_at)).filter(Boolean);
  return [...(data?.messages ?? []), ...lines];
}
