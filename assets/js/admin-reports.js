// The admin page's reports: open reports with the message, who wrote it,
// who reported it and why; resolve (acted on it) or dismiss (nothing to
// do), both audited, and a link to the message in its room.

import { get, put } from './api.js';
import { h, srOnly } from './dom.js';
import { t } from './i18n.js';

// before: the element the section goes in front of; act(fn): runs an
// action showing its error; onClosed(): after a report is closed;
// onJump(): before going to a message.
export function setupReports({ before, act, onClosed, onJump }) {
  const list = h('ul', { id: 'admin-reports', class: 'admin-list' });
  const none = h('p', { class: 'muted', id: 'admin-reports-none', hidden: true }, t('reports.none'));
  before.before(h('h3', {}, t('reports.title')), none, list);

  function close(report, state) {
    return act(async () => {
      await put(`/api/v1/admin/reports/${report.id}`, { state });
      await load();
      await onClosed();
    });
  }

  function row(r) {
    const where = r.room_name ? `#${r.room_name}` : t('reports.direct');
    const button = (label, onclick) =>
      h('button', { type: 'button', class: 'button button--small', onclick }, label, srOnly(` ${r.reason}`));
    return h(
      'li',
      { class: 'admin-row admin-report', 'data-report': String(r.id) },
      h(
        'div',
        { class: 'admin-report__message' },
        h('strong', {}, r.author),
        ' ',
        h('span', { class: 'muted' }, where),
        h('blockquote', {}, r.message_deleted ? t('reports.deleted') : r.body),
      ),
      h('p', { class: 'admin-report__reason' }, t('reports.by', { reporter: r.reporter, reason: r.reason })),
      h('time', { class: 'muted', datetime: r.created_at }, new Date(r.created_at).toLocaleString()),
      h(
        'span',
        { class: 'admin-row__actions' },
        h(
          'a',
          { class: 'button button--small', href: `#room=${r.room_id}&msg=${r.seq}`, onclick: () => onJump() },
          t('reports.jump'),
        ),
        button(t('reports.resolve'), () => close(r, 'resolved')),
        button(t('reports.dismiss'), () => close(r, 'dismissed')),
      ),
    );
  }

  async function load() {
    const { reports } = await get('/api/v1/admin/reports?state=open');
    none.hidden = reports.length > 0;
    list.replaceChildren(...reports.map(row));
  }

  return { load };
}
