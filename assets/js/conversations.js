// Threads and mentions wired into the chat page: the side panel (a thread,
// or the mentions inbox), `@` autocomplete in the composers, mention
// counts in the sidebar, and what thread and mention events mean for the
// page. chat.js makes one of these and hands it the live room events
// first (live-events.js).

import { get } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { attachMentionComplete, inboxEl, mentionsMe } from './mentions.js';
import { roomLabel } from './rooms.js';
import { ThreadPanel, threadOnly } from './threads.js';
import { learnProfiles, onPeopleChange } from './people.js';
import { toast } from './toast.js';

// deps: { app, panel, inboxButton, composer (textarea), list, view,
// sidebar, me(), notify(room, m), onChange() }
export function setupConversations(deps) {
  const { app, panel, list, view, sidebar, me } = deps;
  let inboxOpen = false;

  const threads = new ThreadPanel({ panel, app, me, closeOthers: () => { inboxOpen = false; } });
  // A new name, avatar or status shows in an open thread at once.
  onPeopleChange(() => {
    if (threads.current?.root) threads.render({ keepComposer: true });
  });
  // The first message's row drops its "new replies" mark once the thread is seen.
  threads.onSeen = (root) => {
    const row = view.isOpen(root.room_id) ? list.find(root.seq) : null;
    if (row) list.render();
  };
  threads.onComposer = (textarea, roomId) => attachMentionComplete(textarea, () => roomId);
  attachMentionComplete(deps.composer, () => view.current?.id ?? null);

  function closePanel() {
    inboxOpen = false;
    threads.close();
    deps.inboxButton.setAttribute('aria-expanded', 'false');
  }

  async function openInbox() {
    threads.close();
    inboxOpen = true;
    deps.inboxButton.setAttribute('aria-expanded', 'true');
    app.classList.add('app--panel');
    panel.hidden = false;
    try {
      const { mentions = [], authors } = await get('/api/v1/mentions');
      learnProfiles(authors);
      if (!inboxOpen) return;
      const roomName = (e) => {
        const room = sidebar.find(e.room_id);
        return room ? roomLabel(room) : (e.room_name ?? '');
      };
      panel.replaceChildren(
        h('header', { class: 'side-panel__head' },
          h('h2', { id: 'side-panel-title' }, t('mention.inboxTitle')),
          h('button', { type: 'button', class: 'icon-button side-panel__close', 'aria-label': t('mention.close'), onclick: closePanel }, '×')),
        h('div', { class: 'side-panel__scroll' }, inboxEl(mentions, { roomName, onOpen: openEntry })),
      );
    } catch (err) {
      toast(err.message, { error: true });
      closePanel();
    }
  }

  function openEntry(e) {
    const m = e.message;
    if (m.thread_root && !m.also_in_room) {
      location.hash = `#room=${e.room_id}`;
      threads.open(e.room_id, m.thread_root);
    } else {
      closePanel();
      location.hash = `#room=${e.room_id}&msg=${m.seq}`;
    }
  }

  deps.inboxButton.addEventListener('click', () => (inboxOpen ? closePanel() : openInbox()));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden && panel.contains(document.activeElement)) closePanel();
  });

  // A mention of me that nobody is reading now counts in the sidebar.
  function countMention(e) {
    const m = e.message;
    if (!mentionsMe(m, me())) return;
    const reading = view.isOpen(e.room_id) && document.visibilityState === 'visible' && !threadOnly(m);
    const room = sidebar.find(e.room_id);
    if (room && !reading) {
      room.mentions = (room.mentions || 0) + 1;
      sidebar.render();
    }
    if (inboxOpen) openInbox();
  }

  // A room event, before live-events.js: returns true when it is fully
  // handled here (a reply kept in its thread; a thread's new summary).
  function onEvent(e) {
    threads.onEvent(e);
    if (e.type === 'message.created') {
      countMention(e);
      if (!threadOnly(e.message)) return false;
      const m = e.message;
      sidebar.noteMessage(e.room_id, e.seq, false);
      const room = sidebar.find(e.room_id);
      if (room && m.author_id !== me().id) deps.notify(room, m);
      deps.onChange();
      return true;
    }
    if (e.type === 'thread.updated') {
      const root = view.isOpen(e.room_id) ? list.find(e.root_seq) : null;
      if (root && list.addMessages([{ ...root, thread: e.thread, threadSeq: e.seq }])) list.render();
      return true;
    }
    return false;
  }

  return {
    onEvent,
    openThread: (m) => threads.open(m.room_id, m.thread_root ?? m.seq),
  };
}
