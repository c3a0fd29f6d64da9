// Quick room switcher (Ctrl+K / Cmd+K): a dialog with a filter box and the
// matching rooms as a listbox. Arrow keys move, Enter opens, Escape closes
// (native <dialog> behaviour).

import { h } from './dom.js';
import { icon, roomIconName } from './icons.js';

// rooms(): my rooms in sidebar order; label(room): its display name;
// go(id): open it.
export function setupSwitcher({ dialog, input, list, rooms, label, go }) {
  let matches = [];
  let active = 0;

  function render() {
    const q = input.value.trim().toLowerCase();
    matches = rooms().filter((r) => label(r).toLowerCase().includes(q));
    // Names that start with the query first.
    matches.sort((a, b) => Number(!label(a).toLowerCase().startsWith(q)) - Number(!label(b).toLowerCase().startsWith(q)));
    active = Math.min(active, Math.max(0, matches.length - 1));
    list.replaceChildren(
      ...matches.map((room, i) =>
        h(
          'li',
          {
            id: `switch-${room.id}`,
            role: 'option',
            class: 'switcher__option',
            'aria-selected': String(i === active),
            onclick: () => choose(room),
          },
          icon(roomIconName(room.kind)),
          h('span', {}, label(room)),
          room.unread ? h('span', { class: 'badge' }, String(room.unread)) : null,
        ),
      ),
    );
    if (!matches.length) list.append(h('li', { class: 'switcher__empty' }, 'No matching rooms'));
    if (matches.length) input.setAttribute('aria-activedescendant', `switch-${matches[active].id}`);
    else input.removeAttribute('aria-activedescendant');
    list.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }

  function choose(room) {
    dialog.close();
    go(room.id);
  }

  input.addEventListener('input', () => {
    active = 0;
    render();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!matches.length) return;
      active = (active + (e.key === 'ArrowDown' ? 1 : -1) + matches.length) % matches.length;
      render();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (matches[active]) choose(matches[active]);
    }
  });
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });

  return function open() {
    if (dialog.open) return;
    input.value = '';
    active = 0;
    render();
    dialog.showModal();
    input.focus();
  };
}
