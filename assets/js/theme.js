// Light, dark or system theme, chosen per user. The choice is applied as
// <html data-theme>, kept in localStorage under the user's key (so
// theme-boot.js can apply it before the next first paint) and saved on the
// server, which hands it back in the user object on other devices.

import { put } from './api.js';
import { key, read, write } from './store.js';

const THEMES = ['light', 'dark', 'system'];

function applyTheme(theme) {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
}

// buttons: the picker's buttons, each with data-theme-choice="light|dark|system".
export function setupTheme({ me, buttons }) {
  write('natter.lastUser', String(me.id));
  const storageKey = key('theme', me.id);
  // The server's copy wins: it is the one shared by every device.
  let current = THEMES.includes(me.theme) ? me.theme : read(storageKey, 'system');
  if (!THEMES.includes(current)) current = 'system';

  function show() {
    applyTheme(current);
    write(storageKey, current);
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.themeChoice === current));
  }

  for (const b of buttons) {
    b.addEventListener('click', () => {
      current = b.dataset.themeChoice;
      show();
      // Older servers have no preferences endpoint (404): the local copy
      // still remembers the choice for this browser.
      put('/api/v1/me/preferences', { theme: current }).catch(() => {});
    });
  }
  show();
}
