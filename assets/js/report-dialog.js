// Reporting a message to the server's admins, with a reason (from the
// message menu, on someone else's message). Loaded on first use, not part
// of the page's first load.

import { post } from './api.js';
import { h } from './dom.js';
import { formDialog } from './dialogs.js';
import { t } from './i18n.js';
import { toast } from './toast.js';

// The server takes at most this many characters.
const REASON_MAX = 500;

let dialog;
let target;

function markup() {
  const el = h(
    'dialog',
    { id: 'report-dialog', class: 'dialog', 'aria-labelledby': 'report-title' },
    h(
      'form',
      { class: 'dialog__body form', novalidate: true },
      h('h2', { id: 'report-title' }, t('report.title')),
      h('p', { class: 'hint', id: 'report-hint' }, t('report.hint')),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'report-reason' }, t('report.reason')),
        h('textarea', { id: 'report-reason', name: 'reason', rows: 3, maxlength: REASON_MAX, required: true, 'aria-describedby': 'report-hint' }),
      ),
      h('p', { class: 'form-error', role: 'alert' }),
      h(
        'div',
        { class: 'dialog__actions' },
        h('button', { type: 'button', class: 'button', 'data-close': true }, t('common.cancel')),
        h('button', { type: 'submit', class: 'button button--primary' }, t('report.send')),
      ),
    ),
  );
  document.body.append(el);
  return el;
}

// m: the message to report ({ room_id, seq }).
export async function openReport(m) {
  dialog ??= formDialog(markup(), {
    async onSubmit(form, setError) {
      const reason = form.elements.reason.value.trim();
      if (!reason) {
        setError(t('report.empty'));
        return true;
      }
      await post(`/api/v1/rooms/${target.room_id}/messages/${target.seq}/report`, { reason });
      toast(t('report.sent'));
    },
  });
  target = m;
  await dialog.open();
  document.getElementById('report-reason')?.focus();
}
