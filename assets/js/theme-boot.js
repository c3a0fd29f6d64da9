// Applies the saved theme before the first paint. Loaded as a classic,
// render-blocking <script> in <head> (an inline script would break the CSP,
// and a module is deferred until after parsing, which would flash the wrong
// colours). It reads the choice theme.js stored for the last user of this
// browser; "system" (or nothing stored) leaves data-theme unset, so the CSS
// follows prefers-color-scheme.
{
  try {
    const user = localStorage.getItem('natter.lastUser');
    const theme = user && localStorage.getItem(`natter.theme.${user}`);
    if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  } catch {
    // Storage disabled (privacy mode): the system theme applies.
  }
}

// base.css hides the page until i18n.js has put its text in; should the
// modules never run (a failed download), show what there is after a while.
setTimeout(() => {
  document.documentElement.dataset.ready = '';
}, 3000);
