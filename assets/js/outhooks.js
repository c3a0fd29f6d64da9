// Outgoing webhooks of the open room, inside the Integrations dialog
// (loaded with it, on first use): make one (its signing secret shown
// once), pause, resume, delete, and each hook's delivery log.

import { del, get, patch, post } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { timeAgo } from './time.js';

let ui = null;
let room = null;

function build(report) {
  const name = h('input', { id: 'outhook-name', maxlength: 80, required: true });
  const url = h('input', { id: 'outhook-url', type: 'url', maxlength: 2000, required: true, placeholder: 'https://' });
  const bot = h('select', { id: 'outhook-bot' });
  const batch = h('input', { id: 'outhook-batch', type: 'checkbox' });
  const secret = h('input', { id: 'outhook-secret', readonly: true, class: 'admin-link', 'aria-label': t('outhooks.secret') });
  const made = h('div', { class: 'integrations__once', hidden: true }, h('p', { class: 'muted' }, t('outhooks.secret')), secret);
  const list = h('ul', { class: 'admin-list', id: 'outhook-list' });
  const log = h('div', { id: 'outhook-log', hidden: true });
  const note = h('p', { class: 'muted', hidden: true }, t('outhooks.ownersOnly'));
  const form = h('form', { class: 'admin-invite', onsubmit: (e) => (e.preventDefault(), report(make)) },
    h('div', { class: 'field' }, h('label', {}, t('outhooks.name'), ' ', name)),
    h('div', { class: 'field' }, h('label', {}, t('outhooks.url'), ' ', url)),
    h('div', { class: 'field' }, h('label', {}, t('outhooks.repliesAs'), ' ', bot)),
    h('div', { class: 'field' }, h('label', {}, batch, ' ', t('outhooks.batch'))),
    h('button', { type: 'submit', class: 'button', id: 'outhook-make' }, t('outhooks.make')));
  const title = h('h3', {});
  const section = h('section', { class: 'integrations__section', id: 'outhooks' }, title, h('p', { class: 'muted' }, t('outhooks.about')), note, form, made, list, log);
  return { section, title, name, url, bot, batch, secret, made, list, log, note, form, report };
}

async function make() {
  const body = { name: ui.name.value.trim(), url: ui.url.value.trim() };
  if (ui.bot.value) body.bot_id = Number(ui.bot.value);
  if (ui.batch.checked) body.batch = true;
  const made = await post(`/api/v1/rooms/${room.id}/outhooks`, body);
  ui.secret.value = made.secret;
  ui.made.hidden = false;
  ui.secret.select();
  ui.name.value = '';
  ui.url.value = '';
  ui.batch.checked = false;
  await load();
}

const base = () => `/api/v1/rooms/${room.id}/outhooks`;

function state(k) {
  if (!k.paused_at) return h('span', { class: 'admin-tag' }, t('outhooks.active'));
  return h('span', { class: 'muted' }, t('outhooks.paused', { when: timeAgo(new Date(k.paused_at)) }), k.pause_reason ? ` — ${k.pause_reason}` : '');
}

function button(label, onclick) {
  return h('button', { type: 'button', class: 'button button--small', onclick: () => ui.report(onclick) }, label);
}

function row(k) {
  return h(
    'li',
    { class: 'admin-row', 'data-outhook': k.id },
    h('span', { class: 'admin-row__name' }, k.name),
    h('code', {}, k.url),
    h('span', { class: 'admin-tag' }, `${k.bot} · BOT`),
    k.batch ? h('span', { class: 'admin-tag', 'data-batch': '' }, t('outhooks.batched')) : null,
    state(k),
    h('span', { class: 'admin-row__actions' },
      button(k.paused_at ? t('outhooks.resume') : t('outhooks.pause'), async () => {
        await patch(`${base()}/${k.id}`, { paused: !k.paused_at });
        await load();
      }),
      button(t('outhooks.log'), () => showLog(k)),
      button(t('outhooks.delete'), async () => {
        await del(`${base()}/${k.id}`);
        ui.log.hidden = true;
        await load();
      })),
  );
}

async function showLog(k) {
  const { deliveries } = await get(`${base()}/${k.id}/deliveries`);
  const head = ['when', 'event', 'attempt', 'status', 'latency', 'error'].map((c) => h('th', { scope: 'col' }, t(`outhooks.col.${c}`)));
  const rows = deliveries.map((d) =>
    h('tr', {},
      h('td', {}, timeAgo(new Date(d.at))),
      h('td', {}, String(d.seq)),
      h('td', {}, String(d.attempt)),
      h('td', {}, d.status == null ? '—' : String(d.status)),
      h('td', {}, `${d.latency_ms} ms`),
      h('td', {}, d.error ?? '')));
  ui.log.replaceChildren(
    h('h4', {}, t('outhooks.logOf', { name: k.name })),
    deliveries.length ? h('table', { class: 'outhooks__log' }, h('thead', {}, h('tr', {}, ...head)), h('tbody', {}, ...rows)) : h('p', { class: 'muted' }, t('outhooks.noDeliveries')),
  );
  ui.log.hidden = false;
}

async function load() {
  let hooks;
  try {
    ({ hooks } = await get(base()));
  } catch (err) {
    if (err.status !== 403) throw err;
    ui.note.hidden = false;
    ui.form.hidden = true;
    ui.list.replaceChildren();
    return;
  }
  ui.note.hidden = true;
  ui.form.hidden = false;
  ui.list.replaceChildren(...hooks.map(row));
}

// Shows the open room's outgoing webhooks after `host` (the Integrations
// dialog's incoming webhooks section); `bots`: my bots, for "replies as"; `report` runs an
// action and shows its error in the dialog.
export async function showOutHooks(host, current, bots, report) {
  ui ??= build(report);
  if (ui.section.previousElementSibling !== host) host.after(ui.section);
  ui.section.hidden = false;
  room = current;
  ui.title.textContent = t('outhooks.title', { room: room.name });
  ui.made.hidden = true;
  ui.log.hidden = true;
  ui.bot.replaceChildren(h('option', { value: '' }, t('outhooks.newBot')), ...bots.map((b) => h('option', { value: b.user_id }, b.name)));
  await load();
}
