// The Integrations dialog's part for the open room's custom slash
// commands (loaded with the dialog): make one (name, help text, URL, the
// bot that answers; its signing secret shown once) and delete one.

import { del, get, post } from './api.js';
import { h } from './dom.js';
import { loadTexts, t } from './i18n.js';
import { forgetCommands } from './slash.js';

// The commands' texts come with this module, not with the chat page.
await loadTexts('commands');

// act(fn): runs fn, showing its error; shownOnce(id), field(label, input):
// the dialog's own helpers; bots(): my bots ({ user_id, name }).
export function commandsSection({ act, shownOnce, field, bots }) {
  let room = null;
  const title = h('h3', {});
  const name = h('input', { id: 'command-name', maxlength: 32, required: true, placeholder: 'deploy' });
  const help = h('input', { id: 'command-help', maxlength: 120 });
  const url = h('input', { id: 'command-url', type: 'url', required: true, placeholder: 'https://' });
  const bot = h('select', { id: 'command-bot' });
  const secret = shownOnce('command-secret');
  const list = h('ul', { class: 'admin-list', id: 'command-list' });
  const form = h(
    'form',
    { class: 'admin-invite', onsubmit: (e) => (e.preventDefault(), act(make)) },
    field(t('commands.name'), name),
    field(t('commands.help'), help),
    field(t('commands.url'), url),
    field(t('commands.answeredBy'), bot),
    h('button', { type: 'submit', class: 'button', id: 'command-make' }, t('commands.make')),
  );
  const el = h('section', { class: 'integrations__section', id: 'commands-section' }, title, form, h('p', { class: 'muted', hidden: true }, t('commands.secret')), secret.wrap, list);

  async function make() {
    if (!bot.value) throw new Error(t('commands.needBot'));
    const body = { name: name.value.trim(), description: help.value.trim(), url: url.value.trim(), bot_id: Number(bot.value) };
    const made = await post(`/api/v1/rooms/${room.id}/commands`, body);
    secret.input.value = made.secret;
    secret.wrap.hidden = false;
    secret.wrap.previousSibling.hidden = false;
    name.value = help.value = url.value = '';
    forgetCommands(room.id);
    await load(room);
  }

  async function load(current) {
    room = current;
    el.hidden = !room;
    if (!room) return;
    title.textContent = t('commands.title', { room: room.name });
    bot.replaceChildren(...bots().map((b) => h('option', { value: b.user_id }, b.name)));
    const { commands } = await get(`/api/v1/rooms/${room.id}/commands`);
    list.replaceChildren(
      ...commands.map((c) =>
        h(
          'li',
          { class: 'admin-row', 'data-command': c.name },
          h('code', {}, `/${c.name}`),
          h('span', { class: 'muted' }, c.description),
          h('span', { class: 'admin-tag' }, `${c.bot} · BOT`),
          h(
            'span',
            { class: 'admin-row__actions' },
            h('button', { type: 'button', class: 'button button--small', onclick: () => act(async () => {
              await del(`/api/v1/rooms/${room.id}/commands/${c.id}`);
              forgetCommands(room.id);
              await load(room);
            }) }, t('commands.delete')),
          ),
        ),
      ),
    );
  }

  // A new opening: the secret of last time is gone.
  function reset() {
    secret.wrap.hidden = true;
    secret.wrap.previousSibling.hidden = true;
  }

  return { el, load, reset };
}
