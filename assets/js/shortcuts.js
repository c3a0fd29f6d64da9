// Page-wide keyboard shortcuts:
//   Ctrl+K / Cmd+K        quick room switcher
//   Alt+ArrowUp / Down    previous / next room in the sidebar
//   Escape                closes dialogs and menus (their own modules)

export function setupShortcuts({ openSwitcher, roomIds, currentId, go }) {
  // Apple keyboards say ⌘ where others say Ctrl (the hint beside "Find").
  const platform = `${navigator.userAgentData?.platform ?? ''} ${navigator.platform ?? ''}`;
  if (/mac|iphone|ipad/i.test(platform)) {
    const keys = document.querySelector('.switcher-button__keys');
    if (keys) keys.textContent = '⌘ K';
  }
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.isComposing) return;
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      openSwitcher();
      return;
    }
    if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      if (document.querySelector('dialog[open]')) return;
      const ids = roomIds();
      if (!ids.length) return;
      e.preventDefault();
      const at = ids.indexOf(currentId());
      const step = e.key === 'ArrowDown' ? 1 : -1;
      go(ids[(at + step + ids.length) % ids.length]);
    }
  });
}
