// The small per-message menu (Edit, Delete) for one's own messages. One
// shared panel is moved next to whichever message's "…" button opened it,
// rather than one menu per message with its own document listeners.

export function setupMessageMenu({ panel, onEdit, onDelete }) {
  let target = null; // { seq, button }

  function open(button, seq) {
    if (target?.button === button) {
      close(true);
      return;
    }
    close(false);
    target = { seq, button };
    button.setAttribute('aria-expanded', 'true');
    panel.hidden = false;
    // Fixed to the viewport next to the button (CSSOM styles are allowed by
    // the CSP; style attributes are not); flipped up near the bottom.
    const rect = button.getBoundingClientRect();
    const below = rect.bottom + panel.offsetHeight + 8 < window.innerHeight;
    panel.style.top = `${below ? rect.bottom + 4 : rect.top - panel.offsetHeight - 4}px`;
    panel.style.right = `${Math.max(8, window.innerWidth - rect.right)}px`;
    panel.querySelector('button')?.focus();
  }

  function close(focusButton) {
    if (!target) return;
    panel.hidden = true;
    target.button.setAttribute('aria-expanded', 'false');
    if (focusButton && target.button.isConnected) target.button.focus();
    target = null;
  }

  panel.addEventListener('click', (e) => {
    const item = e.target.closest('[data-action]');
    if (!item || !target) return;
    const { seq } = target;
    close(false);
    if (item.dataset.action === 'edit') onEdit(seq);
    else onDelete(seq);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && target) close(true);
  });
  document.addEventListener('click', (e) => {
    if (target && !panel.contains(e.target) && !target.button.contains(e.target)) close(false);
  });
  panel.addEventListener('focusout', (e) => {
    if (target && e.relatedTarget && !panel.contains(e.relatedTarget)) close(false);
  });
  // A scroll would leave the panel floating away from its message.
  document.addEventListener('scroll', () => close(false), { capture: true, passive: true });

  return { open };
}
