// The messages of one room loaded so far: one span of its history, kept in
// seq order, each message in its newest known state. Pages arrive in order
// at either end, which is a concatenation; only an odd case sorts.

// Whether `incoming` is a newer state of the same message than `current`
// (a deletion is final; otherwise the later edit wins). History pages and
// stream events can arrive in either order around an edit.
function isNewer(incoming, current) {
  if (current.deleted) return false;
  if (incoming.deleted) return true;
  // A thread's summary moves on with each reply, and back when a reply is
  // deleted: a thread.updated (marked with its seq by conversations.js)
  // newer than the one shown wins; a page only adds replies.
  if ((incoming.threadSeq ?? 0) > (current.threadSeq ?? 0)) return true;
  if ((incoming.thread?.reply_count ?? 0) > (current.thread?.reply_count ?? 0)) return true;
  return (incoming.edited_at ?? '') > (current.edited_at ?? '');
}

const bySeq = (a, b) => a.seq - b.seq;

export class MessageSpan {
  constructor() {
    this.bySeq = new Map();
    this.messages = []; // oldest first
  }

  get firstSeq() {
    return this.messages.length ? this.messages[0].seq : null;
  }

  get lastSeq() {
    return this.messages.length ? this.messages[this.messages.length - 1].seq : null;
  }

  find(seq) {
    return this.bySeq.get(seq) ?? null;
  }

  // Merges messages from the server (any order; duplicates and older
  // states ignored). Returns whether anything changed.
  add(messages) {
    const added = [];
    let changed = false;
    for (const m of messages) {
      const current = this.bySeq.get(m.seq);
      if (current && !isNewer(m, current)) continue;
      this.bySeq.set(m.seq, m);
      if (current) this.messages[this.indexOf(m.seq)] = m;
      else added.push(m);
      changed = true;
    }
    if (added.length) {
      added.sort(bySeq);
      const first = this.firstSeq;
      const last = this.lastSeq;
      if (last === null || added[0].seq > last) this.messages = this.messages.concat(added);
      else if (added[added.length - 1].seq < first) this.messages = added.concat(this.messages);
      else this.messages = [...this.bySeq.values()].sort(bySeq);
    }
    return changed;
  }

  // A message.deleted event: only the seq is known.
  markDeleted(seq) {
    const m = this.bySeq.get(seq);
    if (!m || m.deleted) return false;
    return this.add([{ ...m, body: '', deleted: true }]);
  }

  // The newest message of `authorId` that can still be edited.
  lastOwnSeq(authorId) {
    for (let i = this.messages.length - 1; i >= 0; i -= 1) {
      const m = this.messages[i];
      if (m.author_id === authorId && !m.deleted) return m.seq;
    }
    return null;
  }

  indexOf(seq) {
    let lo = 0;
    let hi = this.messages.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.messages[mid].seq;
      if (s === seq) return mid;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
