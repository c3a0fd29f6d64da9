// The inline editor of one's own message: Enter saves, Shift+Enter is a new
// line, Escape cancels. The error of a failed save is shown by the caller;
// the editor keeps the text so nothing typed is lost.

import { h } from './dom.js';
import { t, tParts } from './i18n.js';

// onSave(body) returns a promise; onDone() closes the editor.
export function messageEditor(m, { onSave, onDone }) {
  const box = h('textarea', { class: 'msg__edit-input', rows: '2', 'aria-label': t('editor.label') });
  box.value = m.body;
  const save = async () => {
    const body = box.value.trim();
    if (!body || body === m.body) {
      onDone();
      return;
    }
    box.disabled = true;
    try {
      await onSave(body);
      onDone();
    } catch {
      box.disabled = false;
      box.focus();
    }
  };
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onDone();
    }
  });
  const cancel = h('button', { type: 'button', class: 'link-button', onclick: () => onDone() }, t('editor.cancel'));
  const saveButton = h('button', { type: 'button', class: 'link-button', onclick: save }, t('editor.save'));
  return h(
    'div',
    { class: 'msg__editor' },
    box,
    h('p', { class: 'msg__edit-hint' }, tParts('editor.hint', { cancel, save: saveButton })),
  );
}
