// The open room: which it is, loading its history into the message list
// (the newest page; or the span around a linked message or the first of
// many unread ones), older and newer pages as the reader scrolls, live
// messages (kept aside while the list shows an earlier span), read
// markers, edits and deletions.

import { get, post, patch, del, roomPath } from './api.js';
import { t } from './i18n.js';
import { absorbPage as absorbReactions } from './reactions.js';
import { learnProfiles } from './people.js';
import { pageRows } from './room-lines.js';
import { introVersion, roomIntro } from './room-intro.js';
import { key, write } from './store.js';
import { toast } from './toast.js';

// A history page's reactions, and its authors' names and avatars.
function absorbPage(data) {
  absorbReactions(data);
  learnProfiles(data.authors);
}

const PAGE_SIZE = 50;
const AROUND = 25; // messages loaded on each side of a linked one
// Live messages kept aside while an earlier span is shown; beyond this,
// catching up reloads the newest page instead.
const LIVE_TAIL_MAX = 500;

export class RoomView {
  // deps: { list, sidebar, composer, typing, presence, live(), outbox(),
  // drafts(), me(), onChange() (header, title), onAddPeople(room) }
  constructor(deps) {
    Object.assign(this, deps);
    this.current = null; // { id, token, readUpTo, about, liveTail, tailLost }
    this.switchToken = 0;
  }

  isOpen(roomId) {
    return this.current?.id === roomId;
  }

  room() {
    return this.current ? this.sidebar.find(this.current.id) : null;
  }

  // Forget the open room; in-flight responses for it are then ignored.
  close() {
    this.switchToken += 1;
    this.current = null;
  }

  showNone() {
    this.close();
    this.sidebar.setCurrent(null);
    this.list.reset();
    this.list.setIntro(null);
    this.list.setEmpty(t('rooms.none'));
    this.list.render();
    this.composer.setValue('');
    this.composer.setEnabled(false);
    this.onChange();
  }

  // Opens a room at its newest messages, at the first unread one when more
  // than a page is unread, or at message `at` (a link).
  async open(id, { at = null } = {}) {
    // Leaving a room with text in its box: the others there stop seeing me type.
    if (this.current) this.typing.stop(this.current.id);
    const token = ++this.switchToken;
    const summary = this.sidebar.find(id);
    const readUpTo = summary?.last_read_seq ?? 0;
    const unread = summary?.unread ?? 0;
    this.current = { id, token, readUpTo, about: null, liveTail: [], tailLost: false };
    write(key('lastRoom', this.me().id), String(id));
    this.sidebar.setCurrent(id);
    this.composer.setEnabled(true);
    this.composer.setValue(this.drafts().load(id));
    this.typing.show(id);
    this.live().roomOpened();
    this.list.reset({ unreadAfter: unread > 0 ? readUpTo : null });
    this.refreshIntro();
    this.list.setPending(this.outbox().pending(id));
    this.list.render();
    this.onChange();
    this.loadAbout();
    if (at !== null) await this.loadAround(token, at, { reveal: at });
    else if (unread > PAGE_SIZE) await this.loadAround(token, readUpTo, { reveal: null });
    else await this.loadNewest(token);
  }

  // How many are in the room and who made it (header and introduction).
  async loadAbout() {
    const cur = this.current;
    try {
      const { room } = await get(roomPath(cur.id));
      if (cur !== this.current) return;
      cur.about = room;
      this.refreshIntro();
      this.list.render();
      this.onChange();
    } catch {
      // The header shows what it knows; the next membership change retries.
    }
  }

  refreshIntro() {
    const room = this.room();
    if (!room) return;
    const about = this.current.about;
    this.list.setIntro(() => roomIntro(room, about, { onAddPeople: () => this.onAddPeople(room) }), introVersion(room, about));
  }

  // Messages of the open room from the server (history pages, acks).
  receive(messages) {
    const changed = this.list.addMessages(messages);
    // The server's copy of one of our sends settles the outbox entry.
    const me = this.me().id;
    for (const m of messages) if (m.author_id === me) this.outbox().confirm(m.client_id);
    this.list.setPending(this.outbox().pending(this.current.id));
    return changed;
  }

  async loadNewest(token) {
    const { id } = this.current;
    try {
      const data = await get(roomPath(id, `/messages?limit=${PAGE_SIZE}`));
      if (token !== this.switchToken) return;
      absorbPage(data);
      this.receive(pageRows(data));
      this.list.setHistory({ hasOlder: Boolean(data.has_more), hasNewer: false });
      this.list.render({ toBottom: true, quiet: true });
      this.list.showFirstUnread();
      this.markRead();
    } catch (err) {
      if (token !== this.switchToken) return;
      this.list.setError(err.message, () => this.open(id));
      this.list.render();
    }
  }

  // The span around `seq`: up to it (included) and after it. Opened at the
  // first unread message, the divider is shown; at a link, the message.
  async loadAround(token, seq, { reveal }) {
    const { id } = this.current;
    try {
      const [before, after] = await Promise.all([
        get(roomPath(id, `/messages?before=${seq + 1}&limit=${AROUND}`)),
        get(roomPath(id, `/messages?after=${seq}&limit=${PAGE_SIZE}`)),
      ]);
      if (token !== this.switchToken) return;
      absorbPage(before);
      absorbPage(after);
      this.receive([...pageRows(before), ...pageRows(after)]);
      this.list.setHistory({ hasOlder: Boolean(before.has_more), hasNewer: Boolean(after.has_more) });
      this.list.render({ quiet: true });
      if (reveal === null) this.list.showFirstUnread();
      else if (!this.list.reveal(reveal)) toast(t('messages.linkGone'), { error: true });
      this.markRead();
    } catch (err) {
      if (token !== this.switchToken) return;
      this.list.setError(err.message, () => this.open(id));
      this.list.render();
    }
  }

  async loadOlder(beforeSeq) {
    const cur = this.current;
    if (!cur || beforeSeq === null) return;
    try {
      const data = await get(roomPath(cur.id, `/messages?before=${beforeSeq}&limit=${PAGE_SIZE}`));
      if (cur !== this.current) return;
      absorbPage(data);
      this.list.addMessages(pageRows(data));
      this.list.setHistory({ hasOlder: Boolean(data.has_more) });
      this.list.render({ quiet: true });
    } catch (err) {
      if (cur === this.current) toast(err.message, { error: true });
    }
  }

  // A newer page of an earlier span; the last one joins the span to the
  // present, with the live messages kept aside meanwhile.
  async loadNewer(afterSeq) {
    const cur = this.current;
    if (!cur || afterSeq === null) return;
    try {
      const data = await get(roomPath(cur.id, `/messages?after=${afterSeq}&limit=${PAGE_SIZE}`));
      if (cur !== this.current) return;
      absorbPage(data);
      this.receive(pageRows(data));
      if (data.has_more) {
        this.list.render({ quiet: true });
        return;
      }
      if (cur.tailLost) {
        this.jumpToNewest();
        return;
      }
      this.receive(cur.liveTail);
      cur.liveTail = [];
      this.list.setHistory({ hasNewer: false });
      this.list.render({ quiet: true });
      this.markRead();
    } catch (err) {
      if (cur === this.current) toast(err.message, { error: true });
    }
  }

  jumpToNewest() {
    const cur = this.current;
    if (!cur) return;
    const token = ++this.switchToken;
    cur.token = token;
    cur.liveTail = [];
    cur.tailLost = false;
    this.list.reset();
    this.refreshIntro();
    this.list.setPending(this.outbox().pending(cur.id));
    this.loadNewest(token);
  }

  // A message.created of the open room.
  liveMessage(m) {
    const cur = this.current;
    const mine = m.author_id === this.me().id;
    if (this.list.detached) {
      if (cur.liveTail.length < LIVE_TAIL_MAX) cur.liveTail.push(m);
      else cur.tailLost = true;
      if (mine) this.outbox().confirm(m.client_id);
    } else {
      this.receive([m]);
    }
    if (!mine) this.list.arrived();
    this.list.render();
    this.markRead();
  }

  // The stream skipped a long gap (too much to replay): read it over HTTP.
  async fillGap(roomId, after, upTo) {
    const cur = this.current;
    if (!this.isOpen(roomId) || this.list.detached) return;
    let from = after;
    while (cur === this.current && from < upTo) {
      const data = await get(roomPath(roomId, `/messages?after=${from}&limit=200`));
      const messages = data.messages ?? [];
      if (cur !== this.current) return;
      absorbPage(data);
      this.receive(pageRows(data));
      this.list.render();
      if (!data.has_more || !messages.length) break;
      from = messages[messages.length - 1].seq;
    }
  }

  async saveEdit(seq, body) {
    const cur = this.current;
    try {
      const { message } = await patch(roomPath(cur.id, `/messages/${seq}`), { body });
      if (cur === this.current) this.list.addMessages([message]);
    } catch (err) {
      toast(err.message, { error: true });
      throw err;
    }
  }

  async deleteMessage(seq) {
    const cur = this.current;
    if (!cur || !window.confirm(t('messages.confirmDelete'))) return;
    try {
      await del(roomPath(cur.id, `/messages/${seq}`));
      if (cur === this.current && this.list.markDeleted(seq)) this.list.render();
    } catch (err) {
      toast(err.message, { error: true });
    }
  }

  // Tells the server we have seen everything up to the newest message, but
  // only while the page is visible and the list shows the present.
  markRead() {
    const cur = this.current;
    // Replies kept in threads are read with the room (their seqs lie past the list's).
    const seq = Math.max(this.list.lastSeq ?? 0, this.room()?.last_seq ?? 0) || null;
    if (!cur || seq === null || this.list.detached || document.visibilityState !== 'visible') return;
    this.sidebar.clearUnread(cur.id);
    this.onChange();
    if (seq <= cur.readUpTo) return;
    const previous = cur.readUpTo;
    cur.readUpTo = seq;
    post(roomPath(cur.id, '/read'), { seq }).catch(() => {
      if (cur.readUpTo === seq) cur.readUpTo = previous; // try again next time
    });
  }
}
