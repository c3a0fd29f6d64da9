// Fuzzes the web client's Markdown renderer (assets/js/markdown.js) under
// Node with a tiny stand-in DOM: random inputs built from Markdown and HTML
// fragments, mutated from the corpus, must render without throwing, make
// only the allowed elements, give links only http(s)/mailto hrefs with
// rel="noopener noreferrer", and keep every letter of the input visible
// (nothing silently dropped, nothing invented). Long runs of the shapes
// that once made rendering quadratic (100,000 `[` took 1.3 s) are among
// the inputs, and the command line also checks that rendering them takes
// time in proportion to their length (`scaling`).
//
//   node fuzz/markdown/fuzz.mjs [iterations] [seed]
//
// e2e/markdown-fuzz.test.js runs a short, fixed-seed form in the test suite.

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

class Node {
  constructor(tag) {
    this.tag = tag;
    this.children = [];
    this.attrs = {};
  }
  append(...items) {
    for (const item of items) this.children.push(typeof item === 'string' ? new Text(item) : item);
  }
  set href(v) { this.attrs.href = String(v); }
  get href() { return this.attrs.href; }
  set rel(v) { this.attrs.rel = v; }
  set target(v) { this.attrs.target = v; }
  setAttribute(k, v) { this.attrs[k] = String(v); }
  get textContent() { return this.children.map((c) => c.textContent).join(''); }
}
class Text {
  constructor(t) { this.data = t; }
  get textContent() { return this.data; }
}
globalThis.document = {
  createElement: (tag) => new Node(tag),
  createDocumentFragment: () => new Node('#fragment'),
  createTextNode: (t) => new Text(t),
};

const { renderMarkdown } = await import(join(here, '..', '..', 'assets', 'js', 'markdown.js'));

const ALLOWED = new Set(['#fragment', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'a', 'br', 'ul', 'ol', 'li']);
// The attributes each element may carry, and what their values must look like.
const ATTRIBUTES = {
  a: { href: /^(https?|mailto):/i, rel: /^noopener noreferrer$/, target: /^_blank$/ },
  li: { value: /^\d{1,9}$/ },
  pre: { 'data-lang': /^[\w+#.-]{1,32}$/ },
};
const PIECES = ['**', '*', '_', '`', '```', '\n', '> ', '[', ']', '(', ')', 'https://example.com/a?b=c', 'http://x.y',
  'javascript:alert(1)', 'java\tscript:', 'data:text/html,x', 'mailto:a@b.c', '<img src=x onerror=alert(1)>', '<script>',
  '</code>', '"', "'", ' ', 'word', 'ünï', '\u202e', '&amp;', '\\', '~~', '#', '-', '1.', 'www.x.org',
  '\n- ', '\n* ', '\n+ ', '\n1. ', '\n42) ', '\n```rust\n', '\n```js', '~~a~~', '~'];

// Repetitions that cost quadratic time before each scan learned to stop
// where an earlier one failed: a `[` with no `]`, emphasis with no closer,
// a fence line with no closing fence, a URL ending in many `)`.
export const LONG_SHAPES = {
  brackets: (n) => '['.repeat(n),
  'unclosed labels': (n) => '[a]'.repeat(Math.ceil(n / 3)),
  'unclosed targets': (n) => '[a]('.repeat(Math.ceil(n / 4)),
  'stars without closers': (n) => '*a '.repeat(Math.ceil(n / 3)),
  'underscores without closers': (n) => '_a '.repeat(Math.ceil(n / 3)),
  'double stars without closers': (n) => '**a '.repeat(Math.ceil(n / 4)),
  'unclosed code': (n) => `\`${'a'.repeat(n)}`,
  'open fence line': (n) => `\`\`\`${'a '.repeat(Math.ceil(n / 2))}`,
  'url with parentheses': (n) => `https://x.org/${')'.repeat(n)}`,
  'mixed openers': (n) => '[*_`'.repeat(Math.ceil(n / 4)),
  'tildes without closers': (n) => '~~a '.repeat(Math.ceil(n / 4)),
  'list items': (n) => '- a\n1. b\n'.repeat(Math.ceil(n / 10)),
};

export function* inputs(count, seed) {
  let x = seed >>> 0 || 1;
  const rand = (n) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
  const corpusDir = join(here, 'corpus');
  const corpus = readdirSync(corpusDir).map((f) => readFileSync(join(corpusDir, f), 'utf8'));
  const shapes = Object.values(LONG_SHAPES);
  for (let i = 0; i < count; i += 1) {
    // Now and then a long run of a once-quadratic shape, with mutations.
    let s = i % 1000 === 0 ? shapes[(i / 1000) % shapes.length](2000 + rand(8000)) : '';
    if (!s && rand(3) === 0) s = corpus[rand(corpus.length)];
    const n = 1 + rand(24);
    for (let k = 0; k < n; k += 1) {
      const piece = PIECES[rand(PIECES.length)];
      const at = rand(s.length + 1);
      s = s.slice(0, at) + piece + s.slice(at);
    }
    yield s;
  }
}

const letters = (t) => t.replace(/[^\p{L}\p{N}]/gu, '');

// An opening fence's language name ("```rust") is not shown as text, by
// design (it is the block's label, an attribute). Walks the blocks as the
// renderer does: fences, then quotes (a quote is Markdown again, up to the
// renderer's depth), then plain lines.
function withoutLanguageNames(source, depth = 0) {
  const lines = String(source).replace(/\r\n?/g, '\n').split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      const info = line.replace(/^\s*```/, '');
      const body = info.trimEnd();
      const oneLine = body.endsWith('```') && /\S/.test(body.slice(0, -3)) && !/[\u2028\u2029]/.test(body);
      if (oneLine) {
        out.push(line);
        continue;
      }
      out.push(/^[\w+#.-]+\s*$/.test(info) ? '```' : line);
      i += 1;
      while (i < lines.length && !/^\s*```\s*$/.test(lines[i])) out.push(lines[(i += 1) - 1]);
      continue;
    }
    if (line.startsWith('>') && depth < 8) {
      const quoted = [];
      while (i < lines.length && lines[i].startsWith('>')) quoted.push(lines[(i += 1) - 1].replace(/^> ?/, ''));
      i -= 1;
      out.push(withoutLanguageNames(quoted.join('\n'), depth + 1));
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

// Returns a list of problems with rendering `source` (empty when fine).
export function check(source) {
  let out;
  try {
    out = renderMarkdown(source);
  } catch (e) {
    return [`threw ${e.message}`];
  }
  const problems = [];
  const walk = (node) => {
    if (node instanceof Text) return;
    if (!ALLOWED.has(node.tag)) problems.push(`made <${node.tag}>`);
    for (const [k, v] of Object.entries(node.attrs)) {
      const rule = ATTRIBUTES[node.tag]?.[k];
      if (!rule) problems.push(`attribute ${k} on <${node.tag}>`);
      else if (!rule.test(v)) problems.push(`attribute ${k}="${v}" on <${node.tag}>`);
    }
    if (node.tag === 'a') {
      if (!/^(https?|mailto):/i.test(node.attrs.href ?? '')) problems.push(`link to ${node.attrs.href}`);
      if (node.attrs.rel !== 'noopener noreferrer') problems.push('link without rel=noopener noreferrer');
    }
    node.children.forEach(walk);
  };
  walk(out);
  // Every letter typed is still shown, except a safe link's target, which
  // becomes the href (the link shows its label).
  // A numbered item's number is its `value` (the list shows it).
  const shownText = (node) =>
    node instanceof Text ? node.data : (node.attrs.value ?? '') + node.children.map(shownText).join('');
  const shown = letters(shownText(out));
  const hrefs = [];
  const collect = (node) => {
    if (node instanceof Text) return;
    if (node.tag === 'a') hrefs.push(node.attrs.href ?? '');
    node.children.forEach(collect);
  };
  collect(out);
  if (hrefs.length === 0 && shown !== letters(withoutLanguageNames(source))) problems.push('text lost or invented');
  return problems;
}

// Shapes whose rendering time grows faster than their length: each is
// rendered at `n` and `8n` characters (best of five, after a warm-up);
// linear work takes about 8 times as long, quadratic 64 times, and the
// line is drawn at 24 so that the collector's pauses do not count.
// Returns the problems, one line each.
export function scaling(n = 20000) {
  const problems = [];
  const best = (source) => {
    let fastest = Infinity;
    for (let k = 0; k < 5; k += 1) {
      const t0 = performance.now();
      renderMarkdown(source);
      fastest = Math.min(fastest, performance.now() - t0);
    }
    return fastest;
  };
  for (const [name, make] of Object.entries(LONG_SHAPES)) {
    best(make(n));
    const small = best(make(n));
    const large = best(make(8 * n));
    // Below a few milliseconds the clock is the noise.
    if (large > 24 * Math.max(small, 2)) {
      problems.push(`${name}: ${small.toFixed(1)} ms at ${n} characters, ${large.toFixed(1)} ms at ${8 * n}`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv[2] ?? 100000);
  const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
  let bad = 0;
  for (const input of inputs(count, seed)) {
    const problems = check(input);
    if (problems.length) {
      bad += 1;
      if (bad <= 10) console.log(JSON.stringify(input), problems);
    }
  }
  console.log(`${count} inputs (seed ${seed}): ${bad} with problems`);
  const slow = scaling();
  for (const line of slow) console.log(`grows faster than its length: ${line}`);
  console.log(`${Object.keys(LONG_SHAPES).length} long shapes: ${slow.length} grow faster than their length`);
  process.exit(bad || slow.length ? 1 : 0);
}
