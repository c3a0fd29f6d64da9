// Avatars: the first letter of a name on a colour picked from the palette
// in tokens.css by a hash of the name, so the same person has the same
// colour everywhere, on every device.

import { h } from './dom.js';

const PALETTE_SIZE = 8;

// FNV-1a spreads short, similar names over the palette better than a sum.
function paletteIndex(name) {
  let hash = 0x811c9dc5;
  for (const ch of name.toLowerCase()) hash = Math.imul(hash ^ ch.codePointAt(0), 0x01000193) >>> 0;
  return hash % PALETTE_SIZE;
}

/** A decorative avatar (the name is always written next to it). */
export function avatar(name, { small = false } = {}) {
  const initial = [...name][0]?.toUpperCase() ?? '?';
  const classes = `avatar avatar--c${paletteIndex(name)}${small ? ' avatar--small' : ''}`;
  return h('span', { class: classes, 'aria-hidden': 'true' }, initial);
}
