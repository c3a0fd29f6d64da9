// Integrations (from the user menu and the room menu; loaded on first
// use): my API tokens (make one with scopes and rooms, shown once with a
// copy button; revoke), my bots, and the open room's incoming webhooks
// (the URL shown once, with a curl example) and outgoing webhooks
// (outhooks.js), and each bot's own outgoing webhooks (outhooks.js too).

import { del, get, post } from './api.js';
import { h } from './dom.js';
import { loadTexts, t } from './i18n.js';
import { timeAgo } from './time.js';
import { commandsSection } from './integrations-commands.js';

const SCOPES = ['read', 'post', 'manage_rooms'];
let parts;
let room = null; // the room whose webhooks are shown: { id, name }
let myRooms = [];
let myBots = [];
let commands; // the room's slash commands part

const field = (label, input) => h('div', { class: 'field' }, h('label', {}, label, ' ', input));
const box = (value, checked = false) => h('input', { type: 'checkbox', value, checked });

function section(title, ...children) {
  return h('section', { class: 'integrations__section' }, h('h3', {}, title), ...children);
}

// A secret shown once: a read-only box and a copy button.
function shownOnce(id) {
  const input = h('input', { id, readonly: true, class: 'admin-link', 'aria-label': t('integrations.shownOnce') });
  const copy = h('button', { type: 'button', class: 'button button--small', onclick: () => copyOut(input) }, t('integrations.copy'));
  const wrap = h('div', { class: 'integrations__once', hidden: true }, h('p', { class: 'muted' }, t('integrations.shownOnce')), input, copy);
  return { wrap, input };
}

async function copyOut(input) {
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    document.execCommand('copy'); // older browsers, or no clipboard permission
  }
  parts.error.textContent = '';
  parts.status.textContent = t('integrations.copied');
}

function build() {
  commands = commandsSection({ act, shownOnce, field, bots: () => myBots });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const status = h('p', { class: 'muted', role: 'status' });
  const tokenName = h('input', { id: 'token-name', required: true, maxlength: 80 });
  const actAs = h('select', { id: 'token-user' });
  const scopes = h('div', { class: 'integrations__checks', id: 'token-scopes' }, SCOPES.map((s) => h('label', {}, box(s, s !== 'manage_rooms'), ' ', t(`integrations.scope.${s}`))));
  const rooms = h('div', { class: 'integrations__checks', id: 'token-rooms' });
  const token = shownOnce('token-made');
  const tokens = h('ul', { class: 'admin-list', id: 'token-list' });
  const botName = h('input', { id: 'bot-name', maxlength: 32 });
  const botAvatar = h('input', { id: 'bot-avatar', maxlength: 16, size: 4 });
  const bots = h('ul', { class: 'admin-list', id: 'bot-list' });
  const hookName = h('input', { id: 'hook-name', maxlength: 32 });
  const hookBot = h('select', { id: 'hook-bot' });
  const hook = shownOnce('hook-url');
  const example = h('pre', { class: 'integrations__example', id: 'hook-example', hidden: true });
  const hooks = h('ul', { class: 'admin-list', id: 'hook-list' });
  const hooksTitle = h('h3', {});
  const hooksBody = h('div', {});
  const dialog = h(
    'dialog',
    { class: 'dialog dialog--wide', 'aria-labelledby': 'integrations-title', id: 'integrations-dialog' },
    h(
      'div',
      { class: 'dialog__body form' },
      h('h2', { id: 'integrations-title' }, t('integrations.title')),
      error,
      status,
      section(
        t('integrations.tokens'),
        h('form', { class: 'admin-invite', onsubmit: (e) => (e.preventDefault(), act(makeToken)) },
          field(t('integrations.name'), tokenName), field(t('integrations.actAs'), actAs),
          h('button', { type: 'submit', class: 'button button--primary', id: 'token-make' }, t('integrations.makeToken'))),
        h('p', { class: 'muted' }, t('integrations.scopes')), scopes,
        h('p', { class: 'muted' }, t('integrations.rooms')), rooms,
        token.wrap,
        tokens,
      ),
      section(
        t('integrations.bots'),
        h('form', { class: 'admin-invite', onsubmit: (e) => (e.preventDefault(), act(makeBot)) },
          field(t('integrations.name'), botName), field(t('integrations.avatar'), botAvatar),
          h('button', { type: 'submit', class: 'button', id: 'bot-make' }, t('integrations.makeBot'))),
        bots,
      ),
      h('section', { class: 'integrations__section' }, hooksTitle, hooksBody),
      commands.el,
      h('div', { class: 'dialog__actions' }, h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, t('common.close'))),
    ),
  );
  hooksBody.append(
    h('form', { class: 'admin-invite', onsubmit: (e) => (e.preventDefault(), act(makeHook)) },
      field(t('integrations.name'), hookName), field(t('integrations.postAs'), hookBot),
      h('button', { type: 'submit', class: 'button', id: 'hook-make' }, t('integrations.makeHook'))),
    hook.wrap,
    example,
    hooks,
  );
  document.body.append(dialog);
  return { dialog, error, status, tokenName, actAs, scopes, rooms, token, tokens, botName, botAvatar, bots, hookName, hookBot, hook, example, hooks, hooksTitle, hooksBody };
}

async function act(fn) {
  parts.error.textContent = '';
  parts.status.textContent = '';
  try {
    await fn();
  } catch (err) {
    parts.error.textContent = err.message;
  }
}

const checked = (el) => [...el.querySelectorAll('input:checked')].map((i) => i.value);
const lastUsed = (at) => (at ? t('integrations.lastUsed', { when: timeAgo(new Date(at)) }) : t('integrations.neverUsed'));
const revokeButton = (onclick) => h('span', { class: 'admin-row__actions' }, h('button', { type: 'button', class: 'button button--small', onclick: () => act(onclick) }, t('integrations.revoke')));

async function makeToken() {
  const body = { name: parts.tokenName.value.trim(), scopes: checked(parts.scopes) };
  const rooms = checked(parts.rooms).map(Number).filter(Boolean);
  if (rooms.length) body.rooms = rooms;
  if (parts.actAs.value) body.bot_id = Number(parts.actAs.value);
  const made = await post('/api/v1/tokens', body);
  parts.token.input.value = made.token;
  parts.token.wrap.hidden = false;
  parts.token.input.select();
  parts.tokenName.value = '';
  await loadTokens();
}

async function loadTokens() {
  const { tokens } = await get('/api/v1/tokens');
  const roomName = (id) => myRooms.find((r) => r.id === id)?.name ?? `#${id}`;
  parts.tokens.replaceChildren(
    ...tokens.map((k) =>
      h(
        'li',
        { class: 'admin-row', 'data-token': k.id },
        h('span', { class: 'admin-row__name' }, k.name),
        h('code', {}, `${k.prefix}…`),
        k.bot ? h('span', { class: 'admin-tag' }, `${k.username} · BOT`) : null,
        h('span', { class: 'muted' }, k.scopes.map((s) => t(`integrations.scope.${s}`)).join(', ')),
        h('span', { class: 'muted' }, k.rooms ? k.rooms.map(roomName).join(', ') : t('integrations.allRooms')),
        h('span', { class: 'muted' }, lastUsed(k.last_used_at)),
        revokeButton(async () => {
          await del(`/api/v1/tokens/${k.id}`);
          await loadTokens();
        }),
      ),
    ),
  );
}

async function makeBot() {
  const body = { name: parts.botName.value.trim() };
  if (parts.botAvatar.value.trim()) body.avatar = parts.botAvatar.value.trim();
  await post('/api/v1/bots', body);
  parts.botName.value = '';
  parts.botAvatar.value = '';
  await loadBots();
}

// A bot's own outgoing webhooks (outhooks.js, fetched on first use),
// shown under the list of bots.
function botHooks(b) {
  return h('button', { type: 'button', class: 'button button--small', 'data-bot-hooks': b.user_id, onclick: () => act(async () => (await import('./outhooks.js')).showBotOutHooks(parts.bots.parentNode, b, act)) }, t('outhooks.botHooks'));
}

async function loadBots() {
  [{ bots: myBots }] = await Promise.all([get('/api/v1/bots'), loadTexts('outhooks')]);
  const bot = document.getElementById('bot-outhooks');
  if (bot) bot.hidden = true;
  parts.bots.replaceChildren(
    ...myBots.map((b) => h('li', { class: 'admin-row' }, b.avatar ? h('span', { 'aria-hidden': 'true' }, b.avatar) : null, h('span', { class: 'admin-row__name' }, b.name), h('span', { class: 'admin-tag' }, 'BOT'), botHooks(b))),
  );
  const options = (none) => [h('option', { value: '' }, none), ...myBots.map((b) => h('option', { value: b.user_id }, b.name))];
  parts.actAs.replaceChildren(...options(t('integrations.me')));
  parts.hookBot.replaceChildren(...options(t('integrations.newBot')));
}

async function makeHook() {
  const body = { name: parts.hookName.value.trim() };
  if (parts.hookBot.value) body.bot_id = Number(parts.hookBot.value);
  const made = await post(`/api/v1/rooms/${room.id}/hooks`, body);
  const url = `${location.origin}${made.path}`;
  parts.hook.input.value = url;
  parts.hook.wrap.hidden = false;
  parts.example.textContent = `curl -X POST -H 'Content-Type: application/json' \\\n  -d '{"text": "Hello from ${made.hook.name}"}' \\\n  ${url}`;
  parts.example.hidden = false;
  parts.hook.input.select();
  parts.hookName.value = '';
  await Promise.all([loadHooks(), loadBots()]);
}

async function loadHooks() {
  parts.hooksTitle.textContent = room ? t('integrations.hooks', { room: room.name }) : t('integrations.hooksNoRoom');
  parts.hooksBody.hidden = !room;
  const outhooks = document.getElementById('outhooks');
  if (outhooks && !room) outhooks.hidden = true;
  if (!room) return;
  // Outgoing webhooks: their own module, fetched with the first room shown.
  const shown = room;
  Promise.all([loadTexts('outhooks'), import('./outhooks.js')]).then(([, m]) =>
    act(() => m.showOutHooks(parts.hooksBody.parentNode, shown, myBots, act)),
  );
  const { hooks } = await get(`/api/v1/rooms/${room.id}/hooks`);
  parts.hooks.replaceChildren(
    ...hooks.map((k) =>
      h(
        'li',
        { class: 'admin-row', 'data-hook': k.id },
        h('span', { class: 'admin-row__name' }, k.name),
        h('span', { class: 'admin-tag' }, `${k.bot} · BOT`),
        h('span', { class: 'muted' }, lastUsed(k.last_used_at)),
        revokeButton(async () => {
          await del(`/api/v1/rooms/${room.id}/hooks/${k.id}`);
          await loadHooks();
        }),
      ),
    ),
  );
}

async function loadRooms() {
  ({ rooms: myRooms } = await get('/api/v1/rooms'));
  myRooms = myRooms.filter((r) => r.kind !== 'direct');
  parts.rooms.replaceChildren(...myRooms.map((r) => h('label', {}, box(r.id), ' ', r.name)));
}

// current: the open room ({ id, name, kind }) or null.
export async function openIntegrations(current) {
  parts ??= build();
  room = current && current.kind !== 'direct' ? { id: current.id, name: current.name } : null;
  parts.error.textContent = '';
  parts.status.textContent = '';
  parts.token.wrap.hidden = true;
  parts.hook.wrap.hidden = true;
  parts.example.hidden = true;
  commands.reset();
  // The last showing's outgoing webhooks are hidden (not clickable) until
  // showOutHooks has put this room's in place.
  const outhooks = document.getElementById('outhooks');
  if (outhooks) outhooks.hidden = true;
  parts.dialog.showModal();
  await act(async () => {
    await Promise.all([loadRooms(), loadBots()]);
    await Promise.all([loadTokens(), loadHooks(), commands.load(room)]);
  });
}
