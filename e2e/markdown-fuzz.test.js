// A short, fixed-seed run of the Markdown renderer fuzzer
// (fuzz/markdown/fuzz.mjs; run it longer by hand with more iterations).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, inputs } from '../fuzz/markdown/fuzz.mjs';

test('the Markdown renderer survives 20,000 hostile inputs with only safe output', () => {
  const failures = [];
  for (const input of inputs(20000, 20261126)) {
    const problems = check(input);
    if (problems.length) failures.push({ input, problems });
  }
  assert.deepEqual(failures.slice(0, 5), []);
});
