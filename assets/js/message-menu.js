// The menu of one message: Copy link and Reply in thread for any message, Edit and Delete for
// one's own, Report for someone else's. One shared panel is moved next to whichever message opened it
// (its "⋯" button, or — on touch screens, where there is no hover to show
// that button — the message itself, tapped or long-pressed; see touch.js).

const ITEMS_FOR_OTHERS = ['copy-link', 'react', 'pin', 'save', 'reply', 'report'];

// onAction(action, message): 'copy-link' | 'react' | 'pin' | 'save' | 'edit' | 'delete' | 'reply' | 'report'.
export function setupMessageMenu({ panel, meId, onAction, onOpen }) {
  let target = null; // { message, anchor, button }

  function open(anchor, message, { button = anchor } = {}) {
    if (target?.anchor === anchor) {
      close(true);
      return;
    }
    close(false);
    target = { message, anchor, button };
    const mine = message.author_id === meId();
    for (const item of panel.querySelectorAll('[data-action]')) {
      const { action } = item.dataset;
      // Nobody reports their own message.
      item.hidden = mine ? action === 'report' : !ITEMS_FOR_OTHERS.includes(action);
    }
    onOpen?.(panel, message);
    button?.setAttribute('aria-expanded', 'true');
    panel.hidden = false;
    place();
    panel.querySelector('[data-action]:not([hidden])')?.focus();
  }

  // Fixed to the viewport next to the anchor (CSSOM styles are allowed
  // by the CSP; style attributes are not); flipped up near the bottom.
  function place() {
    const rect = target.anchor.getBoundingClientRect();
    const below = rect.bottom + panel.offsetHeight + 8 < window.innerHeight;
    panel.style.top = `${Math.max(8, below ? rect.bottom + 4 : rect.top - panel.offsetHeight - 4)}px`;
    panel.style.right = `${Math.max(8, window.innerWidth - rect.right)}px`;
  }

  function close(focusButton) {
    if (!target) return;
    panel.hidden = true;
    target.button?.setAttribute('aria-expanded', 'false');
    if (focusButton && target.button?.isConnected) target.button.focus();
    target = null;
  }

  panel.addEventListener('click', (e) => {
    const item = e.target.closest('[data-action]');
    if (!item || !target) return;
    const { message } = target;
    close(false);
    onAction(item.dataset.action, message);
  });
  // Arrow keys move between the items, as in any menu.
  panel.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const items = [...panel.querySelectorAll('[data-action]:not([hidden])')];
    const at = items.indexOf(document.activeElement);
    items[(at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length]?.focus();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && target) close(true);
  });
  document.addEventListener('click', (e) => {
    if (target && !panel.contains(e.target) && !target.anchor.contains(e.target)) close(false);
  });
  panel.addEventListener('focusout', (e) => {
    if (target && e.relatedTarget && !panel.contains(e.relatedTarget)) close(false);
  });
  // The panel follows its message when the list scrolls (the focus that
  // reached the ⋯ button may scroll it a frame after the menu opened), and
  // closes once the message is out of the list.
  document.addEventListener(
    'scroll',
    (e) => {
      if (!target || panel.contains(e.target)) return;
      if (target.anchor.isConnected) place();
      else close(false);
    },
    { capture: true, passive: true },
  );

  return { open, close };
}
