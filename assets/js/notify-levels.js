// Notification levels: per room (all messages / mentions and direct
// messages, the default / nothing), kept by the server and carried in the
// room list as `notification_level`, and a do-not-disturb with an end time.
// notify.js asks shouldNotify before any alert.

import { get, put, roomPath } from './api.js';
import { formDialog } from './dialogs.js';
import { mentionsMe } from './mentions.js';
import { t } from './i18n.js';
import { toast } from './toast.js';
import { formatFull } from './time.js';

let quietUntil = null; // ms since the epoch, or null

// Whether a new message `m` in `room` is worth an alert for `me`.
export function shouldNotify(room, m, me) {
  if (quietUntil !== null && Date.now() < quietUntil) return false;
  const level = room.notification_level ?? 'mentions';
  if (level === 'nothing') return false;
  if (level === 'all') return true;
  return room.kind === 'direct' || mentionsMe(m, me);
}

const HOUR = 3600 * 1000;

// deps: { levelDialog, dndDialog, levelButton, dndButton, room(), onSaved() }
export function setupLevels({ levelDialog, dndDialog, levelButton, dndButton, room, onSaved }) {
  get('/api/v1/me/do-not-disturb')
    .then((d) => {
      quietUntil = d.until ? Date.parse(d.until) : null;
      render();
    })
    .catch(() => {});

  function render() {
    const on = quietUntil !== null && Date.now() < quietUntil;
    dndButton.textContent = on ? t('dnd.on', { when: formatFull(new Date(quietUntil)) }) : t('dnd.item');
  }

  const levels = formDialog(levelDialog, {
    onOpen(form) {
      const level = room()?.notification_level ?? 'mentions';
      form.querySelector(`input[value="${level}"]`).checked = true;
    },
    async onSubmit(form) {
      const r = room();
      const level = new FormData(form).get('level');
      await put(roomPath(r.id, '/notifications'), { level });
      r.notification_level = level;
      toast(t('level.saved'));
      onSaved();
    },
  });
  levelButton.addEventListener('click', () => {
    if (room()) levels.open();
  });

  const dnd = formDialog(dndDialog, {
    onOpen(form) {
      form.querySelector('input[value="off"]').checked = quietUntil === null || Date.now() >= quietUntil;
    },
    async onSubmit(form) {
      const data = new FormData(form);
      const choice = data.get('dnd');
      let until = null;
      if (choice === '1h') until = Date.now() + HOUR;
      else if (choice === '8h') until = Date.now() + 8 * HOUR;
      else if (choice === 'until') until = Date.parse(data.get('until'));
      const body = { until: until === null ? null : new Date(until).toISOString() };
      await put('/api/v1/me/do-not-disturb', body);
      quietUntil = until;
      render();
    },
  });
  dndButton.addEventListener('click', () => dnd.open());
  render();
}
