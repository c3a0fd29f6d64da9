// The emoji picker: a search box over the whole emoji set, recently used
// first, as a combobox with a grid of options (arrows move, Enter picks,
// Escape closes). Opened next to whatever asked for it (a message's
// "React" item or a reaction row's "+").

import { h } from './dom.js';
import { t } from './i18n.js';
import { loadEmoji, rememberEmoji, searchEmoji } from './emoji-data.js';
import { toast } from './toast.js';

const COLUMNS = 8;
const SHOWN = 240; // options in the grid at once; searching narrows it

export function setupEmojiPicker({ panel, input, grid }) {
  let all = [];
  let shown = [];
  let active = 0;
  let target = null; // { anchor, onPick }
  let opening = false; // the click that opened it is still on its way up

  function draw() {
    shown = searchEmoji(all, input.value, SHOWN);
    active = Math.min(active, Math.max(0, shown.length - 1));
    grid.replaceChildren(
      ...shown.map((e, i) =>
        h(
          'div',
          {
            id: `emoji-option-${i}`,
            role: 'option',
            class: 'emoji-picker__option',
            'aria-selected': i === active ? 'true' : 'false',
            'aria-label': e.name,
            title: `:${e.shortcodes[0] ?? e.name}:`,
            onclick: () => pick(i),
          },
          e.emoji,
        ),
      ),
    );
    if (!shown.length) grid.append(h('p', { class: 'emoji-picker__none' }, t('reactions.noMatch')));
    mark();
  }

  function mark() {
    for (const el of grid.querySelectorAll('[role="option"]')) {
      el.setAttribute('aria-selected', el.id === `emoji-option-${active}` ? 'true' : 'false');
    }
    const el = shown.length ? grid.querySelector(`#emoji-option-${active}`) : null;
    if (el) {
      input.setAttribute('aria-activedescendant', el.id);
      el.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }

  function pick(i) {
    const entry = shown[i];
    if (!entry || !target) return;
    const { onPick } = target;
    rememberEmoji(entry.emoji);
    close(true);
    onPick(entry.emoji);
  }

  async function open(anchor, onPick) {
    close(false);
    target = { anchor, onPick };
    opening = true;
    setTimeout(() => (opening = false));
    input.value = '';
    active = 0;
    panel.hidden = false;
    draw();
    place(anchor);
    input.focus();
    if (all.length) return;
    try {
      all = await loadEmoji();
    } catch (err) {
      toast(err.message, { error: true });
    }
    if (target?.anchor !== anchor) return;
    draw();
    place(anchor);
  }

  // Fixed to the viewport next to the anchor, flipped up near the bottom
  // (measured once the grid is filled).
  function place(anchor) {
    const rect = anchor.getBoundingClientRect();
    const below = rect.bottom + panel.offsetHeight + 8 < window.innerHeight;
    panel.style.top = `${Math.max(8, below ? rect.bottom + 4 : rect.top - panel.offsetHeight - 4)}px`;
    panel.style.right = `${Math.max(8, window.innerWidth - rect.right)}px`;
  }

  function close(focusAnchor) {
    if (!target) return;
    panel.hidden = true;
    if (focusAnchor && target.anchor.isConnected) target.anchor.focus();
    target = null;
  }

  input.addEventListener('input', () => {
    active = 0;
    draw();
  });
  input.addEventListener('keydown', (e) => {
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS };
    if (e.key in moves) {
      e.preventDefault();
      active = Math.min(Math.max(0, active + moves[e.key]), Math.max(0, shown.length - 1));
      mark();
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      if (!shown.length) return;
      e.preventDefault();
      pick(active);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    }
  });
  document.addEventListener('click', (e) => {
    if (target && !opening && !panel.contains(e.target) && !target.anchor.contains(e.target)) close(false);
  });

  return { open, close };
}
