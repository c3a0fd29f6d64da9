// The connection line: hidden while connected; "You're offline" at once
// when the browser knows it has no network; "Reconnecting…" after a short
// grace otherwise (a server restart or a Wi-Fi hand-over shorter than that
// is not worth a banner). It floats over the top of the message list
// (messages.css), so it never pushes the newest message out of view.

import { t } from './i18n.js';

const GRACE_MS = 2000;

export class ConnectionBanner {
  constructor(el) {
    this.el = el;
    this.up = true;
    this.late = false; // the grace has run out
    this.timer = null;
    for (const type of ['online', 'offline']) window.addEventListener(type, () => this.render());
  }

  set(up) {
    if (up === this.up) return;
    this.up = up;
    clearTimeout(this.timer);
    this.late = false;
    if (!up) {
      this.timer = setTimeout(() => {
        this.late = true;
        this.render();
      }, GRACE_MS);
    }
    this.render();
  }

  render() {
    let text = '';
    if (!this.up && !navigator.onLine) text = t('connection.offline');
    else if (!this.up && this.late) text = t('connection.reconnecting');
    this.el.hidden = !text;
    if (this.el.textContent !== text) this.el.textContent = text;
  }
}
