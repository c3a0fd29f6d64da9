// The end of a session, and what it leaves behind.
//
// Signed out elsewhere (sign out everywhere, a password change, an expired
// session): the server closes the stream with 4001 or answers 401. The
// page then stops at once — no reconnecting, nothing more sent — keeps
// whatever was unsent as "held" (outbox.js), and goes to the sign-in page,
// which says why. Held messages are never sent silently: after the next
// sign-in as the same person in this browser, askAboutHeld() shows them
// and asks whether to send or discard them (each also stays in its room
// with "Send now" / "Discard").
//
// Signed out here on purpose: the outbox and drafts are emptied first, so
// nothing of the person's is left in this browser.

import { h } from './dom.js';
import { t } from './i18n.js';

const REASONS = ['here', 'everywhere', 'elsewhere'];
const SIGNED_OUT_AS = 'natter.signedOutAs';

/** Leaves for the sign-in page, which will say why (`reason`). */
export function leaveSignedOut(reason, username) {
  try {
    if (username) sessionStorage.setItem(SIGNED_OUT_AS, username);
  } catch {
    // Storage disabled: the sign-in form starts empty.
  }
  location.replace(`/?signed_out=${reason}`);
}

/** On the sign-in page: why we came ({ reason, username }), or null. */
export function takeSignedOut(url) {
  const reason = url.searchParams.get('signed_out');
  if (!REASONS.includes(reason)) return null;
  let username = null;
  try {
    username = sessionStorage.getItem(SIGNED_OUT_AS);
    sessionStorage.removeItem(SIGNED_OUT_AS);
  } catch {
    // Storage disabled.
  }
  return { reason, username };
}

/**
 * Watches for the session ending. ended() runs `onEnded` once, unless this
 * page is signing out on purpose (expect()), which ends the session too.
 */
export function watchSession(onEnded) {
  let done = false;
  let expected = false;
  return {
    ended() {
      if (done || expected) return;
      done = true;
      onEnded();
    },
    expect(on = true) {
      expected = on;
    },
  };
}

/**
 * After signing in: messages held from a session that ended are shown in
 * `dialog`, with the choice to send or discard them all (or to decide
 * later, in their rooms).
 */
export function askAboutHeld({ dialog, outbox, roomName }) {
  const held = outbox.held();
  if (!held.length) return;
  const list = dialog.querySelector('.held-list');
  list.replaceChildren(
    ...held.map((e) => h('li', { class: 'held-item' }, h('span', { class: 'held-item__room' }, roomName(e.room_id)), h('span', { class: 'held-item__body' }, e.body))),
  );
  dialog.querySelector('.held-intro').textContent = t('held.intro', { count: held.length });
  const ids = held.map((e) => e.client_id);
  dialog.querySelector('[data-held="send"]').onclick = () => {
    dialog.close();
    for (const id of ids) outbox.retry(id);
  };
  dialog.querySelector('[data-held="discard"]').onclick = () => {
    dialog.close();
    for (const id of ids) outbox.discard(id);
  };
  dialog.querySelector('[data-held="later"]').onclick = () => dialog.close();
  dialog.showModal();
  dialog.querySelector('[data-held="send"]').focus();
}
