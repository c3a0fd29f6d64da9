// One row of the message list: avatar and name (the first of a group),
// time, the text, its state (sending, not sent, edited, deleted) and the
// actions button. Features that add to a message (reactions, threads,
// attachments) add their part here, and the fields it depends on to
// rowVersion, which decides when a row already on screen is rebuilt.

import { h, srOnly } from './dom.js';
import { personAvatar, personName, personVersion, statusEmoji } from './people.js';
import { renderMarkdown } from './markdown.js';
import { t } from './i18n.js';
import { formatClock, formatFull, timeAgo, toDate } from './time.js';
import { filesVersion, messageFiles } from './files.js';
import { threadSummaryEl, threadVersion } from './threads.js';
import { markMentions, mentionsMe } from './mentions.js';
import { countdownEl } from './disappearing.js';

/**
 * What a row shows, as a string: a row whose version has not changed is
 * kept as it is (so text selections, focus and the screen reader's place
 * survive new messages arriving).
 */
export function rowVersion(row) {
  const { m } = row;
  return [
    row.status,
    row.continued,
    row.editing,
    row.highlight,
    row.showStatus,
    row.showStatus && navigator.onLine,
    m.error ?? '',
    m.body,
    m.edited_at ?? '',
    Boolean(m.deleted),
    filesVersion(m),
    threadVersion(m),
    row.reactions ?? '',
    m.expires_at ?? '',
    personVersion(m.author),
  ].join('|');
}

// row: { m, status ('sent'|'pending'|'failed'|'held'), continued, editing,
// highlight, showStatus }. ctx: { me, editor(m), onActions(button, m),
// onRetry(clientId), onDiscard(clientId) }.
export function messageRow(row, ctx) {
  const { m, status, continued } = row;
  if (m.system) return ctx.systemLine(m);
  const date = toDate(m.created_at);
  const author = m.author || t('message.unknownAuthor');
  const mine = m.author_id === ctx.me.id;
  const classes = ['msg'];
  if (continued) classes.push('msg--continued');
  if (status !== 'sent') classes.push(`msg--${status}`);
  if (mine) classes.push('msg--mine');
  if (m.deleted) classes.push('msg--deleted');
  if (row.highlight) classes.push('msg--highlight');
  if (mentionsMe(m, ctx.me)) classes.push('msg--mentions-me');
  const actionable = status === 'sent' && !m.deleted && !row.editing;

  return h(
    'div',
    { class: classes.join(' '), 'data-seq': status === 'sent' ? m.seq : null },
    continued ? null : personAvatar(author),
    h(
      'div',
      { class: 'msg__head' },
      // A webhook's post may name who it speaks for; the bot stays in the title.
      m.sent_as ? h('span', { class: 'msg__author', title: author }, m.sent_as) : personName(author, 'msg__author'),
      m.bot ? [' ', h('span', { class: 'bot-badge' }, 'BOT')] : statusEmoji(m.author),
      ' ',
      h('time', { class: 'msg__time', datetime: date.toISOString(), title: formatFull(date) }, formatClock(date)),
      countdownEl(m),
    ),
    row.editing ? ctx.editor(m) : bodyEl(m),
    messageFiles(m, ctx),
    status === 'sent' && !m.deleted ? ctx.reactions?.(m) : null,
    status === 'sent' ? threadSummaryEl(m) : null,
    statusEl(row, ctx),
    actionable
      ? h(
          'button',
          {
            type: 'button',
            class: 'icon-button icon-button--small msg__actions',
            'aria-label': mine
              ? t('message.actions.mine', { time: formatClock(date) })
              : t('message.actions.other', { author, time: formatClock(date) }),
            'aria-haspopup': 'menu',
            'aria-expanded': 'false',
            onclick: (e) => ctx.onActions(e.currentTarget, m),
          },
          '⋯',
        )
      : null,
  );
}

function bodyEl(m) {
  if (m.deleted) return h('div', { class: 'msg__body msg__body--deleted' }, t('message.deleted'));
  if (!m.body && m.files?.length) return null;
  // "/me waves" reads as an action: "alice waves".
  const action = /^\/me\s/.test(m.body);
  const body = h('div', { class: action ? 'msg__body msg__body--action' : 'msg__body' }, action ? `${m.sent_as || m.author} ` : null);
  body.append(renderMarkdown(action ? m.body.slice(4) : m.body));
  markMentions(body, m);
  if (m.edited_at) {
    const edited = toDate(m.edited_at);
    body.append(' ', h('span', { class: 'msg__edited', title: t('message.editedAt', { when: timeAgo(edited) }) }, t('message.edited')));
  }
  return body;
}

// A pending row is faded and says "not sent yet" to screen readers; only
// the last of a run of them says in words what it is waiting for, so an
// offline burst does not repeat "Waiting for connection…" under each one.
function statusEl(row, ctx) {
  const { m, status } = row;
  if (status === 'pending') {
    if (!row.showStatus) return srOnly(t('message.pending.short'));
    const text = navigator.onLine ? t('message.sending') : t('message.waiting');
    return h('div', { class: 'msg__status', 'data-status': 'pending' }, text);
  }
  if (status === 'uploading') return h('div', { class: 'msg__status', 'data-status': 'uploading' }, t('attach.uploading'));
  if (status !== 'failed' && status !== 'held') return null;
  const reason = status === 'held' ? t('message.held') : m.error ? t('message.failedBecause', { error: m.error }) : t('message.failed');
  return h(
    'div',
    { class: 'msg__status msg__status--failed', 'data-status': status },
    h('span', {}, reason),
    m.files_lost ? null : h('button', { type: 'button', class: 'link-button', onclick: () => ctx.onRetry(m.client_id) }, status === 'held' ? t('message.sendNow') : t('message.retry')),
    h('button', { type: 'button', class: 'link-button', onclick: () => ctx.onDiscard(m.client_id) }, t('message.discard')),
  );
}
