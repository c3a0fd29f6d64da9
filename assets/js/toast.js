// Short confirmations ("Password set.") in a polite live region.

let timer = null;

export function toast(message, { error = false } = {}) {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = message;
  el.classList.toggle('toast--error', error);
  el.classList.add('toast--visible');
  clearTimeout(timer);
  timer = setTimeout(() => el.classList.remove('toast--visible'), 4000);
}
