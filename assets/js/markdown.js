// The one place where message text becomes markup: a small, safe Markdown
// subset rendered straight into DOM nodes (never through an HTML parser).
//
//   **bold**  *italic* _italic_  ~~struck~~  `code`  > quote
//   ```lang fenced code``` (the language shown as a label)
//   - items, * items, + items   1. numbered items (numbers kept as typed)
//   [label](https://…)  and bare http(s) URLs, which become links
//
// Safety comes from construction, not from escaping: every element is made
// by `el()`, which only knows the tags in ALLOWED, and all user text enters
// the DOM as Text nodes. Raw HTML in a message therefore shows as text.
// Links get an href only after `safeHref()` has parsed it and checked the
// scheme; a [label](javascript:…) link is rendered as its plain source text.

const ALLOWED = new Set(['strong', 'em', 'del', 'code', 'pre', 'blockquote', 'a', 'br', 'ul', 'ol', 'li']);
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

// Deeply nested quotes or emphasis are legal but pointless; past this depth
// the rest is plain text, so a hostile message cannot blow the stack.
const MAX_DEPTH = 8;

function el(tag, children = []) {
  if (!ALLOWED.has(tag)) throw new Error(`markdown: <${tag}> is not allowed`);
  return appendAll(document.createElement(tag), children);
}

// append() turns strings into Text nodes. In slices: spreading a very long
// message's hundred thousand nodes as arguments at once overflows the stack.
function appendAll(node, children) {
  for (let i = 0; i < children.length; i += 4096) node.append(...children.slice(i, i + 4096));
  return node;
}

// The normalised href when `raw` is an absolute http(s) or mailto URL, else
// null. Parsing with URL (not a regex) means tabs, newlines, odd case and
// leading control characters ("java\tscript:") are judged as a browser
// would judge them.
function safeHref(raw) {
  let url;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
}

function link(href, children) {
  const a = el('a', children);
  a.href = href;
  a.rel = 'noopener noreferrer';
  a.target = '_blank';
  return a;
}

// --- Inline --------------------------------------------------------------

// Sticky: matched at a position, without slicing the rest of the line.
const BARE_URL = /https?:\/\/[^\s<>"'`]+/iy;
const WORD = /[\p{L}\p{N}_]/u;
const SPACE = /\s/;

// Every scan below moves forward only, or remembers where a failed search
// ended so that no later start repeats it: rendering takes time in
// proportion to the text (a line of 100,000 `[` or `*a ` included).

// A URL found in running text usually ends before trailing punctuation
// ("see https://x.org." or "(https://x.org)").
function trimUrl(url) {
  let open = 0;
  let close = 0;
  for (const c of url) {
    if (c === '(') open += 1;
    else if (c === ')') close += 1;
  }
  let end = url.length;
  for (;;) {
    const c = url[end - 1];
    if ('.,;:!?*_~'.includes(c)) end -= 1;
    else if (c === ')' && open < close) {
      end -= 1;
      close -= 1;
    } else break;
  }
  return url.slice(0, end);
}

// The link `[label](target)` starting at `i`: the label runs to the first
// `]` (not past a line end), the target to the first `(`, `)` or space,
// which must be `)`. When there is none, `until` is where the label's scan
// stopped: a `[` before it would stop there too, so none of them starts a
// link either.
function linkAt(s, i) {
  let j = i + 1;
  while (j < s.length && s[j] !== ']' && s[j] !== '\n') j += 1;
  if (s[j] !== ']' || j === i + 1 || s[j + 1] !== '(') return { until: j };
  let k = j + 2;
  while (k < s.length && s[k] !== '(' && s[k] !== ')' && !SPACE.test(s[k])) k += 1;
  if (s[k] !== ')' || k === j + 2) return { until: j };
  return { label: s.slice(i + 1, j), target: s.slice(j + 2, k), end: k + 1 };
}

// Index of the closing `marker` for emphasis opened at `from`: the text in
// between must not start or end with a space, and `_` must close at a word
// boundary (so snake_case_names stay as they are). Whether a place closes
// does not depend on `from`, so when none does after `from`, none does
// after any later start either.
function findCloser(s, marker, from) {
  let at = s.indexOf(marker, from);
  while (at !== -1) {
    const before = s[at - 1];
    const after = s[at + marker.length];
    const okEdge = before !== undefined && !SPACE.test(before);
    const okWord = marker !== '_' || after === undefined || !WORD.test(after);
    const notDouble = marker.length !== 1 || marker !== '*' || after !== '*';
    if (at > from && okEdge && okWord && notDouble) return at;
    at = s.indexOf(marker, at + 1);
  }
  return -1;
}

// Inline spans of one line. `inLink` stops links nesting inside link labels.
function inline(s, depth, inLink = false) {
  const out = [];
  // Plain text runs from `textFrom` to where the next node starts; it is
  // cut out of `s` once, not built up a character at a time.
  let textFrom = 0;
  const push = (node, from, to) => {
    if (from > textFrom) out.push(s.slice(textFrom, from));
    out.push(node);
    textFrom = to;
  };
  // Where searches that found nothing ended: a later start finds nothing
  // either (see linkAt and findCloser), so it does not search again.
  let noBacktickAfter = false;
  let noLinkBefore = -1;
  const noCloserFrom = new Map();
  let i = 0;
  while (i < s.length) {
    const c = s[i];

    if (c === '`' && !noBacktickAfter) {
      const end = s.indexOf('`', i + 1);
      if (end === -1) noBacktickAfter = true;
      if (end > i + 1) {
        push(el('code', [s.slice(i + 1, end)]), i, end + 1);
        i = end + 1;
        continue;
      }
    }

    if (c === '[' && !inLink && i >= noLinkBefore) {
      const m = linkAt(s, i);
      if (m.until !== undefined) noLinkBefore = m.until;
      else {
        const href = safeHref(m.target);
        // An unsafe target leaves the whole construct as inert text.
        if (href) push(link(href, depth < MAX_DEPTH ? inline(m.label, depth + 1, true) : [m.label]), i, m.end);
        i = m.end;
        continue;
      }
    }

    if ((c === 'h' || c === 'H') && !inLink && !WORD.test(s[i - 1] ?? ' ')) {
      BARE_URL.lastIndex = i;
      const m = BARE_URL.exec(s);
      if (m) {
        const url = trimUrl(m[0]);
        const href = url.includes('://') && url.length > url.indexOf('://') + 3 ? safeHref(url) : null;
        if (href) {
          push(link(href, [url]), i, i + url.length);
          i += url.length;
          continue;
        }
      }
    }

    if (c === '~' && s[i + 1] === '~' && depth < MAX_DEPTH) {
      const open = i + 2;
      const hopeless = open >= (noCloserFrom.get('~~') ?? Infinity);
      if (s[open] !== undefined && !SPACE.test(s[open]) && s[open] !== '~' && !hopeless) {
        const close = findCloser(s, '~~', open);
        if (close === -1) noCloserFrom.set('~~', open);
        if (close !== -1) {
          push(el('del', inline(s.slice(open, close), depth + 1, inLink)), i, close + 2);
          i = close + 2;
          continue;
        }
      }
    }

    if ((c === '*' || c === '_') && depth < MAX_DEPTH) {
      const strong = c === '*' && s[i + 1] === '*';
      const marker = strong ? '**' : c;
      const open = i + marker.length;
      // `\_` never opens (so ¯\_(ツ)_/¯ stays a shrug).
      const leftOk = c !== '_' || !(WORD.test(s[i - 1] ?? ' ') || s[i - 1] === '\\');
      const hopeless = open >= (noCloserFrom.get(marker) ?? Infinity);
      if (leftOk && s[open] !== undefined && !SPACE.test(s[open]) && !hopeless) {
        const close = findCloser(s, marker, open);
        if (close === -1) noCloserFrom.set(marker, open);
        if (close !== -1) {
          push(el(strong ? 'strong' : 'em', inline(s.slice(open, close), depth + 1, inLink)), i, close + marker.length);
          i = close + marker.length;
          continue;
        }
      }
    }

    i += 1;
  }
  if (s.length > textFrom) out.push(s.slice(textFrom));
  return out;
}

// --- Blocks --------------------------------------------------------------

const FENCE = /^\s*```/;
// A list item: up to three spaces, a marker, a space, then its text.
const BULLET = /^ {0,3}[-*+][ \t]+(?=\S)/;
const NUMBERED = /^ {0,3}(\d{1,9})[.)][ \t]+(?=\S)/;
// A fence's language name, shown as a label (an attribute, not markup).
const LANGUAGE = /^[\w+#.-]{1,32}$/;

// The list starting at lines[i] (all bullets, or all numbers) and the
// index after it. A numbered item keeps the number typed (`value`).
function listAt(lines, i, depth) {
  const numbered = NUMBERED.test(lines[i]);
  const marker = numbered ? NUMBERED : BULLET;
  const items = [];
  for (; i < lines.length; i += 1) {
    const m = marker.exec(lines[i]);
    if (!m) break;
    const item = el('li', inline(lines[i].slice(m[0].length), depth));
    if (numbered) item.setAttribute('value', m[1]);
    items.push(item);
  }
  return { list: el(numbered ? 'ol' : 'ul', items), next: i };
}

// The code of "```code```" on one line (what follows the opening fence
// ends with a fence, and has something in between), else null. Written
// out rather than as /^(.*\S.*?)```\s*$/, which backtracks quadratically
// on a long fence line without a closing fence.
function oneLineFence(info) {
  const body = info.trimEnd();
  if (!body.endsWith('```')) return null;
  const code = body.slice(0, -3);
  return /\S/.test(code) && !/[\u2028\u2029]/.test(code) ? code : null;
}

// Renders `source` into a DocumentFragment of text and allowed elements.
export function renderMarkdown(source, depth = 0) {
  const frag = document.createDocumentFragment();
  const lines = String(source).replace(/\r\n?/g, '\n').split('\n');
  let run = []; // consecutive plain lines, joined with <br>

  const flush = () => {
    run.forEach((line, n) => {
      if (n) frag.append(el('br'));
      appendAll(frag, inline(line, depth));
    });
    run = [];
  };

  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];

    if (FENCE.test(line)) {
      const info = line.replace(FENCE, '');
      const code = [];
      // ```one line``` is a block of its own.
      const oneLine = oneLineFence(info);
      if (oneLine !== null) code.push(oneLine);
      else {
        // The info string is a language name (ignored); anything else on
        // the fence line is code.
        if (info.trim() && !/^[\w+#.-]+\s*$/.test(info)) code.push(info);
        i += 1;
        while (i < lines.length && !/^\s*```\s*$/.test(lines[i])) code.push(lines[(i += 1) - 1]);
      }
      flush();
      const pre = el('pre', [el('code', [code.join('\n')])]);
      const language = oneLine === null ? info.trimEnd() : '';
      if (LANGUAGE.test(language)) pre.setAttribute('data-lang', language);
      frag.append(pre);
      continue;
    }

    if (line.startsWith('>') && depth < MAX_DEPTH) {
      const quoted = [];
      while (i < lines.length && lines[i].startsWith('>')) quoted.push(lines[(i += 1) - 1].replace(/^> ?/, ''));
      i -= 1;
      flush();
      frag.append(el('blockquote', [renderMarkdown(quoted.join('\n'), depth + 1)]));
      continue;
    }

    if (BULLET.test(line) || NUMBERED.test(line)) {
      const { list, next } = listAt(lines, i, depth);
      flush();
      frag.append(list);
      i = next - 1;
      continue;
    }

    run.push(line);
  }
  flush();
  return frag;
}
