// Short confirmations ("Link copied.") and errors in a polite live region,
// floating at the top of the message list (feedback.css).

let timer = null;

export function toast(message, { error = false } = {}) {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = message;
  el.classList.toggle('toast--error', error);
  el.classList.add('toast--visible');
  clearTimeout(timer);
  timer = setTimeout(() => {
    el.classList.remove('toast--visible');
    timer = setTimeout(() => (el.textContent = ''), 300);
  }, 4000);
}
