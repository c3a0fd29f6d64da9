// On narrow screens (<700px, see chat.css) the sidebar is a drawer opened by
// the menu button. On wider screens the toggle is hidden and this is inert.

const NARROW = window.matchMedia('(max-width: 699px)');

export function setupDrawer({ toggle, closeButton, sidebar, backdrop, main }) {
  const isOpen = () => document.body.classList.contains('drawer-open');

  function open() {
    document.body.classList.add('drawer-open');
    backdrop.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    // Keep Tab inside the drawer; the page behind is covered anyway. The
    // toggle lives in main, so closing is via Escape, × or the backdrop.
    main.inert = true;
    (sidebar.querySelector('[aria-current="page"]') ?? sidebar.querySelector('a, button'))?.focus();
  }

  function close({ focusToggle = false } = {}) {
    if (!isOpen()) return;
    document.body.classList.remove('drawer-open');
    backdrop.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
    main.inert = false;
    if (focusToggle && NARROW.matches) toggle.focus();
  }

  toggle.addEventListener('click', () => (isOpen() ? close() : open()));
  closeButton.addEventListener('click', () => close({ focusToggle: true }));
  backdrop.addEventListener('click', () => close());
  sidebar.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && NARROW.matches) close({ focusToggle: true });
  });
  // Picking a room closes the drawer so the conversation is visible.
  window.addEventListener('hashchange', () => close({ focusToggle: sidebar.contains(document.activeElement) }));
  // Growing past the breakpoint: reset so the drawer state doesn't linger.
  NARROW.addEventListener('change', () => close());

  return { open, close };
}
