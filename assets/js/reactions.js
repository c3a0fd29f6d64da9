// Reactions on the messages of this page: what history pages said and
// what reaction.added / reaction.removed events changed since, kept as
// sets (message id -> emoji -> user id -> username), so an event applied
// twice — a replay over a page that already had it — changes nothing. The
// row of chips under a message (message-row.js asks for it) toggles my
// reaction; its label says who reacted, for screen readers and as a tooltip.

import { h } from './dom.js';
import { t } from './i18n.js';
import { del, put, roomPath } from './api.js';
import { toast } from './toast.js';

const byMessage = new Map();

// The picker's recently used list lives with the emoji data, loaded only
// once someone reacts or opens the picker.
function remember(emoji) {
  import('./emoji-data.js').then((m) => m.rememberEmoji(emoji)).catch(() => {});
}

function emojiOf(messageId, make) {
  let emoji = byMessage.get(messageId);
  if (!emoji && make) {
    emoji = new Map();
    byMessage.set(messageId, emoji);
  }
  return emoji;
}

// A history page: the state of its messages as the server read them.
export function absorbPage(data) {
  for (const m of data?.messages ?? []) byMessage.delete(m.id);
  for (const g of data?.reactions ?? []) {
    emojiOf(g.message_id, true).set(g.emoji, new Map(g.users.map((u) => [u.user_id, u.username])));
  }
}

// A reaction event; returns whether anything changed.
export function applyReaction(e) {
  const added = e.type === 'reaction.added';
  const emoji = emojiOf(e.message_id, added);
  if (!emoji) return false;
  let users = emoji.get(e.emoji);
  if (added) {
    if (!users) emoji.set(e.emoji, (users = new Map()));
    if (users.has(e.user_id)) return false;
    users.set(e.user_id, e.username);
    return true;
  }
  if (!users?.delete(e.user_id)) return false;
  if (!users.size) emoji.delete(e.emoji);
  return true;
}

// What the chips show, as a string (message-rows.js rebuilds a row when it changes).
export function reactionsVersion(m, me) {
  const emoji = m.id ? byMessage.get(m.id) : null;
  if (!emoji?.size) return '';
  return [...emoji].map(([e, users]) => `${e}:${users.size}:${users.has(me.id) ? 1 : 0}`).join(',');
}

// Adds my reaction (a repeat is harmless); the event redraws the row.
export async function addReaction(m, emoji) {
  try {
    await put(roomPath(m.room_id, `/messages/${m.seq}/reactions/${encodeURIComponent(emoji)}`));
    remember(emoji);
  } catch (err) {
    toast(err.message, { error: true });
  }
}

// Adds or takes back my reaction; the event redraws the row.
export async function toggleReaction(m, emoji, me) {
  const mine = byMessage.get(m.id)?.get(emoji)?.has(me.id);
  const path = roomPath(m.room_id, `/messages/${m.seq}/reactions/${encodeURIComponent(emoji)}`);
  try {
    if (mine) await del(path);
    else {
      await put(path);
      remember(emoji);
    }
  } catch (err) {
    toast(err.message, { error: true });
  }
}

function names(users, me) {
  const list = [...users].map(([id, name]) => (id === me.id ? t('reactions.you') : name));
  return list.join(', ');
}

// The chips under a message, and a button to add another (null when none).
export function reactionsRow(m, me, onAdd) {
  const emoji = m.id ? byMessage.get(m.id) : null;
  if (!emoji?.size) return null;
  const chips = [...emoji].map(([e, users]) => {
    const mine = users.has(me.id);
    const who = names(users, me);
    return h(
      'button',
      {
        type: 'button',
        class: `reaction${mine ? ' reaction--mine' : ''}`,
        'aria-pressed': mine ? 'true' : 'false',
        'aria-label': t('reactions.chip', { emoji: e, count: users.size, who }),
        title: who,
        'data-emoji': e,
        onclick: () => toggleReaction(m, e, me),
      },
      h('span', { class: 'reaction__emoji', 'aria-hidden': 'true' }, e),
      h('span', { class: 'reaction__count', 'aria-hidden': 'true' }, String(users.size)),
    );
  });
  const add = h(
    'button',
    {
      type: 'button',
      class: 'reaction reaction--add',
      'aria-label': t('reactions.add'),
      title: t('reactions.add'),
      onclick: (e) => onAdd(e.currentTarget, m),
    },
    '+',
  );
  return h('div', { class: 'reactions', role: 'group', 'aria-label': t('reactions.label') }, chips, add);
}
