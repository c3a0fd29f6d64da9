// Keyed, incremental rendering of a list of children: an element whose
// item has the same key and version as last time is left as it is (its
// text selection, focus and a screen reader's place survive), a changed
// one is rebuilt in place, new ones are inserted and gone ones removed.

// items: [{ key, version, create() }] in the wanted order; nodes: the
// Map(key -> { el, version }) kept between calls for this parent.
export function patchChildren(parent, nodes, items) {
  const wanted = new Set(items.map((i) => i.key));
  for (const [key, node] of nodes) {
    if (!wanted.has(key)) {
      node.el.remove();
      nodes.delete(key);
    }
  }
  // Walk the wanted order, reusing elements that haven't changed.
  let cursor = parent.firstChild;
  for (const item of items) {
    let node = nodes.get(item.key);
    if (node && node.version !== item.version) {
      const fresh = item.create();
      fresh.dataset.key = item.key;
      if (cursor === node.el) cursor = fresh;
      const refocus = focusInside(node.el);
      node.el.replaceWith(fresh);
      refocus?.(fresh);
      node = { el: fresh, version: item.version };
      nodes.set(item.key, node);
    }
    if (!node) {
      const el = item.create();
      el.dataset.key = item.key;
      node = { el, version: item.version };
      nodes.set(item.key, node);
    }
    if (node.el === cursor) cursor = cursor.nextSibling;
    else parent.insertBefore(node.el, cursor);
  }
}

// A rebuilt element must not take the keyboard's place with it: someone
// who tabbed to a message's ⋯ button when that message's edit or reaction
// arrived would find the focus back on the page's body. Says how to put
// the focus on the same control of the fresh element, if it had it.
function focusInside(el) {
  const active = document.activeElement;
  if (!active || !el.contains(active)) return null;
  if (active === el) return (fresh) => fresh.focus({ preventScroll: true });
  const selector = [...active.classList].map((c) => `.${CSS.escape(c)}`).join('');
  if (!selector) return null;
  return (fresh) => fresh.querySelector(selector)?.focus({ preventScroll: true });
}
