// Search: a dialog with a box (the query language of GET /api/v1/search:
// words, "phrases", word*, -word, in:room, from:user, has:file,
// before:/after: dates), newest or best first, results a page at a time.
// Each result shows its room, author, time and a snippet whose matched
// words are marked (<mark>, with the text put in as text, never as HTML);
// choosing one opens its room at that message with the messages around it.

import { get } from './api.js';
import { h } from './dom.js';
import { learnProfiles, personName } from './people.js';
import { t } from './i18n.js';
import { formatFull, toDate } from './time.js';

const PAGE = 20;

export function setupSearch({ dialog, roomName, onOpen }) {
  const form = dialog.querySelector('#search-form');
  const input = dialog.querySelector('#search-input');
  const order = dialog.querySelector('#search-order');
  const status = dialog.querySelector('#search-status');
  const results = dialog.querySelector('#search-results');
  const more = dialog.querySelector('#search-more');
  let next = null;
  let asked = 0; // a newer search makes the answer of an older one moot

  dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });

  function resultEl(hit) {
    const m = hit.message;
    const date = toDate(m.created_at);
    const snippet = h('p', { class: 'search__snippet' },
      hit.snippet.map((part) => (part.hit ? h('mark', {}, part.text) : part.text)));
    return h('li', { class: 'search__result' },
      h('button', {
        type: 'button',
        class: 'search__open',
        onclick: () => {
          dialog.close();
          onOpen(m.room_id, m.seq);
        },
      },
      h('span', { class: 'search__where' },
        h('strong', {}, roomName(m.room_id)), ' · ', personName(m.author), ' · ',
        h('time', { datetime: date.toISOString() }, formatFull(date))),
      snippet));
  }

  async function run({ append }) {
    const q = input.value.trim();
    const mine = ++asked;
    if (!append) {
      results.replaceChildren();
      next = null;
    }
    more.hidden = true;
    if (!q) {
      status.textContent = '';
      return;
    }
    status.textContent = t('common.loading');
    const params = new URLSearchParams({ q, order: order.value, limit: String(PAGE) });
    if (append && next) params.set('cursor', next);
    try {
      const page = await get(`/api/v1/search?${params}`);
      if (mine !== asked) return;
      learnProfiles(page.authors);
      results.append(...page.results.map(resultEl));
      next = page.next ?? null;
      more.hidden = !next;
      const count = results.children.length;
      status.textContent = count ? t('search.count', { count }) : t('search.none');
    } catch (err) {
      if (mine === asked) status.textContent = err.message;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run({ append: false });
  });
  order.addEventListener('change', () => run({ append: false }));
  more.addEventListener('click', () => run({ append: true }));
  return {
    open() {
      dialog.showModal();
      input.select();
    },
  };
}
