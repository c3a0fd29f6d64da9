// The one place where message text becomes markup: a small, safe Markdown
// subset rendered straight into DOM nodes (never through an HTML parser).
//
//   **bold**  *italic* _italic_  `code`  ```fenced code```  > quote
//   [label](https://…)  and bare http(s) URLs, which become links
//
// Safety comes from construction, not from escaping: every element is made
// by `el()`, which only knows the tags in ALLOWED, and all user text enters
// the DOM as Text nodes. Raw HTML in a message therefore shows as text.
// Links get an href only after `safeHref()` has parsed it and checked the
// scheme; a [label](javascript:…) link is rendered as its plain source text.

const ALLOWED = new Set(['strong', 'em', 'code', 'pre', 'blockquote', 'a', 'br']);
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

// Deeply nested quotes or emphasis are legal but pointless; past this depth
// the rest is plain text, so a hostile message cannot blow the stack.
const MAX_DEPTH = 8;

function el(tag, children = []) {
  if (!ALLOWED.has(tag)) throw new Error(`markdown: <${tag}> is not allowed`);
  const node = document.createElement(tag);
  // append() turns strings into Text nodes.
  node.append(...children);
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

const BARE_URL = /^https?:\/\/[^\s<>"'`]+/i;
const LINK = /^\[([^\]\n]+)\]\(([^()\s]+)\)/;
const WORD = /[\p{L}\p{N}_]/u;

// A URL found in running text usually ends before trailing punctuation
// ("see https://x.org." or "(https://x.org)").
function trimUrl(url) {
  let end = url.length;
  for (;;) {
    const c = url[end - 1];
    if ('.,;:!?*_~'.includes(c)) end -= 1;
    else if (c === ')' && count(url.slice(0, end), '(') < count(url.slice(0, end), ')')) end -= 1;
    else break;
  }
  return url.slice(0, end);
}

function count(s, ch) {
  return s.split(ch).length - 1;
}

// Index of the closing `marker` for emphasis opened at `from`: the text in
// between must not start or end with a space, and `_` must close at a word
// boundary (so snake_case_names stay as they are).
function findCloser(s, marker, from) {
  let at = s.indexOf(marker, from);
  while (at !== -1) {
    const before = s[at - 1];
    const after = s[at + marker.length];
    const okEdge = before !== undefined && !/\s/.test(before);
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
  let text = '';
  const push = (node) => {
    if (text) out.push(text);
    text = '';
    out.push(node);
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    const rest = s.slice(i);

    if (c === '`') {
      const end = s.indexOf('`', i + 1);
      if (end > i + 1) {
        push(el('code', [s.slice(i + 1, end)]));
        i = end + 1;
        continue;
      }
    }

    if (c === '[' && !inLink) {
      const m = LINK.exec(rest);
      if (m) {
        const href = safeHref(m[2]);
        // An unsafe target leaves the whole construct as inert text.
        if (href) push(link(href, depth < MAX_DEPTH ? inline(m[1], depth + 1, true) : [m[1]]));
        else text += m[0];
        i += m[0].length;
        continue;
      }
    }

    if ((c === 'h' || c === 'H') && !inLink && !WORD.test(s[i - 1] ?? ' ')) {
      const m = BARE_URL.exec(rest);
      if (m) {
        const url = trimUrl(m[0]);
        const href = url.includes('://') && url.length > url.indexOf('://') + 3 ? safeHref(url) : null;
        if (href) {
          push(link(href, [url]));
          i += url.length;
          continue;
        }
      }
    }

    if ((c === '*' || c === '_') && depth < MAX_DEPTH) {
      const strong = c === '*' && s[i + 1] === '*';
      const marker = strong ? '**' : c;
      const open = i + marker.length;
      const leftOk = c !== '_' || !WORD.test(s[i - 1] ?? ' ');
      if (leftOk && s[open] !== undefined && !/\s/.test(s[open])) {
        const close = findCloser(s, marker, open);
        if (close !== -1) {
          push(el(strong ? 'strong' : 'em', inline(s.slice(open, close), depth + 1, inLink)));
          i = close + marker.length;
          continue;
        }
      }
    }

    text += c;
    i += 1;
  }
  if (text) out.push(text);
  return out;
}

// --- Blocks --------------------------------------------------------------

const FENCE = /^\s*```/;

// Renders `source` into a DocumentFragment of text and allowed elements.
export function renderMarkdown(source, depth = 0) {
  const frag = document.createDocumentFragment();
  const lines = String(source).replace(/\r\n?/g, '\n').split('\n');
  let run = []; // consecutive plain lines, joined with <br>

  const flush = () => {
    run.forEach((line, n) => {
      if (n) frag.append(el('br'));
      frag.append(...inline(line, depth));
    });
    run = [];
  };

  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];

    if (FENCE.test(line)) {
      const info = line.replace(FENCE, '');
      const code = [];
      // ```one line``` is a block of its own.
      const oneLine = /^(.*\S.*?)```\s*$/.exec(info);
      if (oneLine) code.push(oneLine[1]);
      else {
        // The info string is a language name (ignored); anything else on
        // the fence line is code.
        if (info.trim() && !/^[\w+#.-]+\s*$/.test(info)) code.push(info);
        i += 1;
        while (i < lines.length && !/^\s*```\s*$/.test(lines[i])) code.push(lines[(i += 1) - 1]);
      }
      flush();
      frag.append(el('pre', [el('code', [code.join('\n')])]));
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

    run.push(line);
  }
  flush();
  return frag;
}
