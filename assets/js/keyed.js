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
      node.el.replaceWith(fresh);
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
