// Quick switcher (Ctrl+K / Cmd+K): one box that finds my rooms, people
// (to open a direct message with) and public rooms I have not joined, as
// a listbox. Arrow keys move, Enter opens, Escape closes (native <dialog>
// behaviour).

import { get } from './api.js';
import { h } from './dom.js';
import { avatar } from './avatar.js';
import { icon, roomIconName } from './icons.js';
import { t } from './i18n.js';

const PEOPLE_SHOWN = 6;
const PEOPLE_DELAY_MS = 120; // typing pauses this long before people are asked for

// rooms(): my rooms in sidebar order; label(room): its name; meId();
// choose({ kind: 'room'|'join'|'person', room?, person? }).
export function setupSwitcher({ dialog, input, list, rooms, label, meId, choose }) {
  let options = [];
  let active = 0;
  let publicRooms = [];
  let people = [];
  let asked = 0; // the newest people query; older answers are dropped
  let timer = null;

  const matches = (name, q) => name.toLowerCase().includes(q);
  const rank = (name, q) => (name.toLowerCase().startsWith(q) ? 0 : 1);

  function collect() {
    const q = input.value.trim().replace(/^[@#]/, '').toLowerCase();
    const mine = rooms().filter((r) => matches(label(r), q));
    mine.sort((a, b) => rank(label(a), q) - rank(label(b), q));
    const peers = new Set(mine.filter((r) => r.kind === 'direct').map((r) => r.peer));
    const others = q
      ? people.filter((p) => p.user_id !== meId() && !peers.has(p.username) && !rooms().some((r) => r.peer === p.username))
      : [];
    const joinable = publicRooms.filter((r) => !r.joined && matches(r.name, q)).slice(0, q ? 10 : 5);
    return [
      ...mine.map((room) => ({ kind: 'room', id: `room-${room.id}`, room })),
      ...others.slice(0, PEOPLE_SHOWN).map((person) => ({ kind: 'person', id: `person-${person.user_id}`, person })),
      ...joinable.map((room) => ({ kind: 'join', id: `join-${room.id}`, room })),
    ];
  }

  function optionEl(option, i) {
    const selected = i === active;
    const props = {
      id: `switch-${option.id}`,
      role: 'option',
      class: 'switcher__option',
      'aria-selected': String(selected),
      onclick: () => pick(option),
    };
    if (option.kind === 'person') {
      return h('li', props, avatar(option.person.username, { small: true }), h('span', { class: 'switcher__name' }, option.person.username), h('span', { class: 'switcher__hint' }, t('switcher.message')));
    }
    const { room } = option;
    return h(
      'li',
      props,
      icon(roomIconName(room.kind)),
      h('span', { class: 'switcher__name' }, label(room)),
      option.kind === 'join'
        ? h('span', { class: 'switcher__hint' }, t('switcher.join'))
        : room.unread
          ? h('span', { class: 'badge' }, String(room.unread))
          : null,
    );
  }

  function render() {
    options = collect();
    active = Math.min(active, Math.max(0, options.length - 1));
    list.replaceChildren(...options.map(optionEl));
    if (!options.length) list.append(h('li', { class: 'switcher__empty', role: 'presentation' }, t('switcher.none')));
    if (options.length) input.setAttribute('aria-activedescendant', `switch-${options[active].id}`);
    else input.removeAttribute('aria-activedescendant');
    list.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }

  function askPeople() {
    clearTimeout(timer);
    const q = input.value.trim().replace(/^@/, '');
    if (!q) {
      people = [];
      return;
    }
    const mine = ++asked;
    timer = setTimeout(async () => {
      const { users = [] } = await get(`/api/v1/users?query=${encodeURIComponent(q)}&limit=${PEOPLE_SHOWN + 1}`).catch(() => ({}));
      if (mine !== asked || !dialog.open) return;
      people = users;
      render();
    }, PEOPLE_DELAY_MS);
  }

  function pick(option) {
    dialog.close();
    choose(option);
  }

  input.addEventListener('input', () => {
    active = 0;
    askPeople();
    render();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!options.length) return;
      active = (active + (e.key === 'ArrowDown' ? 1 : -1) + options.length) % options.length;
      render();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (options[active]) pick(options[active]);
    }
  });
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });

  return function open() {
    if (dialog.open) return;
    input.value = '';
    active = 0;
    people = [];
    render();
    dialog.showModal();
    input.focus();
    get('/api/v1/public-rooms')
      .then(({ rooms: all = [] }) => {
        publicRooms = all;
        if (dialog.open) render();
      })
      .catch(() => {});
  };
}
