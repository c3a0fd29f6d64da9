// `:shortcode:` in the composer: typing a colon and two or more letters
// lists matching emoji under the box (arrows move, Tab or Enter puts the
// emoji in place of the code, Escape closes the list and leaves the text).

import { h } from './dom.js';
import { loadEmoji, rememberEmoji, searchEmoji } from './emoji-data.js';

const SHOWN = 8;
const CODE_BEFORE_CARET = /(^|[\s(]):([a-z0-9_+-]{2,})$/i;

export function setupEmojiComplete({ textarea, list }) {
  let all = null;
  let found = [];
  let active = 0;
  let code = null; // { start, end } of the ":xx" being typed

  textarea.setAttribute('aria-autocomplete', 'list');
  textarea.setAttribute('aria-controls', list.id);

  function hide() {
    found = [];
    code = null;
    list.hidden = true;
    list.replaceChildren();
    textarea.removeAttribute('aria-activedescendant');
  }

  function draw() {
    list.replaceChildren(
      ...found.map((e, i) =>
        h(
          'li',
          {
            id: `emoji-complete-${i}`,
            role: 'option',
            class: 'emoji-complete__option',
            'aria-selected': i === active ? 'true' : 'false',
            onmousedown: (ev) => {
              ev.preventDefault(); // keep the focus in the box
              choose(i);
            },
          },
          h('span', { class: 'emoji-complete__emoji', 'aria-hidden': 'true' }, e.emoji),
          ` :${e.shortcodes[0]}:`,
        ),
      ),
    );
    list.hidden = false;
    textarea.setAttribute('aria-activedescendant', `emoji-complete-${active}`);
  }

  function choose(i) {
    const entry = found[i];
    if (!entry || !code) return;
    const text = textarea.value;
    textarea.value = `${text.slice(0, code.start)}${entry.emoji}${text.slice(code.end)}`;
    const caret = code.start + entry.emoji.length;
    textarea.setSelectionRange(caret, caret);
    rememberEmoji(entry.emoji);
    hide();
    // The composer saves drafts and resizes on input.
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  }

  async function update() {
    const caret = textarea.selectionStart;
    const match = textarea.selectionEnd === caret ? CODE_BEFORE_CARET.exec(textarea.value.slice(0, caret)) : null;
    if (!match) {
      if (code) hide();
      return;
    }
    all ??= await loadEmoji().catch(() => null);
    if (!all) return;
    const query = match[2].toLowerCase();
    found = searchEmoji(all, query, 50)
      .filter((e) => e.shortcodes.some((c) => c.includes(query)))
      .slice(0, SHOWN);
    if (!found.length) {
      hide();
      return;
    }
    code = { start: caret - match[2].length - 1, end: caret };
    active = 0;
    draw();
  }

  textarea.addEventListener('input', (e) => {
    if (e.isTrusted) update();
  });
  // A capturing listener runs before the composer's own at the textarea,
  // so Enter picks an emoji instead of sending while the list is open.
  textarea.addEventListener(
    'keydown',
    (e) => {
    if (list.hidden || !found.length) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      e.stopImmediatePropagation();
      active = (active + (e.key === 'ArrowDown' ? 1 : -1) + found.length) % found.length;
      draw();
    } else if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
      e.preventDefault();
      e.stopImmediatePropagation();
      choose(active);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopImmediatePropagation();
      hide();
    }
    },
    true,
  );
  textarea.addEventListener('blur', hide);
  hide();
  // Loaded on the first colon typed: what was typed meanwhile counts.
  if (document.activeElement === textarea) update();
}
