// Slash commands in the composer (loaded when a message starts with "/"):
// /me, /shrug, /topic, /invite @user, /leave and /mute, run here through
// the same API routes (and their rules and errors) as the room menu; and
// the list of commands with their help under the box while the text is
// "/" and part of a name (arrows move, Tab or Enter completes).

import { patch, post, put } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { toast } from './toast.js';

const SHRUG = '¯\\_(ツ)_/¯';

export const COMMANDS = ['me', 'shrug', 'topic', 'invite', 'leave', 'mute'];

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
        throw new Error(t('slash.unknown', { name }));
    }
  } catch (err) {
    ctx.restore(text);
    toast(err.message, { error: true });
  }
}

// The list of commands under the composer while a command name is typed.
export function setupSlashComplete({ textarea, before }) {
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
          ` ${t(`slash.${name}`)}`,
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

  function update() {
    const match = /^\/([a-z]*)$/i.exec(textarea.value);
    found = match ? COMMANDS.filter((c) => c.startsWith(match[1].toLowerCase())) : [];
    if (!found.length) return hide();
    active = 0;
    draw();
  }

  textarea.addEventListener('input', update);
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
  update();
}
