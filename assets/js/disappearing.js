// Disappearing messages: the room's timer in the header, the dialog where
// the owner sets it, and the small countdown on each message that will
// disappear. The message itself leaves the list when the server's
// messages.expired event arrives (live-events.js; one event for all the
// room's messages that went together), so every open client removes it at
// the same moment.

import { put, roomPath } from './api.js';
import { formDialog } from './dialogs.js';
import { h } from './dom.js';
import { t } from './i18n.js';

// The choices the dialog offers (seconds; 0 is off). Any other value set
// through the API is shown as one more choice.
export const TIMER_CHOICES = [0, 300, 3600, 86400, 604800, 2592000];

const UNITS = [
  [86400, 'disappearing.unit.day'],
  [3600, 'disappearing.unit.hour'],
  [60, 'disappearing.unit.minute'],
  [1, 'disappearing.unit.second'],
];

// 3600 -> "1 hour"; 90 -> "90 seconds" (only whole units are used).
export function timerLabel(secs) {
  if (!secs) return t('disappearing.off');
  for (const [size, key] of UNITS) {
    if (secs % size === 0) return t(key, { count: secs / size });
  }
  return t('disappearing.unit.second', { count: secs });
}

// A compact "time left": 2d, 5h, 12m, 40s.
function left(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s >= 86400) return t('disappearing.left.day', { count: Math.floor(s / 86400) });
  if (s >= 3600) return t('disappearing.left.hour', { count: Math.floor(s / 3600) });
  if (s >= 60) return t('disappearing.left.minute', { count: Math.floor(s / 60) });
  return t('disappearing.left.second', { count: s });
}

// The header's badge for a room with the timer on (null when off).
export function timerBadge(room) {
  const secs = room?.disappear_after_secs ?? 0;
  if (!secs) return null;
  const label = t('disappearing.badge', { timer: timerLabel(secs) });
  return h(
    'span',
    { class: 'timer-badge', title: label },
    h('span', { 'aria-hidden': 'true' }, `⏱ ${timerLabel(secs)}`),
    h('span', { class: 'visually-hidden' }, label),
  );
}

let ticking = false;

// Every countdown on the page is refreshed by one timer.
function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('.msg__countdown[data-expires]')) {
    el.textContent = left(Date.parse(el.dataset.expires) - now);
  }
}

// A message's countdown, or null for a message that stays.
export function countdownEl(m) {
  if (!m.expires_at || m.deleted) return null;
  if (!ticking) {
    ticking = true;
    setInterval(tick, 1000);
  }
  const at = new Date(m.expires_at);
  return h(
    'span',
    {
      class: 'msg__countdown',
      'data-expires': m.expires_at,
      title: t('disappearing.at', { when: at.toLocaleString() }),
    },
    left(at - Date.now()),
  );
}

// The room menu's "Disappearing messages…" item and its dialog.
// room(): the open room; onChanged(): after the timer was set.
// badge: where the open room's timer is shown.
export function setupDisappearing({ button, badge, dialog, room, onChanged }) {
  const choice = dialog.querySelector('select');
  const form = formDialog(dialog, {
    onOpen() {
      const secs = room()?.disappear_after_secs ?? 0;
      const values = TIMER_CHOICES.includes(secs) ? TIMER_CHOICES : [...TIMER_CHOICES, secs];
      choice.replaceChildren(...values.map((v) => h('option', { value: String(v) }, timerLabel(v))));
      choice.value = String(secs);
      choice.focus();
    },
    async onSubmit() {
      const open = room();
      if (!open) return;
      await put(roomPath(open.id, '/disappearing'), { seconds: Number(choice.value) });
      await onChanged();
    },
  });
  button.addEventListener('click', () => form.open());
  return {
    // A direct room has no owner: either person may set it.
    render(open) {
      button.hidden = !open;
      const shown = timerBadge(open);
      badge.hidden = !shown;
      badge.replaceChildren(shown ?? '');
    },
  };
}
