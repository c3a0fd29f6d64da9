// Touch screens have no hover, so the message's "⋯" button stays hidden
// there (messages.css) and the message itself opens its menu: a tap on it
// (not on a link, a button or a code block being scrolled), or a long
// press. With a mouse, clicks on messages select text as usual.

const INTERACTIVE = 'a, button, textarea, input, summary, pre, [contenteditable]';

// onOpen(row, button): open the menu of the message in `row`.
export function setupTouchMenus({ log, onOpen }) {
  let pointer = 'mouse';
  log.addEventListener('pointerdown', (e) => (pointer = e.pointerType), { passive: true });

  function rowOf(e) {
    if (pointer !== 'touch') return null;
    const row = e.target.closest('.msg');
    const button = row?.querySelector('.msg__actions');
    if (!button || e.target.closest(INTERACTIVE)) return null;
    return { row, button };
  }

  log.addEventListener('click', (e) => {
    const hit = rowOf(e);
    if (!hit || String(window.getSelection())) return;
    onOpen(hit.row, hit.button);
  });
  // A long press: the browser's own menu would offer "copy" of a word.
  log.addEventListener('contextmenu', (e) => {
    const hit = rowOf(e);
    if (!hit) return;
    e.preventDefault();
    onOpen(hit.row, hit.button);
  });
}
