// Slash commands in the composer (loaded when a message starts with "/"):
// /me, /shrug, /topic, /invite @user, /leave and /mute, run here through
// the same API routes (and their rules and errors) as the room menu; a
// room's custom commands (a bot's, docs/integrations.md), run by the
// server, whose answer comes as the bot's message or, for my eyes only,
// in a note above the box; and the list of commands with their help under
// the box while the text is "/" and part of a name (arrows move, Tab or
// Enter completes).

import { get, patch, post, put } from './api.js';
import { h } from './dom.js';
import { loadTexts, t } from './i18n.js';
import { toast } from './toast.js';

// The commands' texts come with this module, not with the chat page.
await loadTexts('commands');

const SHRUG = '¯\\_(ツ)_/¯';

export const COMMANDS = ['me', 'shrug', 'topic', 'invite', 'leave', 'mute'];

// The open room's custom commands ({ name, description }), asked once per
// room (forgotten when the Integrations dialog changes them).
const custom = new Map();
export const forgetCommands = (roomId) => custom.delete(roomId);
function customOf(roomId) {
  if (!roomId) return Promise.resolve([]);
  if (!custom.has(roomId)) {
    custom.set(
      roomId,
      get(`/api/v1/rooms/${roomId}/commands`).then(
        (r) => r.commands,
        () => (custom.delete(roomId), []),
      ),
    );
  }
  return custom.get(roomId);
}

// An answer for me only: a note above the composer, as plain text.
function showAnswer(text) {
  document.getElementById('slash-answer')?.remove();
  const note = h(
    'div',
    { id: 'slash-answer', class: 'slash-answer', role: 'status' },
    h('strong', {}, t('commands.onlyYou')),
    h('p', {}, text),
    h('button', { type: 'button', class: 'button button--small', onclick: () => note.remove() }, t('common.close')),
  );
  document.getElementById('emoji-complete')?.before(note);
}

async function runCustom(name, arg, ctx) {
  const commands = await customOf(ctx.room.id);
  if (!commands.some((c) => c.name === name)) throw new Error(t('slash.unknown', { name }));
  toast(t('commands.running', { name }));
  const answer = await post(`/api/v1/rooms/${ctx.room.id}/commands/${encodeURIComponent(name)}`, { text: arg });
  if (answer.visibility === 'caller' && answer.text) showAnswer(answer.text);
}

// ctx: { room, send(text), leave(), restore(text) }. Returns nothing; a
// refusal is shown and the text put back to mend.
export async function runSlash(text, ctx) {
  const [, name, rest = ''] = /^\/(\S+)\s*([\s\S]*)$/.exec(text) ?? [];
  const arg = rest.trim();
  const path = (suffix) => `/api/v1/rooms/${ctx.room.id}${suffix}`;
  try {
    switch (name) {
      case 'me':
        if (!arg) throw new Error(t('slash.needsText'));
        return ctx.send(`/me ${arg}`);
      case 'shrug':
        return ctx.send(arg ? `${arg} ${SHRUG}` : SHRUG);
      case 'topic':
        await patch(path('/settings'), { topic: arg });
        return toast(t('slash.topicSet'));
      case 'invite': {
        const username = arg.replace(/^@/, '');
        if (!username) throw new Error(t('slash.needsName'));
        await post(path('/members'), { username });
        return toast(t('slash.invited', { name: username }));
      }
      case 'leave':
        return ctx.leave();
      case 'mute':
        await put(path('/notifications'), { level: 'nothing' });
        return toast(t('slash.muted'));
      default:
        return await runCustom(name.toLowerCase(), arg, ctx);
    }
  } catch (err) {
    ctx.restore(text);
    toast(err.message, { error: true });
  }
}

// The list of commands under the composer while a command name is typed.
// roomId(): the open room's id, for its custom commands.
export function setupSlashComplete({ textarea, before, roomId = () => null }) {
  const list = h('ul', { id: 'slash-complete', class: 'emoji-complete', role: 'listbox', 'aria-label': t('slash.label'), hidden: true });
  before.before(list);
  let found = [];
  let active = 0;

  function hide() {
    found = [];
    list.hidden = true;
    list.replaceChildren();
  }

  function draw() {
    list.replaceChildren(
      ...found.map((name, i) =>
        h(
          'li',
          {
            id: `slash-${name}`,
            role: 'option',
            class: 'emoji-complete__option',
            'aria-selected': i === active ? 'true' : 'false',
            onmousedown: (e) => {
              e.preventDefault();
              choose(i);
            },
          },
          h('strong', {}, `/${name}`),
          ` ${COMMANDS.includes(name) ? t(`slash.${name}`) : (extra.find((c) => c.name === name)?.description ?? '')}`,
        ),
      ),
    );
    list.hidden = false;
  }

  function choose(i) {
    textarea.value = `/${found[i]} `;
    hide();
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    textarea.focus();
  }

  let extra = [];
  function update() {
    const match = /^\/([a-z0-9_-]*)$/i.exec(textarea.value);
    const names = [...COMMANDS, ...extra.map((c) => c.name)];
    found = match ? names.filter((c) => c.startsWith(match[1].toLowerCase())) : [];
    if (!found.length) return hide();
    active = 0;
    draw();
  }

  function refresh() {
    update();
    // The open room's own commands join the list once known.
    const id = roomId();
    if (textarea.value.startsWith('/'))
      customOf(id).then((list) => {
        if (id !== roomId() || list === extra) return;
        extra = list;
        update();
      });
  }

  textarea.addEventListener('input', refresh);
  textarea.addEventListener(
    'keydown',
    (e) => {
      if (list.hidden || !found.length) return;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        active = (active + (e.key === 'ArrowDown' ? 1 : -1) + found.length) % found.length;
        draw();
      } else if (e.key === 'Enter' && textarea.value.slice(1).toLowerCase() === found[active]) {
        return hide(); // a whole name: Enter runs it
      } else if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
        choose(active);
      } else if (e.key === 'Escape') hide();
      else return;
      e.preventDefault();
      e.stopImmediatePropagation();
    },
    true,
  );
  textarea.addEventListener('blur', hide);
  refresh();
}
