// Message composer: Enter sends, Shift+Enter inserts a newline, Up in an
// empty box edits my last message, the textarea grows with its content (up
// to a CSS max-height), and a counter appears near the server's length
// limit. Over the limit, the counter says by how much and Send waits; the
// box itself stays as it was (the text is the person's, not an error).
// onInput(text) sees every change (drafts, typing indicator).

import { t } from './i18n.js';

// hasFiles() says whether files wait to go with the text (a message of
// files alone may have none).
export function setupComposer({ form, textarea, button, counter, onSend, onInput, onEditLast, hasFiles = () => false }) {
  let maxChars = Infinity;
  let enabled = true;

  // The server counts Unicode characters; [...s] counts code points, so an
  // emoji counts as one (String.length would count two).
  const length = () => [...textarea.value].length;

  function resize() {
    // Setting style via the CSSOM is allowed under a strict style-src CSP.
    textarea.style.height = 'auto';
    const borders = textarea.offsetHeight - textarea.clientHeight;
    textarea.style.height = `${textarea.scrollHeight + borders}px`;
  }

  function update() {
    resize();
    const n = length();
    const over = n > maxChars;
    counter.hidden = !(Number.isFinite(maxChars) && n > maxChars * 0.9);
    counter.textContent = over
      ? t('composer.over', { count: n - maxChars, max: maxChars })
      : t('composer.left', { count: maxChars - n });
    counter.classList.toggle('composer__count--over', over);
    form.classList.toggle('composer--over', over);
    button.disabled = !enabled || over || (textarea.value.trim() === '' && !hasFiles());
  }

  function submit() {
    if (!enabled || length() > maxChars) return;
    // Drop leading blank lines and trailing whitespace, keep indentation.
    const body = textarea.value.replace(/^\s*\n/, '').replace(/\s+$/, '');
    if (!body && !hasFiles()) return;
    onSend(body);
    textarea.value = '';
    update();
    onInput('');
    textarea.focus();
  }

  textarea.addEventListener('keydown', (e) => {
    // isComposing/229: Enter that confirms an IME candidate must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    } else if (e.key === 'ArrowUp' && !e.altKey && !e.shiftKey && textarea.value === '') {
      if (onEditLast()) e.preventDefault();
    }
  });
  textarea.addEventListener('input', () => {
    update();
    onInput(textarea.value);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  window.addEventListener('resize', resize);
  update();

  return {
    setMaxChars(n) {
      maxChars = Number.isFinite(n) && n > 0 ? n : Infinity;
      update();
    },
    setEnabled(on) {
      enabled = on;
      textarea.disabled = !on;
      update();
    },
    setPlaceholder(text) {
      textarea.placeholder = text;
    },
    // A room's saved draft, when switching rooms.
    setValue(text) {
      textarea.value = text;
      update();
    },
    focus() {
      textarea.focus();
    },
    // Something besides the text changed (files added or done).
    refresh() {
      update();
    },
  };
}
