// Outgoing webhooks inside the Integrations dialog (loaded with it, on
// first use), for the open room or for one of my bots: make one (its
// signing secret shown once), pause, resume, delete, and each hook's
// delivery log. One panel per kind; ids of a bot's panel start `bot-`.

import { del, get, patch, post } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { timeAgo } from './time.js';

// prefix: '' (a room's hooks) or 'bot-' (a bot's); a bot's hooks reply as
// the bot, so their form has no "replies as".
function panel(prefix, report) {
  const p = { prefix, report, base: '' };
  p.name = h('input', { id: `${prefix}outhook-name`, maxlength: 80, required: true });
  p.url = h('input', { id: `${prefix}outhook-url`, type: 'url', maxlength: 2000, required: true, placeholder: 'https://' });
  p.bot = h('select', { id: `${prefix}outhook-bot` });
  p.batch = h('input', { id: `${prefix}outhook-batch`, type: 'checkbox' });
  p.secret = h('input', { id: `${prefix}outhook-secret`, readonly: true, class: 'admin-link', 'aria-label': t('outhooks.secret') });
  p.made = h('div', { class: 'integrations__once', hidden: true }, h('p', { class: 'muted' }, t('outhooks.secret')), p.secret);
  p.list = h('ul', { class: 'admin-list', id: `${prefix}outhook-list` });
  p.log = h('div', { id: `${prefix}outhook-log`, hidden: true });
  p.note = h('p', { class: 'muted', hidden: true }, t('outhooks.ownersOnly'));
  p.form = h('form', { class: 'admin-invite', onsubmit: (e) => (e.preventDefault(), report(() => make(p))) },
    h('div', { class: 'field' }, h('label', {}, t('outhooks.name'), ' ', p.name)),
    h('div', { class: 'field' }, h('label', {}, t('outhooks.url'), ' ', p.url)),
    prefix ? null : h('div', { class: 'field' }, h('label', {}, t('outhooks.repliesAs'), ' ', p.bot)),
    h('div', { class: 'field' }, h('label', {}, p.batch, ' ', t('outhooks.batch'))),
    h('button', { type: 'submit', class: 'button', id: `${prefix}outhook-make` }, t('outhooks.make')));
  p.title = h('h3', {});
  p.about = h('p', { class: 'muted' });
  p.section = h('section', { class: 'integrations__section', id: `${prefix}outhooks` }, p.title, p.about, p.note, p.form, p.made, p.list, p.log);
  return p;
}

async function make(p) {
  const body = { name: p.name.value.trim(), url: p.url.value.trim() };
  if (!p.prefix && p.bot.value) body.bot_id = Number(p.bot.value);
  if (p.batch.checked) body.batch = true;
  const made = await post(p.base, body);
  p.secret.value = made.secret;
  p.made.hidden = false;
  p.secret.select();
  p.name.value = '';
  p.url.value = '';
  p.batch.checked = false;
  await load(p);
}

function state(k) {
  if (!k.paused_at) return h('span', { class: 'admin-tag' }, t('outhooks.active'));
  return h('span', { class: 'muted' }, t('outhooks.paused', { when: timeAgo(new Date(k.paused_at)) }), k.pause_reason ? ` — ${k.pause_reason}` : '');
}

function button(p, label, onclick) {
  return h('button', { type: 'button', class: 'button button--small', onclick: () => p.report(onclick) }, label);
}

function row(p, k) {
  return h(
    'li',
    { class: 'admin-row', [`data-${p.prefix}outhook`]: k.id },
    h('span', { class: 'admin-row__name' }, k.name),
    h('code', {}, k.url),
    h('span', { class: 'admin-tag' }, `${k.bot} · BOT`),
    k.batch ? h('span', { class: 'admin-tag', 'data-batch': '' }, t('outhooks.batched')) : null,
    state(k),
    h('span', { class: 'admin-row__actions' },
      button(p, k.paused_at ? t('outhooks.resume') : t('outhooks.pause'), async () => {
        await patch(`${p.base}/${k.id}`, { paused: !k.paused_at });
        await load(p);
      }),
      button(p, t('outhooks.log'), () => showLog(p, k)),
      button(p, t('outhooks.delete'), async () => {
        await del(`${p.base}/${k.id}`);
        p.log.hidden = true;
        await load(p);
      })),
  );
}

async function showLog(p, k) {
  const { deliveries } = await get(`${p.base}/${k.id}/deliveries`);
  const head = ['when', 'event', 'attempt', 'status', 'latency', 'error'].map((c) => h('th', { scope: 'col' }, t(`outhooks.col.${c}`)));
  // A bot's hook delivers several rooms: its events are room:seq.
  const rows = deliveries.map((d) =>
    h('tr', {},
      h('td', {}, timeAgo(new Date(d.at))),
      h('td', {}, p.prefix ? `${d.room_id}:${d.seq}` : String(d.seq)),
      h('td', {}, String(d.attempt)),
      h('td', {}, d.status == null ? '—' : String(d.status)),
      h('td', {}, `${d.latency_ms} ms`),
      h('td', {}, d.error ?? '')));
  p.log.replaceChildren(
    h('h4', {}, t('outhooks.logOf', { name: k.name })),
    deliveries.length ? h('table', { class: 'outhooks__log' }, h('thead', {}, h('tr', {}, ...head)), h('tbody', {}, ...rows)) : h('p', { class: 'muted' }, t('outhooks.noDeliveries')),
  );
  p.log.hidden = false;
}

async function load(p) {
  let hooks;
  try {
    ({ hooks } = await get(p.base));
  } catch (err) {
    if (err.status !== 403) throw err;
    p.note.hidden = false;
    p.form.hidden = true;
    p.list.replaceChildren();
    return;
  }
  p.note.hidden = true;
  p.form.hidden = false;
  p.list.replaceChildren(...hooks.map((k) => row(p, k)));
}

function place(p, host, base) {
  if (p.section.previousElementSibling !== host) host.after(p.section);
  p.section.hidden = false;
  p.base = base;
  p.made.hidden = true;
  p.log.hidden = true;
}

let forRoom = null;
let forBot = null;

// Shows the open room's outgoing webhooks after `host` (the Integrations
// dialog's incoming webhooks section); `bots`: my bots, for "replies as"; `report` runs an
// action and shows its error in the dialog.
export async function showOutHooks(host, current, bots, report) {
  forRoom ??= panel('', report);
  place(forRoom, host, `/api/v1/rooms/${current.id}/outhooks`);
  forRoom.title.textContent = t('outhooks.title', { room: current.name });
  forRoom.about.textContent = t('outhooks.about');
  forRoom.bot.replaceChildren(h('option', { value: '' }, t('outhooks.newBot')), ...bots.map((b) => h('option', { value: b.user_id }, b.name)));
  await load(forRoom);
}

// Shows my bot's own outgoing webhooks (every room it is in) after `host`
// (the Integrations dialog's bots section).
export async function showBotOutHooks(host, bot, report) {
  forBot ??= panel('bot-', report);
  place(forBot, host, `/api/v1/bots/${bot.user_id}/outhooks`);
  forBot.title.textContent = t('outhooks.botTitle', { bot: bot.name });
  forBot.about.textContent = t('outhooks.botAbout');
  await load(forBot);
}
