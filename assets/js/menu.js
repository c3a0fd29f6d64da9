// Disclosure menu: a button toggles a panel of buttons. Closes on Escape
// (focus returns to the button), on a click outside, and after choosing.

export function setupMenu(button, panel) {
  const isOpen = () => !panel.hidden;

  function open() {
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    panel.querySelector('button:not([hidden]):not(:disabled), a[href]')?.focus();
  }

  function close({ focusButton = false } = {}) {
    if (!isOpen()) return;
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (focusButton) button.focus();
  }

  button.addEventListener('click', () => (isOpen() ? close() : open()));
  panel.addEventListener('click', (e) => {
    if (e.target.closest('button, a')) close();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && isOpen()) close({ focusButton: true });
  });
  document.addEventListener('click', (e) => {
    if (!panel.contains(e.target) && !button.contains(e.target)) close();
  });
  // Tabbing out of the menu closes it.
  panel.addEventListener('focusout', (e) => {
    if (e.relatedTarget && !panel.contains(e.relatedTarget) && e.relatedTarget !== button) close();
  });

  return { open, close };
}
