import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

test('a misspelt contract field, with did-you-mean and a rename fix', () => {
  assert.deepEqual(check('return { decision = "autonomous", confidance = 0.95, reasoning = "x" }', 'unknown-field'), [
    {
      code: 'unknown-field',
      severity: 'warning',
      range: range(0, 34, 0, 44),
      message: '`confidance` is not a field of the result and is ignored (did you mean `confidence`?)',
      fix: { title: 'Rename to `confidence`', range: range(0, 34, 0, 44), newText: 'confidence' },
    },
  ]);
});

test('an extra field set after construction', () => {
  const source = lua('local r = { decision = "escalated", confidence = 0.5, reasoning = "x" }', 'r.score = context.metrics.wsjf_score', 'return r');
  assert.deepEqual(check(source, 'unknown-field'), [
    {
      code: 'unknown-field',
      severity: 'warning',
      range: range(1, 2, 1, 7),
      message: '`score` is not part of the result (decision, confidence, reasoning) and is ignored by the engine; remove it or put it into the reasoning',
    },
  ]);
});

test('a string key with a typo', () => {
  assert.deepEqual(check('return { decision = "escalated", confidence = 0.5, ["reason"] = "x" }', 'unknown-field').map((f) => f.fix), [
    { title: 'Rename to `reasoning`', range: range(0, 52, 0, 60), newText: '"reasoning"' },
  ]);
});
